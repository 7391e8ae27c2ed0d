"""A ``requests`` transport adapter answering from a :class:`ShopifySimulator`.

Mount it on a session for the shop's URL; nothing leaves the process::

    session = requests.Session()
    session.mount("https://retail-demo.myshopify.com", SimulatorAdapter(sim))
"""

import http
import io
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers


class SimulatorAdapter(BaseAdapter):
    """Route the requests of a session to ``simulator.handle``."""

    def __init__(self, simulator):
        super().__init__()
        self.simulator = simulator

    def _hosts(self):
        hosts = {self.simulator.shop_domain.lower()}
        base = urlsplit(self.simulator.base_url).hostname
        if base:
            hosts.add(base.lower())
        return hosts

    @staticmethod
    def _body(request):
        body = request.body
        if body is None:
            return b""
        if isinstance(body, str):
            return body.encode("utf-8")
        if isinstance(body, (bytes, bytearray)):
            return bytes(body)
        if hasattr(body, "read"):
            data = body.read()
            return data.encode("utf-8") if isinstance(data, str) else data
        chunks = [c.encode("utf-8") if isinstance(c, str) else c for c in body]
        return b"".join(chunks)

    def send(  # noqa: PLR0917 - the signature of BaseAdapter.send
        self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None
    ):
        parts = urlsplit(request.url)
        if (parts.hostname or "").lower() not in self._hosts():
            raise requests.exceptions.ConnectionError(
                f"the Shopify simulator serves {self.simulator.shop_domain} only, "
                f"not {parts.hostname}",
                request=request,
            )
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        status, headers, content = self.simulator.handle(
            request.method, path, dict(request.headers), self._body(request)
        )
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = io.BytesIO(content)
        response._content = content
        response.reason = http.HTTPStatus(status).phrase
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self):
        """Nothing to release: no connection is ever opened."""

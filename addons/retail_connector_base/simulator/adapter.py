"""A ``requests`` transport adapter answering from a simulator, in process.

Mount it on a session for the simulator's URL; nothing leaves the process::

    session = requests.Session()
    session.mount("https://retail-demo.myshopify.com", SimulatorAdapter(sim))

or let :func:`mount` mount it for every host the simulator serves. A client
that builds its own sessions is routed with :func:`intercept`, which mounts
the adapter on every session created while it is active. A request for a
host the simulator does not serve fails with ``ConnectionError``, as an
unknown host would.
"""

import contextlib
import http
import io
from unittest import mock
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from .faults import TIMEOUT_STATUS, SimulatedTimeout


def served_hosts(simulator):
    """The host names ``simulator`` answers for (lower case)."""
    hosts = {str(host).lower() for host in getattr(simulator, "hosts", ()) or ()}
    base = urlsplit(getattr(simulator, "base_url", "") or "").hostname
    if base:
        hosts.add(base.lower())
    return hosts


def _read_timeout(timeout):
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return None if timeout is None else float(timeout)


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


class SimulatorAdapter(BaseAdapter):
    """Route the requests of a session to ``simulator.handle``.

    ``handle(method, path, headers, body)`` answers ``(status, headers, body
    bytes)``; ``path`` keeps the query string.
    """

    def __init__(self, simulator):
        super().__init__()
        self.simulator = simulator

    def send(  # noqa: PLR0917 - the signature of BaseAdapter.send
        self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None
    ):
        parts = urlsplit(request.url)
        hosts = served_hosts(self.simulator)
        if (parts.hostname or "").lower() not in hosts:
            name = getattr(self.simulator, "name", type(self.simulator).__name__)
            raise requests.exceptions.ConnectionError(
                f"the {name} simulator serves {', '.join(sorted(hosts))} only, "
                f"not {parts.hostname}",
                request=request,
            )
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            status, headers, content = self.simulator.handle(
                request.method, path, dict(request.headers), _body(request)
            )
        except SimulatedTimeout as exc:
            read_timeout = _read_timeout(timeout)
            if read_timeout is not None and read_timeout < exc.delay:
                raise requests.exceptions.ReadTimeout(
                    f"{parts.hostname} did not answer within {read_timeout:g} s",
                    request=request,
                ) from None
            status = TIMEOUT_STATUS
            headers = {"Content-Type": "text/plain; charset=utf-8"}
            content = http.HTTPStatus(status).phrase.encode()
        return self._response(request, status, headers, content)

    def _response(self, request, status, headers, content):
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


def mount(session, simulator):
    """Mount a :class:`SimulatorAdapter` on ``session`` for the simulator.

    It answers the simulator's ``base_url`` (scheme, host and port) and
    ``https://`` on each of its ``hosts``; return the session.
    """
    adapter = SimulatorAdapter(simulator)
    prefixes = {f"https://{host}" for host in getattr(simulator, "hosts", ()) or ()}
    base = urlsplit(getattr(simulator, "base_url", "") or "")
    if base.scheme and base.netloc:
        prefixes.add(f"{base.scheme}://{base.netloc}")
    for prefix in sorted(prefixes):
        session.mount(prefix, adapter)
    return session


@contextlib.contextmanager
def intercept(*simulators):
    """Route every ``requests.Session`` created inside to the simulators.

    For clients that open sessions of their own: each session created while
    the block runs gets the adapters mounted (see :func:`mount`).
    """
    original = requests.Session.__init__

    def init(session, *args, **kwargs):
        original(session, *args, **kwargs)
        for simulator in simulators:
            mount(session, simulator)

    with mock.patch.object(requests.Session, "__init__", init):
        yield

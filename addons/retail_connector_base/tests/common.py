"""Test helpers shared by the connectors' tests."""

from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

LOCAL_HOSTS = ("127.0.0.1", "localhost")
_NETWORK_SEND = HTTPAdapter.send


class RemoteAdapterTestMixin:
    """Let calls to a remote reach the session's transport adapter.

    Odoo's test cases refuse every outgoing HTTP request. Connector tests
    replace the transport instead: `responses` or a simulator adapter mounted
    on the client's session answer, and an unregistered URL fails, so
    nothing ever leaves the host. Calls to the test server itself go through
    Odoo's own handler.
    """

    @classmethod
    def _request_handler(cls, session, request, **kwargs):
        adapter = session.get_adapter(request.url)
        to_network = type(adapter) is HTTPAdapter and HTTPAdapter.send is _NETWORK_SEND
        if urlsplit(request.url).hostname in LOCAL_HOSTS or to_network:
            # the test server, or a real network call Odoo's handler refuses
            return super()._request_handler(session, request, **kwargs)
        adapter_kwargs = {
            key: kwargs[key]
            for key in ("stream", "timeout", "verify", "cert", "proxies")
            if key in kwargs
        }
        return adapter.send(request, **adapter_kwargs)

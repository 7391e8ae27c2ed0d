"""Pluggable authentication of inbound deliveries, on the raw bytes.

An authenticator answers one question: does this request come from the
sender that owns ``credential``? It never parses the body.
"""

from .signatures import parse_bearer, verify_api_key, verify_hmac_sha256


class HmacAuthenticator:
    """HMAC-SHA256 of the raw body in a header (base64 or hex digest)."""

    def __init__(self, header, encoding="base64"):
        if encoding not in ("base64", "hex"):
            raise ValueError(f"unsupported digest encoding: {encoding!r}")
        self.header = header
        self.encoding = encoding

    def verify(self, credential, body, headers):
        return verify_hmac_sha256(
            credential, body, headers.get(self.header), encoding=self.encoding
        )


class ApiKeyAuthenticator:
    """A bearer API key compared with the salted hash stored on the backend.

    The key is read from ``Authorization: Bearer <key>`` or, when ``header``
    is given, from that header.
    """

    def __init__(self, header=None):
        self.header = header

    def verify(self, credential, body, headers):
        if self.header:
            key = (headers.get(self.header) or "").strip()
        else:
            key = parse_bearer(headers.get("Authorization"))
        if not key or not credential:
            return False
        return verify_api_key(key, credential)

"""HMAC webhook signatures and API key helpers."""

import base64
import hashlib
import hmac
import secrets

HASH_SCHEME = "sha256"
_HEX_DIGITS = frozenset("0123456789abcdef")


def _to_bytes(value):
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"expected str or bytes, got {type(value).__name__}")


def _ascii_text(value):
    """Return ``value`` as an ASCII str, or None when it is not ASCII text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("ascii")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str) and value.isascii():
        return value
    return None


def hmac_sha256_digest(secret, body, encoding="base64"):
    """HMAC-SHA256 of ``body`` keyed with ``secret``, as base64 or hex text."""
    if encoding not in ("base64", "hex"):
        raise ValueError(f"unsupported digest encoding: {encoding!r}")
    mac = hmac.new(_to_bytes(secret), _to_bytes(body), hashlib.sha256)
    if encoding == "hex":
        return mac.hexdigest()
    return base64.b64encode(mac.digest()).decode("ascii")


def verify_hmac_sha256(secret, body, received, encoding="base64"):
    """Check a received signature in constant time; never raises.

    An optional ``sha256=`` prefix on ``received`` is accepted. Returns
    False when the secret or the signature is empty, missing or not ASCII.
    """
    secret = _ascii_text(secret)
    received = _ascii_text(received)
    if not secret or not received:
        return False
    received = received.strip()
    if received[:7].lower() == "sha256=":
        received = received[7:].strip()
    if not received:
        return False
    try:
        expected = hmac_sha256_digest(secret, body, encoding=encoding)
    except (TypeError, ValueError):
        return False
    if encoding == "hex":
        received = received.lower()
    return hmac.compare_digest(expected, received)


def generate_api_key():
    """Return a new random URL-safe API key."""
    return secrets.token_urlsafe(32)


def _api_key_digest(key, salt):
    return hashlib.sha256(f"{salt}${key}".encode()).hexdigest()


def hash_api_key(key, salt=None):
    """Return ``sha256$<salt>$<hexdigest>`` for storing ``key``."""
    if not isinstance(key, str) or not key:
        raise ValueError("an API key must be a non-empty string")
    if salt is None:
        salt = secrets.token_hex(16)
    if not isinstance(salt, str) or not salt or "$" in salt:
        raise ValueError("the salt must be a non-empty string without '$'")
    return f"{HASH_SCHEME}${salt}${_api_key_digest(key, salt)}"


def verify_api_key(key, stored):
    """Compare ``key`` with a value from :func:`hash_api_key` in constant time.

    Returns False for an empty key or a malformed stored value.
    """
    if not isinstance(key, str) or not key or not isinstance(stored, str):
        return False
    parts = stored.split("$")
    if len(parts) != 3:
        return False
    scheme, salt, digest = parts
    if scheme != HASH_SCHEME or not salt:
        return False
    if len(digest) != 64 or not set(digest) <= _HEX_DIGITS:
        return False
    return hmac.compare_digest(_api_key_digest(key, salt), digest)


def parse_bearer(authorization_header):
    """Return the token of a ``Bearer <token>`` header value, else None."""
    if not isinstance(authorization_header, str):
        return None
    parts = authorization_header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]

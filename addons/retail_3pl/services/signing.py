"""The ``X-Retail-Signature`` of the generic 3PL contract, both directions.

``X-Retail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``: the HMAC is
keyed with the provider's signing secret and computed over
``"<t>.<raw body>"``. A signature whose ``t`` is more than
:data:`TOLERANCE_SECONDS` away from now is refused, so a captured request
cannot be replayed later; inside the window a replay carries the same
``message_id`` and is recognised as a duplicate. Several ``v1`` values may
be given (a secret being rotated): one matching is enough.

- :func:`sign` builds the header value;
- :func:`parse` reads it;
- :func:`verify` checks it in constant time, never raising;
- :class:`RetailSignatureAuthenticator` is the intake's authenticator.
"""

import hashlib
import hmac
import re
import time

HEADER = "X-Retail-Signature"
#: seconds a signature's timestamp may be away from now, either way
TOLERANCE_SECONDS = 300
#: a header value longer than this is not read
MAX_HEADER_CHARS = 1024
_HEX_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")


def _to_bytes(value):
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def signature(secret, body, timestamp):
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    signed = str(int(timestamp)).encode("ascii") + b"." + _to_bytes(body)
    return hmac.new(_to_bytes(secret), signed, hashlib.sha256).hexdigest()


def sign(secret, body, timestamp=None):
    """The header value signing ``body`` at ``timestamp`` (default: now)."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def parse(value):
    """``(timestamp, [v1 signatures])`` of a header value, or None.

    None for anything malformed: no ``t``, a ``t`` that is not an integer,
    no ``v1``, a ``v1`` that is not 64 hex digits, a value too long.
    """
    if not isinstance(value, str) or len(value) > MAX_HEADER_CHARS:
        return None
    timestamp, signatures = None, []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if timestamp is not None or not item.isascii() or not item.isdigit():
                return None
            timestamp = int(item)
        elif key == "v1":
            item = item.lower()
            if not _HEX_SIGNATURE.match(item):
                return None
            signatures.append(item)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(secret, body, value, *, now=None, tolerance=TOLERANCE_SECONDS):
    """Whether ``value`` signs ``body`` with ``secret`` within the window.

    Constant-time comparison; False (never an exception) for an empty secret,
    a malformed header, a timestamp outside ``now`` ± ``tolerance`` seconds
    or no matching signature.
    """
    if not secret or not isinstance(secret, str):
        return False
    parsed = parse(value)
    if parsed is None:
        return False
    timestamp, received = parsed
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp)
    matched = False
    for candidate in received:
        # every candidate is compared: the time taken does not tell which
        matched |= hmac.compare_digest(expected, candidate)
    return matched


class RetailSignatureAuthenticator:
    """The intake authenticator of the generic contract's messages.

    ``clock`` returns the current unix time (tests move it).
    """

    def __init__(self, header=HEADER, tolerance=TOLERANCE_SECONDS, clock=time.time):
        self.header = header
        self.tolerance = tolerance
        self.clock = clock

    def verify(self, credential, body, headers):
        return verify(
            credential,
            body,
            headers.get(self.header),
            now=self.clock(),
            tolerance=self.tolerance,
        )

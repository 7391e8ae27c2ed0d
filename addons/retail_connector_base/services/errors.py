"""Error taxonomy for connector operations and retry helpers."""

import datetime
import email.utils
import math
import random
import time

import psycopg2
import requests
from psycopg2 import errorcodes

TRANSIENT = "transient"
PERMANENT = "permanent"
UNEXPECTED = "unexpected"

CATEGORIES = [
    ("mapping", "Mapping"),
    ("validation", "Validation"),
    ("remote_rejected", "Rejected by remote"),
    ("conflict", "Conflict"),
    ("stock_drift", "Stock drift"),
    ("authentication", "Authentication"),
    ("unexpected", "Unexpected"),
]

TRANSIENT_PGCODES = frozenset(
    {
        errorcodes.SERIALIZATION_FAILURE,
        errorcodes.DEADLOCK_DETECTED,
        errorcodes.LOCK_NOT_AVAILABLE,
    }
)


class RetailError(Exception):
    """Base error: a message, a hint for a person, a category and details.

    ``waits_for`` names what would make the operation succeed without anyone
    retrying it, as wait keys (see :mod:`.wait_keys`): a delivery failing
    with such an error is held on those keys and processed again by itself
    when a change releases one of them (a product created with the missing
    SKU, the order a refund is for imported ...).
    """

    default_category = "unexpected"
    kind = UNEXPECTED

    def __init__(
        self, message, *, hint=None, category=None, details=None, waits_for=()
    ):
        super().__init__(message)
        self.message = str(message)
        self.hint = hint
        self.category = category or self.default_category
        self.details = dict(details or {})
        self.waits_for = tuple(dict.fromkeys(key for key in waits_for if key))

    def __str__(self):
        return self.message


class TransientError(RetailError):
    """Failure expected to go away: the operation should be retried later."""

    kind = TRANSIENT

    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = None if retry_after is None else max(0.0, float(retry_after))


class RateLimitedError(TransientError):
    """The remote (or the local limiter) asks to slow down."""


class RemoteUnavailableError(TransientError):
    """Network error, timeout or 5xx answer from the remote."""


class LockContentionError(TransientError):
    """Another transaction holds the lock on the same object."""


class CircuitOpenError(TransientError):
    """Calls are suspended because the remote failed repeatedly."""


class PermanentError(RetailError):
    """Failure that retrying will not fix: someone has to act."""

    default_category = "validation"
    kind = PERMANENT


class MappingError(PermanentError):
    """A local or remote record cannot be matched to its counterpart."""

    default_category = "mapping"


class PayloadValidationError(PermanentError):
    """A payload is missing data or has an invalid value."""

    default_category = "validation"


class RemoteRejectedError(PermanentError):
    """The remote refused the request (4xx or an unusable answer)."""

    default_category = "remote_rejected"


class ConflictError(PermanentError):
    """Local and remote changes contradict each other."""

    default_category = "conflict"


class StockDriftError(PermanentError):
    """Local and remote stock levels disagree beyond tolerance."""

    default_category = "stock_drift"


class AuthenticationError(PermanentError):
    """Credentials are missing, wrong, expired or lack permissions."""

    default_category = "authentication"


def classify(exc):
    """Return ``"transient"``, ``"permanent"`` or ``"unexpected"`` for ``exc``."""
    if isinstance(exc, RetailError):
        return exc.kind
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return TRANSIENT
    if (
        isinstance(exc, psycopg2.OperationalError)
        and getattr(exc, "pgcode", None) in TRANSIENT_PGCODES
    ):
        return TRANSIENT
    return UNEXPECTED


def parse_retry_after(value, now=None):
    """Parse a Retry-After value (seconds or HTTP-date) into seconds.

    Returns a non-negative float, or None when the value is unusable.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            seconds = float(text)
        except ValueError:
            seconds = _seconds_until_http_date(text, now)
    else:
        return None
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _seconds_until_http_date(text, now):
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    if now is None:
        now = time.time()
    try:
        return when.timestamp() - now
    except (OverflowError, OSError, ValueError):
        return None


def backoff_seconds(
    attempt, *, base=10, cap=3600, retry_after=None, jitter=0.1, rng=random.random
):
    """Delay before retry number ``attempt`` (1 for the first retry).

    Exponential ``base * 2 ** (attempt - 1)`` with a random spread of
    ``± jitter`` (a fraction), never above ``cap``. When ``retry_after`` is
    given the result is never less than it, even if that exceeds ``cap``.
    """
    exponent = min(max(int(attempt), 1) - 1, 64)
    delay = min(float(cap), float(base) * 2**exponent)
    if jitter:
        delay *= 1.0 + float(jitter) * (2.0 * rng() - 1.0)
    delay = min(float(cap), max(0.0, delay))
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay

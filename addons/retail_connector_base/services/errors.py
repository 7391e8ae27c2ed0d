"""Error taxonomy for connector operations and retry helpers.

Transient errors are of two sorts. A *failure* (network, timeout, 5xx,
429) spends one of the job's tries at each retry. A *wait*
(:class:`WaitingError`: an open circuit, a lock another job holds, a paused
backend, a record another delivery brings) is not a failure: it retries
without spending tries until the waiting deadline
(:func:`waiting_deadline`), then becomes a sync exception
(:class:`WaitedTooLongError`) naming the record, the cause and what to do.
Every delay a job is postponed by is capped (:data:`MAX_RETRY_DELAY`),
whatever a remote's Retry-After asks.
"""

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
    ("waiting", "Waited too long"),
    ("unexpected", "Unexpected"),
]

#: the longest a job is postponed at once (seconds), whatever a remote asks
MAX_RETRY_DELAY = 3600
#: seconds between two attempts of a wait that names no delay
WAITING_RETRY_AFTER = 60
#: ir.config_parameter: hours an operation may wait before a person is asked
WAITING_DEADLINE_PARAM = "retail_connector_base.waiting_deadline_hours"
WAITING_DEADLINE_HOURS = 24

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
    """Failure expected to go away: the operation should be retried later.

    ``retry_after`` (seconds) is capped to :data:`MAX_RETRY_DELAY`.
    ``waiting`` tells a wait (retried without spending the job's tries)
    from a failure (see :class:`WaitingError`).
    """

    kind = TRANSIENT
    waiting = False

    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = cap_delay(retry_after)


class WaitingError(TransientError):
    """The operation waits for something; nothing failed.

    An open circuit, a lock another job holds, a paused backend, a record
    another delivery brings: retrying spends none of the job's tries, until
    the waiting deadline; then a person is asked, with ``expired_hint``
    (what to do once the wait lasted too long; ``hint`` says what to do
    while it lasts). A wait naming no delay is retried every
    :data:`WAITING_RETRY_AFTER` seconds.
    """

    waiting = True
    default_expired_hint = (
        "The wait lasted longer than the waiting deadline: remove its cause, "
        "then press Retry."
    )

    def __init__(self, message, *, expired_hint=None, retry_after=None, **kwargs):
        if retry_after is None:
            retry_after = WAITING_RETRY_AFTER
        super().__init__(message, retry_after=retry_after, **kwargs)
        self.expired_hint = expired_hint or self.default_expired_hint


class RateLimitedError(TransientError):
    """The remote (or the local limiter) asks to slow down: a wait, not a
    failure (the remote answered, and said when to come back), retried
    without spending the job's tries until the waiting deadline. The delay
    is the remote's ``Retry-After`` when it gives one (capped)."""

    waiting = True
    expired_hint = (
        "The remote kept asking to slow down for longer than the waiting "
        "deadline: lower the backend's outbound rate and burst, look for "
        "other programs calling it with the same credentials, then press "
        "Retry."
    )


class RemoteUnavailableError(TransientError):
    """Network error, timeout or 5xx answer from the remote."""


class LockContentionError(WaitingError):
    """Another transaction holds the lock on the same object."""

    default_expired_hint = (
        "Another job kept working on the same object: look for a job stuck in "
        "the Started state in the job queue, requeue or cancel it, then press "
        "Retry."
    )


class CircuitOpenError(WaitingError):
    """Calls are suspended because the remote failed repeatedly."""

    default_expired_hint = (
        "The remote system stayed unavailable: check that it is reachable and "
        "that the backend's settings are right, then press Retry."
    )


class BackendPausedError(WaitingError):
    """The backend is not active: its work waits until it is again."""

    default_expired_hint = (
        "Activate the backend again (or ignore this work), then press Retry."
    )


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


class WaitedTooLongError(PermanentError):
    """A wait lasted past the waiting deadline: a person has to act."""

    default_category = "waiting"


def waited_too_long(label, exc, deadline):
    """The :class:`WaitedTooLongError` ending the wait of ``label`` on ``exc``.

    ``label`` names the record that waited (an event, an export, a run);
    the message names the cause, the hint what to do; the details and the
    wait keys of ``exc`` are kept (an event waiting for a record is then
    held on it, and released when it exists).
    """
    hours = deadline.total_seconds() / 3600
    return WaitedTooLongError(
        f"{label} waited longer than {hours:g} hours and was given up: {exc}",
        hint=getattr(exc, "expired_hint", None) or WaitingError.default_expired_hint,
        details=getattr(exc, "details", None),
        waits_for=getattr(exc, "waits_for", ()),
    )


def is_waiting(exc):
    """Whether ``exc`` is a wait (retried without spending tries)."""
    return bool(getattr(exc, "waiting", False))


def waiting_deadline(value=None):
    """The waiting deadline (a timedelta) from its parameter's text (hours).

    Missing, invalid or non-positive values give the default of
    :data:`WAITING_DEADLINE_HOURS` hours.
    """
    try:
        hours = float(value)
    except (TypeError, ValueError):
        hours = WAITING_DEADLINE_HOURS
    if not math.isfinite(hours) or hours <= 0:
        hours = WAITING_DEADLINE_HOURS
    return datetime.timedelta(hours=min(hours, 24 * 365))


def wait_expired(since, now, deadline):
    """Whether a wait that started at ``since`` has lasted ``deadline``."""
    return since is not None and now - since >= deadline


def cap_delay(seconds, cap=MAX_RETRY_DELAY):
    """``seconds`` as a float between 0 and ``cap``; None when not a number.

    An infinite delay, or one too big for a float, is the cap.
    """
    if seconds is None or isinstance(seconds, bool):
        return None
    try:
        seconds = float(seconds)
    except OverflowError:
        return float(cap)
    except (TypeError, ValueError):
        return None
    if math.isnan(seconds):
        return None
    return min(float(cap), max(0.0, seconds))


def job_delay(exc, cap=MAX_RETRY_DELAY):
    """Whole seconds to postpone a job after ``exc``, at most ``cap``.

    The error's ``retry_after`` plus one second (the remote's window has
    surely passed), or None: the job's retry pattern applies.
    """
    retry_after = cap_delay(getattr(exc, "retry_after", None), cap)
    if not retry_after:
        return None
    return min(int(cap), int(retry_after) + 1)


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


def parse_retry_after(value, now=None, cap=MAX_RETRY_DELAY):
    """Parse a Retry-After value (seconds or HTTP-date) into seconds.

    Returns a float between 0 and ``cap`` (a remote asking for a year waits
    ``cap``), or None when the value is unusable.
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
    return min(float(cap), max(0.0, seconds))


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
    attempt,
    *,
    base=10,
    cap=3600,
    retry_after=None,
    jitter=0.1,
    rng=random.random,
    max_delay=MAX_RETRY_DELAY,
):
    """Delay before retry number ``attempt`` (1 for the first retry).

    Exponential ``base * 2 ** (attempt - 1)`` with a random spread of
    ``± jitter`` (a fraction), never above ``cap``. When ``retry_after`` is
    given the result is never less than it, even if that exceeds ``cap``,
    but never more than ``max_delay`` whatever the remote asks.
    """
    exponent = min(max(int(attempt), 1) - 1, 64)
    delay = min(float(cap), float(base) * 2**exponent)
    if jitter:
        delay *= 1.0 + float(jitter) * (2.0 * rng() - 1.0)
    delay = min(float(cap), max(0.0, delay))
    retry_after = cap_delay(retry_after, max_delay)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay

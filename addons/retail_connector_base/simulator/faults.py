"""Failure injection: the next calls to a simulator fail as told.

``sim.faults.fail_next(2, status=503)`` makes the next two calls answer 503,
``throttle_next(1, retry_after=30)`` answers 429 with ``Retry-After: 30``,
``time_out_next(1)`` holds the answer longer than the client waits. Faults
are taken one a call, in the order they were queued, wherever the simulator
takes them (usually once the caller is authenticated).

A timeout is raised as :class:`SimulatedTimeout` out of the simulator's
``handle``; the transports turn it into what a client sees: the in-process
adapter raises ``requests``' ``ReadTimeout`` when the client's read timeout is
shorter than the delay (and answers 504 at once otherwise, without waiting),
the loopback server holds the request ``delay`` seconds and answers 504.

A simulator may have faults of its own kind, subclasses of :class:`Fault`
whose ``fails_call`` is false (``add_next`` queues them): such a fault
changes the remote instead of failing the call, and the call is answered as
the changed remote answers it (Shopify's cost bucket found spent, answered
``THROTTLED``).
"""

import http
import threading
from collections import deque
from dataclasses import dataclass

DEFAULT_TIMEOUT_DELAY = 120.0
TIMEOUT_STATUS = 504
# statuses answered with "Retry-After: 1" unless told otherwise
_RETRY_AFTER_STATUSES = (429, 503)
_DEFAULT = object()


class SimulatedTimeout(Exception):
    """The simulated remote answers only ``delay`` seconds from now."""

    def __init__(self, delay):
        super().__init__(f"the simulated remote answers in {delay:g} s")
        self.delay = float(delay)


@dataclass(frozen=True)
class Fault:
    """One injected failure: an HTTP status, or a timeout (``status`` None)."""

    status: int | None
    retry_after: float | None = None
    delay: float = 0.0

    @property
    def timeout(self):
        """Whether the call times out instead of answering a status."""
        return self.status is None

    @property
    def phrase(self):
        """The reason phrase of the status (``Service Unavailable``)."""
        return http.HTTPStatus(self.status or TIMEOUT_STATUS).phrase

    def headers(self):
        """The headers the failure answers with (``Retry-After``)."""
        if self.retry_after is None:
            return {}
        return {"Retry-After": f"{self.retry_after:g}"}

    def raise_timeout(self):
        """Raise :class:`SimulatedTimeout` when this fault is a timeout."""
        if self.timeout:
            raise SimulatedTimeout(self.delay)

    @property
    def fails_call(self):
        """Whether the call is answered with this failure (a status or a
        timeout); false for a simulator's own kind of fault, which its
        endpoint applies to the remote before answering the call."""
        return True


class Faults:
    """The queue of failures the next calls answer."""

    def __init__(self):
        self._queue = deque()
        self._lock = threading.Lock()

    def __len__(self):
        with self._lock:
            return len(self._queue)

    def _add(self, n, fault):
        if n < 0:
            raise ValueError(f"cannot fail {n} calls")
        with self._lock:
            self._queue.extend([fault] * int(n))

    def fail_next(self, n=1, status=503, *, retry_after=_DEFAULT):
        """Answer the next ``n`` calls with HTTP ``status``.

        ``retry_after`` (seconds) defaults to 1 for 429 and 503, else none.
        """
        status = int(status)
        http.HTTPStatus(status)  # a status HTTP knows, or ValueError
        if status < 400:
            raise ValueError(f"HTTP {status} is not a failure")
        if retry_after is _DEFAULT:
            retry_after = 1 if status in _RETRY_AFTER_STATUSES else None
        self._add(n, Fault(status, retry_after=retry_after))

    def throttle_next(self, n=1, retry_after=1):
        """Answer the next ``n`` calls with 429 and ``Retry-After``."""
        self.fail_next(n, 429, retry_after=retry_after)

    def time_out_next(self, n=1, delay=DEFAULT_TIMEOUT_DELAY):
        """Let the next ``n`` calls answer only after ``delay`` seconds."""
        if delay <= 0:
            raise ValueError(f"a timeout needs a positive delay, not {delay}")
        self._add(n, Fault(None, delay=float(delay)))

    def add_next(self, n, fault):
        """Let the next ``n`` calls take ``fault`` (a :class:`Fault`, such as
        a simulator's own kind)."""
        if not isinstance(fault, Fault):
            raise TypeError(f"{fault!r} is not a Fault")
        self._add(n, fault)

    def take(self):
        """The fault of this call (the oldest queued), or None."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def clear(self):
        """Drop the faults not taken yet."""
        with self._lock:
            self._queue.clear()

"""The call log of a simulator: every request it answered, in order.

Tests read it to see what a connector sent (``[c.operation for c in
sim.calls]``) and how each call was answered (``outcome``: ok, a refusal such
as unauthorized or invalid, injected_failure...). A simulator whose calls
carry more (a query cost, the variables) logs a subclass of :class:`Call`.
"""

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Call:
    """One answered request: what was asked, how it was answered, when."""

    status: int | None
    outcome: str
    at: float
    method: str | None = None
    path: str | None = None
    operation: str | None = None


class CallLog(Sequence):
    """The calls a simulator answered, oldest first (a read-only sequence).

    ``record(**fields)`` appends a ``call_type`` stamped with the clock.
    """

    def __init__(self, clock=time.monotonic, call_type=Call):
        self.clock = clock
        self.call_type = call_type
        self._calls = []
        self._lock = threading.Lock()

    def __getitem__(self, index):
        with self._lock:
            return self._calls[index]

    def __len__(self):
        with self._lock:
            return len(self._calls)

    def __repr__(self):
        return f"CallLog({self._calls!r})"

    def record(self, **values):
        """Log one call; ``at`` defaults to the clock's reading."""
        values.setdefault("at", self.clock())
        call = self.call_type(**values)
        with self._lock:
            self._calls.append(call)
        return call

    def clear(self):
        """Forget every logged call."""
        with self._lock:
            self._calls.clear()

    def since(self, mark):
        """The calls logged after ``mark`` (a length taken with ``len(log)``)."""
        with self._lock:
            return list(self._calls[mark:])

    def where(self, **wanted):
        """The calls whose fields equal ``wanted`` (``operation="ProductSet"``)."""
        known = {f.name for f in fields(self.call_type)}
        unknown = set(wanted) - known
        if unknown:
            raise TypeError(f"a call has no field {sorted(unknown)}")
        with self._lock:
            calls = list(self._calls)
        return [
            call
            for call in calls
            if all(getattr(call, name) == value for name, value in wanted.items())
        ]

    def outcomes(self, **wanted):
        """The outcomes of the calls matching ``wanted``, in order."""
        return [call.outcome for call in self.where(**wanted)]

"""Circuit breaker suspending calls to a failing remote."""

import math
import time
from dataclasses import dataclass

from .pg import short_transaction

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
STATES = (CLOSED, OPEN, HALF_OPEN)


@dataclass
class CircuitState:
    """Circuit position, consecutive failures and when it opened (epoch s).

    In ``half_open`` ``opened_at`` is when the probe was let through.
    """

    state: str = CLOSED
    failures: int = 0
    opened_at: float | None = None


class CircuitBreaker:
    """Pure transition rules; the state itself is stored by the caller.

    The circuit opens after ``threshold`` consecutive failures. Once
    ``cooldown`` seconds have passed, one caller goes through as a probe
    (``half_open``): its success closes the circuit, its failure reopens
    it. A probe that never reports back is replaced after ``cooldown``.
    """

    def __init__(self, threshold=5, cooldown=60.0):
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        if cooldown < 0:
            raise ValueError("cooldown must not be negative")
        self.threshold = int(threshold)
        self.cooldown = float(cooldown)

    def check(self, state, now):
        """Return ``(new_state, wait)``; ``wait`` None means go ahead."""
        if state.state not in (OPEN, HALF_OPEN):
            return state, None
        # A missing timestamp counts as long past, so the circuit cannot stick.
        elapsed = math.inf if state.opened_at is None else now - state.opened_at
        if elapsed >= self.cooldown:
            return CircuitState(HALF_OPEN, state.failures, now), None
        if state.state == HALF_OPEN:
            return state, self.cooldown
        return state, self.cooldown - max(0.0, elapsed)

    def on_success(self, state):
        """A call succeeded: the circuit closes and failures reset."""
        return CircuitState(CLOSED, 0, None)

    def on_failure(self, state, now):
        """A call failed: count it and open the circuit when needed."""
        failures = state.failures + 1
        if state.state == OPEN:
            return CircuitState(OPEN, failures, state.opened_at)
        if state.state == HALF_OPEN or failures >= self.threshold:
            return CircuitState(OPEN, failures, now)
        return CircuitState(CLOSED, failures, None)


class PgCircuit:
    """Circuit stored in ``retail_circuit``, one row per key.

    ``cursor_factory()`` must return a context manager yielding a DB-API
    cursor and committing on exit (like ``registry.cursor()``).
    """

    def __init__(self, cursor_factory, key, breaker, clock=time.time):
        self.cursor_factory = cursor_factory
        self.key = key
        self.breaker = breaker
        self.clock = clock

    def allow(self):
        """None to go ahead, else the seconds to wait before trying again."""
        result = {}

        def step(state, now):
            new_state, result["wait"] = self.breaker.check(state, now)
            return new_state

        self._update(step)
        return result["wait"]

    def success(self):
        """Record a successful call."""
        self._update(lambda state, now: self.breaker.on_success(state))

    def failure(self):
        """Record a failed call."""
        self._update(self.breaker.on_failure)

    def state(self):
        """Current stored state (closed when nothing is stored)."""

        def read(cr):
            cr.execute(
                "SELECT state, failures, opened_at FROM retail_circuit WHERE key = %s",
                (self.key,),
            )
            return self._from_row(cr.fetchone())

        return short_transaction(self.cursor_factory, read)

    def reset(self):
        """Forget the stored state: the circuit is closed again."""
        short_transaction(
            self.cursor_factory,
            lambda cr: cr.execute(
                "DELETE FROM retail_circuit WHERE key = %s", (self.key,)
            ),
        )

    @staticmethod
    def _from_row(row):
        if row is None:
            return CircuitState()
        state, failures, opened_at = row
        return CircuitState(
            state if state in STATES else CLOSED,
            int(failures or 0),
            None if opened_at is None else float(opened_at),
        )

    def _update(self, step):
        def read(cr, lock):
            cr.execute(
                "SELECT state, failures, opened_at FROM retail_circuit WHERE key = %s"
                + (" FOR UPDATE" if lock else ""),
                (self.key,),
            )
            return self._from_row(cr.fetchone())

        def work(cr):
            # hot path: a closed circuit with nothing to record writes nothing
            state = read(cr, lock=False)
            new_state = step(state, self.clock())
            if new_state == state:
                return new_state
            cr.execute(
                "INSERT INTO retail_circuit (key, state, failures) "
                "VALUES (%s, %s, 0) ON CONFLICT (key) DO NOTHING",
                (self.key, CLOSED),
            )
            state = read(cr, lock=True)
            new_state = step(state, self.clock())
            if new_state != state:
                cr.execute(
                    "UPDATE retail_circuit SET state = %s, failures = %s, "
                    "opened_at = %s WHERE key = %s",
                    (
                        new_state.state,
                        new_state.failures,
                        new_state.opened_at,
                        self.key,
                    ),
                )
            return new_state

        return short_transaction(self.cursor_factory, work)

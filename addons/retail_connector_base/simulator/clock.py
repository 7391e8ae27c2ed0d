"""Time in a simulator: the system's, or a clock the tests move by hand.

A simulator's clock is any callable answering monotonic seconds
(:func:`time.monotonic` by default): retry delays, rate limit buckets and the
call log read it. A clock may also answer the wall time with ``now()``;
:func:`wall_time` reads it there and falls back to the system's, so the
timestamps a simulator writes follow a :class:`ManualClock` too.
"""

from datetime import UTC, datetime, timedelta

MANUAL_CLOCK_START = 1000.0
MANUAL_CLOCK_WALL = datetime(2026, 1, 1, tzinfo=UTC)


class ManualClock:
    """A clock that moves only when told to.

    Calling it answers its monotonic seconds; :meth:`now` answers the wall
    time that moved as much since ``wall``.
    """

    def __init__(self, start=MANUAL_CLOCK_START, wall=MANUAL_CLOCK_WALL):
        if wall.tzinfo is None:
            raise ValueError("the wall time of a manual clock must be time-zone aware")
        self.monotonic = float(start)
        self._start = float(start)
        self._wall = wall

    def __call__(self):
        return self.monotonic

    def advance(self, seconds):
        """Move the clock ``seconds`` forward; return the new reading."""
        if seconds < 0:
            raise ValueError(f"a clock does not go back ({seconds} s)")
        self.monotonic += float(seconds)
        return self.monotonic

    def now(self):
        """The wall time (aware, UTC) matching the current reading."""
        return self._wall + timedelta(seconds=self.monotonic - self._start)


def wall_time(clock):
    """The wall time of ``clock`` (aware, UTC): its ``now()``, else the system's."""
    now = getattr(clock, "now", None)
    if callable(now):
        return now().astimezone(UTC)
    return datetime.now(UTC)

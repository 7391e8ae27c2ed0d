"""Token bucket rate limiting, shared by workers through PostgreSQL."""

import time
from dataclasses import dataclass

from .pg import short_transaction

_EPSILON = 1e-9


@dataclass
class BucketState:
    """Tokens left in a bucket and when they were last refilled (epoch s)."""

    tokens: float
    refreshed_at: float


def take(state, *, capacity, refill_per_second, cost, now):
    """Refill ``state`` up to ``now`` and try to take ``cost`` tokens.

    Returns ``(new_state, wait)``: ``wait`` is 0.0 when the tokens were
    taken, otherwise the seconds until enough tokens are available (nothing
    is consumed then). A clock going backwards refills nothing.
    """
    if capacity <= 0 or refill_per_second <= 0:
        raise ValueError("capacity and refill_per_second must be positive")
    if cost < 0:
        raise ValueError("cost must not be negative")
    if cost > capacity:
        raise ValueError(f"cost {cost} exceeds the bucket capacity {capacity}")
    elapsed = max(0.0, now - state.refreshed_at)
    tokens = min(float(capacity), max(0.0, state.tokens) + elapsed * refill_per_second)
    refreshed_at = max(now, state.refreshed_at)
    if tokens + _EPSILON >= cost:
        return BucketState(max(0.0, tokens - cost), refreshed_at), 0.0
    return BucketState(tokens, refreshed_at), (cost - tokens) / refill_per_second


class PgTokenBucket:
    """Token bucket stored in ``retail_rate_bucket``, one row per key.

    ``cursor_factory()`` must return a context manager yielding a DB-API
    cursor and committing on exit (like ``registry.cursor()``), so the row
    lock is held only for the short read-modify-write.
    """

    def __init__(
        self, cursor_factory, key, *, capacity, refill_per_second, clock=time.time
    ):
        if capacity <= 0 or refill_per_second <= 0:
            raise ValueError("capacity and refill_per_second must be positive")
        self.cursor_factory = cursor_factory
        self.key = key
        self.capacity = float(capacity)
        self.refill_per_second = float(refill_per_second)
        self.clock = clock

    def acquire(self, cost=1.0):
        """Take ``cost`` tokens: 0.0 when granted, else seconds to wait."""
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds the bucket capacity {self.capacity}")
        return short_transaction(self.cursor_factory, lambda cr: self._take(cr, cost))

    def _take(self, cr, cost):
        select = (
            "SELECT tokens, refreshed_at FROM retail_rate_bucket "
            "WHERE key = %s FOR UPDATE"
        )
        cr.execute(select, (self.key,))
        row = cr.fetchone()
        if row is None:
            # first use of the key: create the row once, then lock it
            cr.execute(
                "INSERT INTO retail_rate_bucket (key, tokens, refreshed_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",
                (self.key, self.capacity, self.clock()),
            )
            cr.execute(select, (self.key,))
            row = cr.fetchone()
        tokens, refreshed_at = row
        now = self.clock()
        state = BucketState(
            self.capacity if tokens is None else float(tokens),
            now if refreshed_at is None else float(refreshed_at),
        )
        new_state, wait = take(
            state,
            capacity=self.capacity,
            refill_per_second=self.refill_per_second,
            cost=cost,
            now=now,
        )
        cr.execute(
            "UPDATE retail_rate_bucket SET tokens = %s, refreshed_at = %s "
            "WHERE key = %s",
            (new_state.tokens, new_state.refreshed_at, self.key),
        )
        return wait

    def reset(self):
        """Forget the bucket: the next call starts with a full bucket."""
        short_transaction(
            self.cursor_factory,
            lambda cr: cr.execute(
                "DELETE FROM retail_rate_bucket WHERE key = %s", (self.key,)
            ),
        )

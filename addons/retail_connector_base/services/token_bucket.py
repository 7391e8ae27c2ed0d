"""Token bucket rate limiting, shared by workers through PostgreSQL."""

import threading
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

    The row also counts the waits: every acquisition refused (the caller
    sleeps or is postponed) adds one to ``waits`` and the seconds it was
    told to wait to ``wait_seconds``, in the statement that updates the
    tokens, so the counts are the same for every worker and cost no query
    of their own.
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

    def acquire(self, cost=1.0, *, count_wait=True):
        """Take ``cost`` tokens: 0.0 when granted, else seconds to wait.

        A refusal counts as a wait of the bucket unless ``count_wait`` is
        false (an attempt the caller follows with a smaller one at once).
        """
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds the bucket capacity {self.capacity}")
        return short_transaction(
            self.cursor_factory, lambda cr: self._take(cr, cost, count_wait)
        )

    def _take(self, cr, cost, count_wait=True):
        select = (
            "SELECT tokens, refreshed_at FROM retail_rate_bucket "
            "WHERE key = %s FOR UPDATE"
        )
        cr.execute(select, (self.key,))
        row = cr.fetchone()
        if row is None:
            # first use of the key: create the row once, then lock it
            cr.execute(
                "INSERT INTO retail_rate_bucket "
                "(key, tokens, refreshed_at, waits, wait_seconds) "
                "VALUES (%s, %s, %s, 0, 0) ON CONFLICT (key) DO NOTHING",
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
        waited = count_wait and wait > 0
        cr.execute(
            "UPDATE retail_rate_bucket SET tokens = %s, refreshed_at = %s, "
            "waits = coalesce(waits, 0) + %s, "
            "wait_seconds = coalesce(wait_seconds, 0) + %s "
            "WHERE key = %s",
            (
                new_state.tokens,
                new_state.refreshed_at,
                1 if waited else 0,
                wait if waited else 0.0,
                self.key,
            ),
        )
        return wait

    def reset(self):
        """Forget the bucket: the next call starts with a full bucket."""
        forget_leases(self.key)
        short_transaction(
            self.cursor_factory,
            lambda cr: cr.execute(
                "DELETE FROM retail_rate_bucket WHERE key = %s", (self.key,)
            ),
        )


class LeasedTokens:
    """Tokens of a shared bucket taken a few at a time, used locally.

    A limiter on the hot path of every request should not cost a
    transaction per request. This process takes ``lease`` tokens from the
    shared ``bucket`` at once, in one short transaction, then grants them
    one by one from memory until they run out or ``ttl`` seconds pass
    (tokens left over when a lease expires are not given back: the shared
    limit is never exceeded, at worst it is reached a little early). With a
    lease of 1 every call takes its token from the shared bucket.

    Thread-safe; one instance per process, shared by every request for the
    key (see :func:`leased`).
    """

    def __init__(self, bucket, *, lease, ttl=1.0, clock=time.monotonic):
        if lease < 1:
            raise ValueError("a lease is one token or more")
        self.bucket = bucket
        self.lease = min(int(lease), int(bucket.capacity))
        self.ttl = ttl
        self.clock = clock
        self._tokens = 0
        self._expires = 0.0
        self._lock = threading.Lock()

    def acquire(self):
        """Take one token: 0.0 when granted, else seconds to wait."""
        with self._lock:
            now = self.clock()
            if self._tokens and now < self._expires:
                self._tokens -= 1
                return 0.0
            self._tokens = 0
            # no lease left: not a wait when the single token is granted
            if self.lease > 1 and not self.bucket.acquire(self.lease, count_wait=False):
                self._tokens = self.lease - 1
                self._expires = now + self.ttl
                return 0.0
            return self.bucket.acquire(1)

    def forget(self):
        """Drop the tokens this process holds (the bucket was reset)."""
        with self._lock:
            self._tokens = 0


#: LeasedTokens of this process by bucket key
_LEASES = {}
_LEASES_LOCK = threading.Lock()


def leased(bucket, *, lease, ttl=1.0):
    """This process's :class:`LeasedTokens` of ``bucket`` (one per key,
    made anew when the bucket's capacity, rate or lease changed)."""
    signature = (bucket.capacity, bucket.refill_per_second, lease, ttl)
    with _LEASES_LOCK:
        entry = _LEASES.get(bucket.key)
        if entry is None or entry[0] != signature:
            entry = _LEASES[bucket.key] = (
                signature,
                LeasedTokens(bucket, lease=lease, ttl=ttl),
            )
        else:
            # the shared state is the same, the cursor factory may be new
            entry[1].bucket = bucket
        return entry[1]


def forget_leases(key):
    """Drop this process's leased tokens of ``key``."""
    with _LEASES_LOCK:
        entry = _LEASES.get(key)
    if entry:
        entry[1].forget()

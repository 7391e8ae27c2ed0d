"""Shopify's query cost bucket, as observed in ``extensions.cost``.

The Admin GraphQL API charges each request its query cost from a leaky
bucket that refills at ``restoreRate`` points per second up to
``maximumAvailable``. Every answer reports the bucket (``throttleStatus``);
the limiters below remember the last report and tell how long to wait
before a request of a given cost can be afforded.
"""

import dataclasses
import math
import threading
import time

from odoo.addons.retail_connector_base.services.pg import short_transaction

DEFAULT_MAXIMUM_AVAILABLE = 2000.0
DEFAULT_RESTORE_RATE = 100.0
_EPSILON = 1e-9


def _number(value):
    """A finite float from ``value``, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclasses.dataclass(frozen=True)
class CostBucket:
    """The cost bucket as last observed, ``observed_at`` in clock seconds."""

    maximum_available: float = DEFAULT_MAXIMUM_AVAILABLE
    currently_available: float = DEFAULT_MAXIMUM_AVAILABLE
    restore_rate: float = DEFAULT_RESTORE_RATE
    observed_at: float = 0.0

    def __post_init__(self):
        if self.maximum_available <= 0 or self.restore_rate <= 0:
            raise ValueError("maximum_available and restore_rate must be positive")

    def available(self, now):
        """Points available at ``now``: refilled since the observation, capped."""
        elapsed = max(0.0, now - self.observed_at)
        level = max(0.0, self.currently_available) + elapsed * self.restore_rate
        return min(self.maximum_available, level)

    def wait_for(self, cost, now):
        """Seconds until ``cost`` points are available (0.0 when they are).

        A cost above the bucket size is counted as the full bucket: Shopify
        refuses such a query by itself, waiting longer would not help.
        """
        cost = min(max(0.0, float(cost)), self.maximum_available)
        missing = cost - self.available(now)
        if missing <= _EPSILON:
            return 0.0
        return missing / self.restore_rate

    def spend(self, cost, now):
        """The bucket after ``cost`` points are taken at ``now``."""
        level = max(0.0, self.available(now) - max(0.0, float(cost)))
        return dataclasses.replace(
            self, currently_available=level, observed_at=max(now, self.observed_at)
        )

    def observe(self, throttle_status, now):
        """The bucket reported by a ``throttleStatus`` received at ``now``.

        Missing or unusable values keep the current ones.
        """
        if not isinstance(throttle_status, dict):
            return self
        maximum = _number(throttle_status.get("maximumAvailable"))
        rate = _number(throttle_status.get("restoreRate"))
        level = _number(throttle_status.get("currentlyAvailable"))
        maximum = maximum if maximum and maximum > 0 else self.maximum_available
        rate = rate if rate and rate > 0 else self.restore_rate
        if level is None:
            level = self.available(now)
        return CostBucket(
            maximum_available=maximum,
            currently_available=min(maximum, max(0.0, level)),
            restore_rate=rate,
            observed_at=now,
        )


class MemoryCostLimiter:
    """Cost bucket kept in this process (tests, scripts, a single worker).

    ``wait_for(cost)`` returns 0.0 and reserves ``cost`` points when they
    are available, else the seconds to wait (nothing reserved);
    ``observe(throttle_status)`` replaces the state by Shopify's report.
    """

    def __init__(
        self,
        *,
        maximum_available=DEFAULT_MAXIMUM_AVAILABLE,
        restore_rate=DEFAULT_RESTORE_RATE,
        clock=time.monotonic,
    ):
        self.clock = clock
        self.bucket = CostBucket(
            maximum_available=float(maximum_available),
            currently_available=float(maximum_available),
            restore_rate=float(restore_rate),
            observed_at=clock(),
        )
        self._lock = threading.Lock()

    def wait_for(self, cost):
        """0.0 once ``cost`` points are reserved, else seconds to wait."""
        with self._lock:
            now = self.clock()
            wait = self.bucket.wait_for(cost, now)
            if wait == 0.0:
                self.bucket = self.bucket.spend(cost, now)
            return wait

    def observe(self, throttle_status):
        """Take the bucket reported by Shopify as the current state."""
        with self._lock:
            self.bucket = self.bucket.observe(throttle_status, self.clock())


class PgCostLimiter:
    """Cost bucket shared by every worker in ``retail_rate_bucket``.

    The row of ``key`` keeps the points available (``tokens``) and when
    they were observed (``refreshed_at``, epoch seconds). The bucket size
    and restore rate have no column: they start at Shopify's standard
    values and follow the reports seen by this object. A request refused
    for want of points is counted on the row (``waits``, ``wait_seconds``:
    the limiter waits of ``/retail/metrics``), by the one statement of the
    refusal; a granted request pays nothing for it.
    ``cursor_factory()`` is as for ``short_transaction`` (a new cursor that
    commits on exit), so the row lock lasts one short transaction.
    """

    def __init__(
        self,
        cursor_factory,
        key,
        *,
        maximum_available=DEFAULT_MAXIMUM_AVAILABLE,
        restore_rate=DEFAULT_RESTORE_RATE,
        clock=time.time,
    ):
        if maximum_available <= 0 or restore_rate <= 0:
            raise ValueError("maximum_available and restore_rate must be positive")
        self.cursor_factory = cursor_factory
        self.key = key
        self.maximum_available = float(maximum_available)
        self.restore_rate = float(restore_rate)
        self.clock = clock

    def wait_for(self, cost):
        """0.0 once ``cost`` points are reserved, else seconds to wait."""
        return short_transaction(self.cursor_factory, lambda cr: self._take(cr, cost))

    def observe(self, throttle_status):
        """Store the bucket reported by Shopify for every worker."""
        if not isinstance(throttle_status, dict):
            return
        now = self.clock()
        bucket = self._bucket(None, now).observe(throttle_status, now)
        self.maximum_available = bucket.maximum_available
        self.restore_rate = bucket.restore_rate
        if _number(throttle_status.get("currentlyAvailable")) is None:
            return
        short_transaction(
            self.cursor_factory,
            lambda cr: cr.execute(
                "INSERT INTO retail_rate_bucket (key, tokens, refreshed_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (key) DO UPDATE "
                "SET tokens = EXCLUDED.tokens, refreshed_at = EXCLUDED.refreshed_at",
                (self.key, bucket.currently_available, bucket.observed_at),
            ),
        )

    def state(self):
        """The bucket as stored now (a full one when nothing is stored)."""

        def read(cr):
            cr.execute(
                "SELECT tokens, refreshed_at FROM retail_rate_bucket WHERE key = %s",
                (self.key,),
            )
            return self._bucket(cr.fetchone(), self.clock())

        return short_transaction(self.cursor_factory, read)

    def reset(self):
        """Forget the stored bucket: the next call starts with a full one."""
        short_transaction(
            self.cursor_factory,
            lambda cr: cr.execute(
                "DELETE FROM retail_rate_bucket WHERE key = %s", (self.key,)
            ),
        )

    def _bucket(self, row, now):
        tokens, refreshed_at = row if row else (None, None)
        tokens = _number(tokens)
        refreshed_at = _number(refreshed_at)
        return CostBucket(
            maximum_available=self.maximum_available,
            currently_available=(
                self.maximum_available
                if tokens is None
                else min(self.maximum_available, max(0.0, tokens))
            ),
            restore_rate=self.restore_rate,
            observed_at=now if refreshed_at is None else refreshed_at,
        )

    def _take(self, cr, cost):
        cr.execute(
            "SELECT tokens, refreshed_at FROM retail_rate_bucket "
            "WHERE key = %s FOR UPDATE",
            (self.key,),
        )
        row = cr.fetchone()
        now = self.clock()
        bucket = self._bucket(row, now)
        wait = bucket.wait_for(cost, now)
        if wait > 0.0:
            # a refusal always has its row: a bucket not stored yet is full
            cr.execute(
                "UPDATE retail_rate_bucket SET waits = coalesce(waits, 0) + 1, "
                "wait_seconds = coalesce(wait_seconds, 0) + %s WHERE key = %s",
                (wait, self.key),
            )
            return wait
        bucket = bucket.spend(cost, now)
        if row is None:
            # ON CONFLICT: another worker created the row meanwhile; its
            # report is as good as this reservation
            cr.execute(
                "INSERT INTO retail_rate_bucket (key, tokens, refreshed_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",
                (self.key, bucket.currently_available, bucket.observed_at),
            )
        else:
            cr.execute(
                "UPDATE retail_rate_bucket SET tokens = %s, refreshed_at = %s "
                "WHERE key = %s",
                (bucket.currently_available, bucket.observed_at, self.key),
            )
        return 0.0

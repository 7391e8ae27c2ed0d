import unittest

from odoo.addons.retail_connector_base.services.token_bucket import (
    BucketState,
    LeasedTokens,
    PgTokenBucket,
    leased,
    take,
)


def _take(state, cost=1.0, now=100.0, capacity=10, refill=2.0):
    return take(state, capacity=capacity, refill_per_second=refill, cost=cost, now=now)


class TestTake(unittest.TestCase):
    def test_full_bucket_grants_and_consumes(self):
        state, wait = _take(BucketState(10.0, 100.0), cost=3)
        self.assertEqual(wait, 0.0)
        self.assertEqual(state, BucketState(7.0, 100.0))

    def test_empty_bucket_reports_wait_without_consuming(self):
        state, wait = _take(BucketState(0.5, 100.0), cost=2)
        self.assertEqual(wait, 0.75)
        self.assertEqual(state, BucketState(0.5, 100.0))

    def test_refill_with_time(self):
        state, wait = _take(BucketState(0.0, 100.0), cost=1, now=101.5)
        self.assertEqual(wait, 0.0)
        self.assertEqual(state, BucketState(2.0, 101.5))

    def test_refill_capped_at_capacity(self):
        state, wait = _take(BucketState(9.0, 0.0), cost=1, now=1000.0)
        self.assertEqual(wait, 0.0)
        self.assertEqual(state, BucketState(9.0, 1000.0))

    def test_waiting_the_reported_time_is_enough(self):
        state = BucketState(10.0, 0.0)
        for _ in range(10):
            state, wait = _take(state, now=0.0)
            self.assertEqual(wait, 0.0)
        state, wait = _take(state, cost=3, now=0.0)
        self.assertEqual(wait, 1.5)
        state, wait = _take(state, cost=3, now=wait)
        self.assertEqual(wait, 0.0)
        self.assertAlmostEqual(state.tokens, 0.0)

    def test_clock_going_backwards_refills_nothing(self):
        state, wait = _take(BucketState(0.0, 100.0), cost=1, now=50.0)
        self.assertEqual(wait, 0.5)
        self.assertEqual(state, BucketState(0.0, 100.0))

    def test_input_state_not_modified(self):
        original = BucketState(5.0, 100.0)
        _take(original, cost=5)
        self.assertEqual(original, BucketState(5.0, 100.0))

    def test_cost_above_capacity(self):
        with self.assertRaises(ValueError):
            _take(BucketState(10.0, 0.0), cost=11)

    def test_invalid_parameters(self):
        for capacity, refill, cost in ((0, 1, 0), (10, 0, 1), (10, 1, -1)):
            with (
                self.subTest(capacity=capacity, refill=refill, cost=cost),
                self.assertRaises(ValueError),
            ):
                _take(
                    BucketState(1.0, 0.0), cost=cost, capacity=capacity, refill=refill
                )


class _BucketTable:
    """The ``retail_rate_bucket`` rows, and the statements PgTokenBucket sends
    (one cursor per transaction, as ``registry.cursor``)."""

    def __init__(self):
        self.rows = {}  # key -> {"tokens", "refreshed_at", "waits", "wait_seconds"}
        self.statements = []

    def cursor(self):
        return _BucketCursor(self)


class _BucketCursor:
    def __init__(self, table):
        self.table = table
        self.result = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def execute(self, sql, params=()):
        statement = " ".join(sql.split())
        self.table.statements.append(statement)
        rows = self.table.rows
        if statement.startswith("SELECT tokens, refreshed_at"):
            row = rows.get(params[0])
            self.result = (row["tokens"], row["refreshed_at"]) if row else None
        elif statement.startswith("INSERT"):
            key, tokens, refreshed_at = params
            rows.setdefault(
                key,
                {
                    "tokens": tokens,
                    "refreshed_at": refreshed_at,
                    "waits": 0,
                    "wait_seconds": 0.0,
                },
            )
        elif statement.startswith("UPDATE"):
            tokens, refreshed_at, waits, seconds, key = params
            row = rows[key]
            row.update(tokens=tokens, refreshed_at=refreshed_at)
            row["waits"] += waits
            row["wait_seconds"] += seconds
        elif statement.startswith("DELETE"):
            rows.pop(params[0], None)
        else:
            raise AssertionError(f"unexpected statement {statement}")

    def fetchone(self):
        return self.result


class TestPgTokenBucketWaits(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.table = _BucketTable()
        self.clock = _Clock()

    def bucket(self):
        """The bucket as one worker sees it (another object each time)."""
        return PgTokenBucket(
            self.table.cursor,
            "out:test:1",
            capacity=2,
            refill_per_second=4.0,
            clock=self.clock,
        )

    def row(self):
        return self.table.rows["out:test:1"]

    def test_a_granted_call_is_no_wait(self):
        self.assertEqual(self.bucket().acquire(), 0.0)
        self.assertEqual((self.row()["waits"], self.row()["wait_seconds"]), (0, 0.0))

    def test_every_refusal_counts_with_the_seconds_it_announced(self):
        self.bucket().acquire(2)
        self.assertEqual(self.bucket().acquire(1), 0.25)
        self.clock.now = 0.125  # half a token back, the other worker asks
        self.assertEqual(self.bucket().acquire(1), 0.125)
        self.assertEqual(self.row()["waits"], 2)
        self.assertAlmostEqual(self.row()["wait_seconds"], 0.375)
        self.clock.now = 0.25
        self.assertEqual(self.bucket().acquire(1), 0.0)
        self.assertEqual(self.row()["waits"], 2)

    def test_counted_in_the_statement_that_takes_the_tokens(self):
        self.bucket().acquire(2)
        self.table.statements.clear()
        self.assertGreater(self.bucket().acquire(1), 0.0)
        kinds = [statement.split()[0] for statement in self.table.statements]
        self.assertEqual(kinds, ["SELECT", "UPDATE"])
        self.assertIn("waits = coalesce(waits, 0) +", self.table.statements[-1])

    def test_an_attempt_not_counted(self):
        self.bucket().acquire(2)
        self.assertGreater(self.bucket().acquire(1, count_wait=False), 0.0)
        self.assertEqual(self.row()["waits"], 0)


class _CountingBucket:
    """The shared bucket's interface, counting its transactions and waits."""

    def __init__(self, tokens, capacity=100, refill_per_second=10.0, key="k"):
        self.tokens = tokens
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self.key = key
        self.calls = []
        self.waits = 0

    def acquire(self, cost=1.0, *, count_wait=True):
        self.calls.append(cost)
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        self.waits += 1 if count_wait else 0
        return (cost - self.tokens) / self.refill_per_second


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class TestLeasedTokens(unittest.TestCase):
    def test_one_shared_transaction_per_lease(self):
        bucket = _CountingBucket(tokens=100)
        tokens = LeasedTokens(bucket, lease=10, clock=_Clock())
        for _ in range(25):
            self.assertEqual(tokens.acquire(), 0.0)
        self.assertEqual(bucket.calls, [10, 10, 10])
        self.assertEqual(bucket.tokens, 70)

    def test_never_grants_more_than_the_shared_bucket_holds(self):
        bucket = _CountingBucket(tokens=15)
        tokens = LeasedTokens(bucket, lease=10, clock=_Clock())
        granted = sum(1 for _ in range(40) if tokens.acquire() == 0.0)
        # one lease of 10, then single tokens while they last
        self.assertEqual(granted, 15)
        self.assertEqual(bucket.tokens, 0)
        self.assertGreater(tokens.acquire(), 0.0)

    def test_a_lease_refused_is_no_wait_when_a_single_token_is_left(self):
        bucket = _CountingBucket(tokens=3)
        tokens = LeasedTokens(bucket, lease=10, clock=_Clock())
        self.assertEqual(tokens.acquire(), 0.0)
        self.assertEqual(bucket.calls, [10, 1])
        self.assertEqual(bucket.waits, 0)
        tokens.acquire()
        tokens.acquire()
        # nothing left: the caller waits, once
        self.assertGreater(tokens.acquire(), 0.0)
        self.assertEqual(bucket.waits, 1)

    def test_a_lease_expires(self):
        clock = _Clock()
        bucket = _CountingBucket(tokens=100)
        tokens = LeasedTokens(bucket, lease=10, ttl=1.0, clock=clock)
        tokens.acquire()
        clock.now = 1.5
        tokens.acquire()
        # the 9 tokens left of the first lease were not used after it expired
        self.assertEqual(bucket.calls, [10, 10])

    def test_lease_of_one_is_the_shared_bucket(self):
        bucket = _CountingBucket(tokens=2)
        tokens = LeasedTokens(bucket, lease=1, clock=_Clock())
        self.assertEqual([tokens.acquire() == 0.0 for _ in range(3)], [1, 1, 0])
        self.assertEqual(bucket.calls, [1, 1, 1])

    def test_lease_never_exceeds_the_capacity(self):
        bucket = _CountingBucket(tokens=5, capacity=5)
        tokens = LeasedTokens(bucket, lease=50, clock=_Clock())
        self.assertEqual(tokens.lease, 5)
        self.assertEqual(tokens.acquire(), 0.0)
        self.assertEqual(bucket.calls, [5])

    def test_forget_drops_what_the_process_holds(self):
        bucket = _CountingBucket(tokens=100)
        tokens = LeasedTokens(bucket, lease=10, clock=_Clock())
        tokens.acquire()
        tokens.forget()
        tokens.acquire()
        self.assertEqual(bucket.calls, [10, 10])

    def test_one_instance_per_key_and_settings(self):
        first = leased(_CountingBucket(100, key="lease-test"), lease=10)
        again = leased(_CountingBucket(100, key="lease-test"), lease=10)
        other = leased(_CountingBucket(100, capacity=200, key="lease-test"), lease=10)
        self.assertIs(first, again)
        self.assertIsNot(first, other)

    def test_rejects_an_empty_lease(self):
        with self.assertRaises(ValueError):
            LeasedTokens(_CountingBucket(1), lease=0)

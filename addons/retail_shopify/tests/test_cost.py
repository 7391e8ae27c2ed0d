import unittest

from odoo.addons.retail_shopify.services import cost


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


class FakeCursor:
    """Just enough of a cursor for the statements of PgCostLimiter."""

    def __init__(self, rows, log, waits):
        self.rows = rows
        self.log = log
        self.waits = waits
        self.result = None

    def execute(self, sql, params=()):
        statement = " ".join(sql.split())
        self.log.append(statement.split()[0])
        if statement.startswith("SELECT tokens, refreshed_at"):
            row = self.rows.get(params[0])
            self.result = tuple(row) if row else None
        elif statement.startswith("INSERT") and "DO UPDATE" in statement:
            key, tokens, refreshed_at = params
            self.rows[key] = [tokens, refreshed_at]
        elif statement.startswith("INSERT"):
            key, tokens, refreshed_at = params
            self.rows.setdefault(key, [tokens, refreshed_at])
        elif statement.startswith("UPDATE retail_rate_bucket SET waits"):
            seconds, key = params
            count, total = self.waits.get(key, (0, 0.0))
            self.waits[key] = (count + 1, total + seconds)
        elif statement.startswith("UPDATE"):
            tokens, refreshed_at, key = params
            self.rows[key] = [tokens, refreshed_at]
        elif statement.startswith("DELETE"):
            self.rows.pop(params[0], None)
        else:
            raise AssertionError(f"unexpected statement {statement}")

    def fetchone(self):
        return self.result

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


class FakeDatabase:
    """A ``retail_rate_bucket`` table shared by cursor factories."""

    def __init__(self):
        self.rows = {}
        self.log = []
        self.waits = {}  # key -> (waits, wait_seconds) counted on the row

    def cursor(self):
        return FakeCursor(self.rows, self.log, self.waits)


class TestCostBucket(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.bucket = cost.CostBucket(
            maximum_available=1000.0,
            currently_available=100.0,
            restore_rate=50.0,
            observed_at=10.0,
        )

    def test_defaults_are_shopify_standard_bucket(self):
        bucket = cost.CostBucket()
        self.assertEqual(bucket.maximum_available, 2000.0)
        self.assertEqual(bucket.currently_available, 2000.0)
        self.assertEqual(bucket.restore_rate, 100.0)

    def test_available_refills_and_caps(self):
        self.assertEqual(self.bucket.available(10.0), 100.0)
        self.assertEqual(self.bucket.available(12.0), 200.0)
        self.assertEqual(self.bucket.available(100.0), 1000.0)

    def test_clock_going_backwards_refills_nothing(self):
        self.assertEqual(self.bucket.available(5.0), 100.0)

    def test_wait_for(self):
        self.assertEqual(self.bucket.wait_for(100, 10.0), 0.0)
        self.assertEqual(self.bucket.wait_for(300, 10.0), 4.0)
        self.assertEqual(self.bucket.wait_for(300, 12.0), 2.0)
        self.assertEqual(self.bucket.wait_for(300, 14.0), 0.0)

    def test_cost_above_the_bucket_waits_for_a_full_bucket(self):
        self.assertEqual(self.bucket.wait_for(5000, 10.0), 18.0)

    def test_spend(self):
        spent = self.bucket.spend(150, 12.0)
        self.assertEqual(spent.currently_available, 50.0)
        self.assertEqual(spent.observed_at, 12.0)
        self.assertEqual(self.bucket.currently_available, 100.0)

    def test_observe_replaces_the_state(self):
        observed = self.bucket.observe(
            {"maximumAvailable": 2000, "currentlyAvailable": 1500, "restoreRate": 100},
            20.0,
        )
        self.assertEqual(
            observed,
            cost.CostBucket(
                maximum_available=2000.0,
                currently_available=1500.0,
                restore_rate=100.0,
                observed_at=20.0,
            ),
        )

    def test_observe_keeps_what_is_missing_or_unusable(self):
        observed = self.bucket.observe(
            {"maximumAvailable": None, "currentlyAvailable": "x", "restoreRate": 0},
            12.0,
        )
        self.assertEqual(observed.maximum_available, 1000.0)
        self.assertEqual(observed.restore_rate, 50.0)
        self.assertEqual(observed.currently_available, 200.0)
        self.assertIs(self.bucket.observe(None, 12.0), self.bucket)

    def test_observe_clamps_the_level(self):
        observed = self.bucket.observe(
            {"maximumAvailable": 1000, "currentlyAvailable": 5000}, 12.0
        )
        self.assertEqual(observed.currently_available, 1000.0)
        observed = self.bucket.observe({"currentlyAvailable": -3}, 12.0)
        self.assertEqual(observed.currently_available, 0.0)

    def test_invalid_bucket(self):
        with self.assertRaises(ValueError):
            cost.CostBucket(restore_rate=0)
        with self.assertRaises(ValueError):
            cost.CostBucket(maximum_available=-1)


class TestMemoryCostLimiter(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.clock = FakeClock()
        self.limiter = cost.MemoryCostLimiter(
            maximum_available=100, restore_rate=10, clock=self.clock
        )

    def test_grant_reserves_the_points(self):
        self.assertEqual(self.limiter.wait_for(60), 0.0)
        self.assertEqual(self.limiter.bucket.currently_available, 40.0)
        self.assertEqual(self.limiter.wait_for(60), 2.0)
        # a refusal reserves nothing
        self.assertEqual(self.limiter.bucket.currently_available, 40.0)
        self.clock.now += 2.0
        self.assertEqual(self.limiter.wait_for(60), 0.0)
        self.assertEqual(self.limiter.bucket.currently_available, 0.0)

    def test_observe_replaces_the_local_guess(self):
        self.limiter.observe(
            {"maximumAvailable": 2000, "currentlyAvailable": 10, "restoreRate": 100}
        )
        self.assertEqual(self.limiter.wait_for(210), 2.0)
        self.clock.now += 2.0
        self.assertEqual(self.limiter.wait_for(210), 0.0)

    def test_observe_ignores_garbage(self):
        self.limiter.observe("not a status")
        self.assertEqual(self.limiter.bucket.currently_available, 100.0)


class TestPgCostLimiter(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.db = FakeDatabase()
        self.clock = FakeClock()
        self.limiter = self.make_limiter()

    def make_limiter(self):
        return cost.PgCostLimiter(
            self.db.cursor,
            "shopify-cost:1",
            maximum_available=100,
            restore_rate=10,
            clock=self.clock,
        )

    def test_defaults(self):
        limiter = cost.PgCostLimiter(self.db.cursor, "k")
        self.assertEqual(limiter.maximum_available, 2000.0)
        self.assertEqual(limiter.restore_rate, 100.0)

    def test_first_use_starts_full_and_stores_the_reservation(self):
        self.assertEqual(self.limiter.wait_for(30), 0.0)
        self.assertEqual(self.db.rows["shopify-cost:1"], [70.0, 1000.0])
        self.assertIn("SELECT", self.db.log)

    def test_workers_share_the_bucket(self):
        self.assertEqual(self.limiter.wait_for(80), 0.0)
        other = self.make_limiter()
        self.assertEqual(other.wait_for(40), 2.0)
        self.assertEqual(self.db.rows["shopify-cost:1"], [20.0, 1000.0])
        self.clock.now += 2.0
        self.assertEqual(other.wait_for(40), 0.0)
        self.assertEqual(self.db.rows["shopify-cost:1"], [0.0, 1002.0])

    def test_a_refusal_is_counted_on_the_row_a_grant_is_not(self):
        self.assertEqual(self.limiter.wait_for(80), 0.0)
        self.assertEqual(self.db.waits, {})
        self.db.log.clear()
        self.assertEqual(self.make_limiter().wait_for(40), 2.0)
        self.assertEqual(self.limiter.wait_for(30), 1.0)
        self.assertEqual(self.db.waits, {"shopify-cost:1": (2, 3.0)})
        # one statement besides the locking read, the points untouched
        self.assertEqual(self.db.log, ["SELECT", "UPDATE", "SELECT", "UPDATE"])
        self.assertEqual(self.db.rows["shopify-cost:1"], [20.0, 1000.0])
        self.clock.now += 2.0
        self.assertEqual(self.limiter.wait_for(40), 0.0)
        self.assertEqual(self.db.waits["shopify-cost:1"], (2, 3.0))

    def test_observe_stores_the_report_and_learns_the_bucket(self):
        self.limiter.wait_for(10)
        self.limiter.observe(
            {"maximumAvailable": 1000, "currentlyAvailable": 200, "restoreRate": 50}
        )
        self.assertEqual(self.db.rows["shopify-cost:1"], [200.0, 1000.0])
        self.assertEqual(self.limiter.maximum_available, 1000.0)
        self.assertEqual(self.limiter.restore_rate, 50.0)
        self.assertEqual(self.limiter.wait_for(300), 2.0)
        state = self.limiter.state()
        self.assertEqual(state.currently_available, 200.0)
        self.assertEqual(state.maximum_available, 1000.0)

    def test_observe_on_a_new_key_creates_the_row(self):
        self.limiter.observe({"currentlyAvailable": 5})
        self.assertEqual(self.db.rows["shopify-cost:1"], [5.0, 1000.0])

    def test_observe_without_level_writes_nothing(self):
        self.limiter.observe({"restoreRate": 20})
        self.assertEqual(self.limiter.restore_rate, 20.0)
        self.assertEqual(self.db.rows, {})
        self.limiter.observe(None)
        self.assertEqual(self.db.rows, {})

    def test_reset(self):
        self.limiter.wait_for(100)
        self.limiter.reset()
        self.assertEqual(self.db.rows, {})
        self.assertEqual(self.limiter.wait_for(100), 0.0)

    def test_invalid_settings(self):
        with self.assertRaises(ValueError):
            cost.PgCostLimiter(self.db.cursor, "k", restore_rate=0)

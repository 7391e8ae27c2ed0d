import unittest

from odoo.addons.retail_connector_base.services.token_bucket import BucketState, take


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

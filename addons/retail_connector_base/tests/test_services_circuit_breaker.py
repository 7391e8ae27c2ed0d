import unittest

from odoo.addons.retail_connector_base.services.circuit_breaker import (
    CircuitBreaker,
    CircuitState,
)


class TestCircuitBreaker(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.breaker = CircuitBreaker(threshold=3, cooldown=60.0)

    def test_defaults(self):
        breaker = CircuitBreaker()
        self.assertEqual((breaker.threshold, breaker.cooldown), (5, 60.0))
        self.assertEqual(CircuitState(), CircuitState("closed", 0, None))

    def test_closed_allows(self):
        state, wait = self.breaker.check(CircuitState(failures=2), 10.0)
        self.assertIsNone(wait)
        self.assertEqual(state, CircuitState("closed", 2, None))

    def test_opens_at_threshold(self):
        state = CircuitState()
        state = self.breaker.on_failure(state, 1.0)
        state = self.breaker.on_failure(state, 2.0)
        self.assertEqual(state, CircuitState("closed", 2, None))
        state = self.breaker.on_failure(state, 3.0)
        self.assertEqual(state, CircuitState("open", 3, 3.0))

    def test_success_resets(self):
        state = self.breaker.on_failure(CircuitState(), 1.0)
        self.assertEqual(self.breaker.on_success(state), CircuitState())
        opened = CircuitState("open", 7, 5.0)
        self.assertEqual(self.breaker.on_success(opened), CircuitState())

    def test_open_refuses_with_remaining_cooldown(self):
        opened = CircuitState("open", 3, 100.0)
        state, wait = self.breaker.check(opened, 115.0)
        self.assertEqual(wait, 45.0)
        self.assertEqual(state, opened)

    def test_open_after_cooldown_lets_one_probe(self):
        state, wait = self.breaker.check(CircuitState("open", 3, 100.0), 160.0)
        self.assertIsNone(wait)
        self.assertEqual(state, CircuitState("half_open", 3, 160.0))
        other, wait = self.breaker.check(state, 161.0)
        self.assertEqual(wait, 60.0)
        self.assertEqual(other, state)

    def test_probe_success_closes(self):
        probing, _wait = self.breaker.check(CircuitState("open", 3, 0.0), 60.0)
        closed = self.breaker.on_success(probing)
        self.assertEqual(closed, CircuitState())
        self.assertIsNone(self.breaker.check(closed, 61.0)[1])

    def test_probe_failure_reopens(self):
        breaker = CircuitBreaker(threshold=10, cooldown=60.0)
        probing, _wait = breaker.check(CircuitState("open", 10, 0.0), 60.0)
        reopened = breaker.on_failure(CircuitState("half_open", 1, 60.0), 70.0)
        self.assertEqual(reopened, CircuitState("open", 2, 70.0))
        self.assertEqual(breaker.on_failure(probing, 70.0).state, "open")
        self.assertEqual(breaker.check(reopened, 80.0)[1], 50.0)

    def test_lost_probe_is_replaced_after_cooldown(self):
        state, wait = self.breaker.check(CircuitState("half_open", 3, 100.0), 170.0)
        self.assertIsNone(wait)
        self.assertEqual(state, CircuitState("half_open", 3, 170.0))

    def test_late_failure_keeps_open_since(self):
        state = self.breaker.on_failure(CircuitState("open", 3, 100.0), 130.0)
        self.assertEqual(state, CircuitState("open", 4, 100.0))

    def test_missing_opened_at_counts_as_elapsed(self):
        state, wait = self.breaker.check(CircuitState("open", 3, None), 10.0)
        self.assertIsNone(wait)
        self.assertEqual(state.state, "half_open")

    def test_invalid_parameters(self):
        with self.assertRaises(ValueError):
            CircuitBreaker(threshold=0)
        with self.assertRaises(ValueError):
            CircuitBreaker(cooldown=-1)

from .common import RetailTestCase


class TestThrottleState(RetailTestCase):
    """Token bucket and circuit breaker persisted in PostgreSQL."""

    def test_token_bucket_shared_by_all_workers(self):
        self.backend.write({"rate_limit_capacity": 3, "rate_limit_per_second": 0.5})
        limiter = self.backend._retail_rate_limiter()
        waits = [limiter.acquire(1) for _i in range(3)]
        self.assertEqual(waits, [0.0, 0.0, 0.0])
        # a second limiter object (another worker) sees the same empty bucket
        wait = self.backend._retail_rate_limiter().acquire(1)
        self.assertGreater(wait, 0.0)
        self.assertLessEqual(wait, 2.0)
        self.env.cr.execute(
            "SELECT tokens FROM retail_rate_bucket WHERE key = %s",
            (f"out:{self.backend._retail_key()}",),
        )
        self.assertLess(self.env.cr.fetchone()[0], 1.0)

    def test_circuit_opens_after_threshold_and_closes_on_success(self):
        self.backend.circuit_threshold = 3
        circuit = self.backend._retail_circuit()
        for _i in range(2):
            circuit.failure()
        self.assertIsNone(circuit.allow())
        circuit.failure()
        self.assertEqual(self.backend._retail_circuit().state().state, "open")
        self.assertGreater(circuit.allow(), 0)
        self.backend.invalidate_recordset(["circuit_state"])
        self.assertEqual(self.backend.circuit_state, "open")
        self.backend.action_reset_circuit()
        self.assertIsNone(circuit.allow())
        circuit.success()
        self.assertEqual(circuit.state().state, "closed")

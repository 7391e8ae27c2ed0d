import unittest

from odoo.addons.retail_connector_base.simulator import (
    Fault,
    Faults,
    SimulatedTimeout,
)


class TestFaults(unittest.TestCase):
    def test_taken_in_order_one_a_call(self):
        faults = Faults()
        faults.fail_next(2, status=500)
        faults.throttle_next(1, retry_after=30)
        self.assertEqual(len(faults), 3)
        taken = [faults.take() for _i in range(4)]
        self.assertEqual(
            taken,
            [
                Fault(500),
                Fault(500),
                Fault(429, retry_after=30),
                None,
            ],
        )
        self.assertEqual(len(faults), 0)

    def test_retry_after_defaults_to_one_second_for_429_and_503(self):
        faults = Faults()
        faults.fail_next(1, 503)
        faults.fail_next(1, 429)
        faults.fail_next(1, 502)
        faults.fail_next(1, 503, retry_after=None)
        headers = [faults.take().headers() for _i in range(4)]
        self.assertEqual(headers, [{"Retry-After": "1"}, {"Retry-After": "1"}, {}, {}])

    def test_fault_describes_its_answer(self):
        fault = Fault(503, retry_after=2.5)
        self.assertFalse(fault.timeout)
        self.assertEqual(fault.phrase, "Service Unavailable")
        self.assertEqual(fault.headers(), {"Retry-After": "2.5"})
        fault.raise_timeout()  # a status fault does not raise

    def test_timeout_is_raised(self):
        faults = Faults()
        faults.time_out_next(1, delay=45)
        fault = faults.take()
        self.assertTrue(fault.timeout)
        with self.assertRaises(SimulatedTimeout) as caught:
            fault.raise_timeout()
        self.assertEqual(caught.exception.delay, 45.0)

    def test_refuses_what_is_no_failure(self):
        faults = Faults()
        for status in (200, 302, 999):
            with self.subTest(status=status), self.assertRaises(ValueError):
                faults.fail_next(1, status)
        with self.assertRaises(ValueError):
            faults.fail_next(-1)
        with self.assertRaises(ValueError):
            faults.time_out_next(1, delay=0)
        self.assertEqual(len(faults), 0)

    def test_add_next_queues_any_fault(self):
        faults = Faults()
        faults.add_next(2, Fault(502))
        self.assertEqual([faults.take() for _i in range(3)], [Fault(502)] * 2 + [None])
        self.assertTrue(Fault(502).fails_call)
        with self.assertRaises(TypeError):
            faults.add_next(1, 502)
        with self.assertRaises(ValueError):
            faults.add_next(-1, Fault(502))
        self.assertEqual(len(faults), 0)

    def test_clear(self):
        faults = Faults()
        faults.fail_next(3)
        faults.clear()
        self.assertIsNone(faults.take())

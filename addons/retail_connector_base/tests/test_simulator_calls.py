import unittest
from dataclasses import dataclass

from odoo.addons.retail_connector_base.simulator import Call, CallLog, ManualClock


@dataclass(frozen=True)
class CostedCall(Call):
    cost: int = 0


class TestCallLog(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.clock = ManualClock()
        self.log = CallLog(self.clock)

    def test_record_stamps_with_the_clock(self):
        first = self.log.record(status=200, outcome="ok", method="GET", path="/a")
        self.clock.advance(3)
        second = self.log.record(status=404, outcome="not_found", path="/b")
        self.assertEqual((first.at, second.at), (1000.0, 1003.0))
        self.assertEqual(list(self.log), [first, second])
        self.assertEqual(len(self.log), 2)
        self.assertEqual(self.log[-1].path, "/b")

    def test_where_outcomes_and_since(self):
        self.log.record(status=200, outcome="ok", operation="Ping")
        mark = len(self.log)
        self.log.record(status=503, outcome="injected_failure", operation="Put")
        self.log.record(status=200, outcome="ok", operation="Put")
        self.assertEqual(self.log.outcomes(operation="Put"), ["injected_failure", "ok"])
        self.assertEqual(
            [c.operation for c in self.log.where(outcome="ok")], ["Ping", "Put"]
        )
        self.assertEqual([c.status for c in self.log.since(mark)], [503, 200])
        with self.assertRaises(TypeError):
            self.log.where(colour="blue")

    def test_call_type_of_a_simulator(self):
        log = CallLog(self.clock, CostedCall)
        call = log.record(status=200, outcome="ok", cost=12)
        self.assertIsInstance(call, CostedCall)
        self.assertEqual(log.where(cost=12), [call])

    def test_clear(self):
        self.log.record(status=200, outcome="ok")
        self.log.clear()
        self.assertEqual(len(self.log), 0)
        self.assertEqual(self.log.since(0), [])

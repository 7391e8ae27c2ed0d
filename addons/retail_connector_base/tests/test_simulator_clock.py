import unittest
from datetime import UTC, datetime, timedelta

from odoo.addons.retail_connector_base.simulator import ManualClock, wall_time


class TestManualClock(unittest.TestCase):
    def test_moves_only_when_told(self):
        clock = ManualClock(start=50.0)
        self.assertEqual(clock(), 50.0)
        self.assertEqual(clock(), 50.0)
        self.assertEqual(clock.advance(2.5), 52.5)
        self.assertEqual(clock(), 52.5)

    def test_wall_time_moves_with_it(self):
        start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        clock = ManualClock(wall=start)
        self.assertEqual(clock.now(), start)
        clock.advance(90)
        self.assertEqual(clock.now(), start + timedelta(seconds=90))

    def test_never_goes_back(self):
        clock = ManualClock()
        with self.assertRaises(ValueError):
            clock.advance(-1)
        self.assertEqual(clock(), 1000.0)

    def test_wall_time_must_be_aware(self):
        with self.assertRaises(ValueError):
            ManualClock(wall=datetime(2026, 1, 1))


class TestWallTime(unittest.TestCase):
    def test_reads_the_clock_when_it_has_a_wall_time(self):
        clock = ManualClock(wall=datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC))
        self.assertEqual(wall_time(clock), datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC))

    def test_falls_back_to_the_system_time(self):
        before = datetime.now(UTC)
        moment = wall_time(lambda: 1.0)
        after = datetime.now(UTC)
        self.assertLessEqual(before, moment)
        self.assertLessEqual(moment, after)
        self.assertEqual(moment.tzinfo, UTC)

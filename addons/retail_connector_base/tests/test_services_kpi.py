import datetime
import unittest

from odoo.addons.retail_connector_base.services import kpi


class TestPercentile(unittest.TestCase):
    def test_nearest_rank(self):
        values = [5, 1, 4, 2, 3]
        self.assertEqual(kpi.percentile(values, 0.5), 3)
        self.assertEqual(kpi.percentile(values, 0.95), 5)
        self.assertEqual(kpi.percentile(values, 0.2), 1)
        self.assertEqual(kpi.percentile(list(range(1, 101)), 0.95), 95)

    def test_empty_and_bad_fractions(self):
        self.assertIsNone(kpi.percentile([], 0.5))
        for fraction in (0, -0.1, 1.5):
            with self.assertRaises(ValueError):
                kpi.percentile([1], fraction)

    def test_summarize_skips_missing_values(self):
        summary = kpi.summarize([10, None, 30, 20])
        self.assertEqual((summary.count, summary.p50, summary.p95), (3, 20.0, 30.0))
        self.assertEqual(kpi.summarize([]), kpi.Summary(0, None, None))


class TestSla(unittest.TestCase):
    def test_met_and_breached(self):
        result = kpi.sla([1, 2, 24, 25, 48], 24)
        self.assertEqual((result.total, result.met, result.breached), (5, 3, 2))
        self.assertEqual(result.share, 60.0)

    def test_no_limit_means_everything_met(self):
        self.assertEqual(kpi.sla([100, 200], 0).breached, 0)
        self.assertIsNone(kpi.sla([], 24).share)

    def test_share(self):
        self.assertEqual(kpi.share(1, 3), 33.3)
        self.assertIsNone(kpi.share(0, 0))


class TestDayBounds(unittest.TestCase):
    def test_utc_and_a_zone(self):
        day = datetime.date(2026, 7, 1)
        self.assertEqual(
            kpi.day_bounds(day),
            (datetime.datetime(2026, 7, 1), datetime.datetime(2026, 7, 2)),
        )
        # Brussels is UTC+2 in summer
        self.assertEqual(
            kpi.day_bounds(day, "Europe/Brussels"),
            (datetime.datetime(2026, 6, 30, 22), datetime.datetime(2026, 7, 1, 22)),
        )

    def test_unknown_zone_is_utc(self):
        day = datetime.date(2026, 1, 1)
        self.assertEqual(kpi.day_bounds(day, "Mars/Olympus"), kpi.day_bounds(day))


class TestThresholds(unittest.TestCase):
    def test_parse_and_format(self):
        parsed = kpi.parse_thresholds("webhook=120; order_import = 30\nstock_push=0")
        self.assertEqual(parsed, {"webhook": 120, "order_import": 30, "stock_push": 0})
        self.assertEqual(
            kpi.format_thresholds(parsed), "order_import=30, stock_push=0, webhook=120"
        )
        self.assertEqual(kpi.parse_thresholds(""), {})
        self.assertEqual(kpi.parse_thresholds(None), {})

    def test_errors_name_the_part(self):
        for text in ("webhook", "Web Hook=3", "webhook=ten", "webhook=-1"):
            with self.assertRaises(ValueError) as caught:
                kpi.parse_thresholds(f"stock_push=5, {text}")
            self.assertIn(text.split("=")[0].strip(), str(caught.exception))


class TestFreshness(unittest.TestCase):
    def test_silent_past_its_threshold_only(self):
        now = datetime.datetime(2026, 7, 1, 12)
        flows = [
            kpi.Freshness("a", "A", now - datetime.timedelta(minutes=61), 60),
            kpi.Freshness("b", "B", now - datetime.timedelta(minutes=59), 60),
            kpi.Freshness("c", "C", now - datetime.timedelta(days=9), 0),
            kpi.Freshness("d", "D", None, 60),
        ]
        self.assertEqual([f.flow for f in kpi.silent_flows(flows, now)], ["a"])
        self.assertEqual(flows[0].age_seconds(now), 61 * 60)
        self.assertIsNone(flows[3].age_seconds(now))

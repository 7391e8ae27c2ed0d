from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError

from .common import RetailTestCase


class TestKpiDaily(RetailTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Kpi = cls.env["retail.kpi.daily"]
        cls.now = fields.Datetime.now()

    def figures(self, day=None, code=None):
        domain = [
            ("backend_model", "=", self.backend._name),
            ("backend_id", "=", self.backend.id),
            ("date", "=", day or self.backend._retail_kpi_today()),
        ]
        if code:
            domain.append(("code", "=", code))
        return {(row.code, row.dimension): row for row in self.Kpi.search(domain)}

    def exception(self, message, category="mapping", **values):
        exc = self.backend._retail_raise_exception(
            flow="inbound", category=category, message=message, hint="Fix it."
        )
        exc.write(values)
        return exc

    def test_exceptions_opened_and_resolved_by_category(self):
        self.exception("A", "mapping")
        self.exception("B", "mapping")
        self.exception("C", "validation")
        self.exception(
            "D",
            "mapping",
            first_seen=self.now - timedelta(hours=3),
            state="resolved",
            resolved_at=self.now,
        )
        self.exception(
            "E",
            "mapping",
            first_seen=self.now - timedelta(hours=1),
            state="ignored",
            resolved_at=self.now,
        )
        self.Kpi._compute_backend(self.backend, [self.backend._retail_kpi_today()])
        rows = self.figures()
        # D and E were first seen today as well (within the day's bounds)
        opened = rows[("exceptions_opened", "mapping")]
        self.assertEqual(opened.value, 4)
        self.assertEqual(rows[("exceptions_opened", "validation")].value, 1)
        resolved = rows[("exceptions_resolved", "mapping")]
        self.assertEqual((resolved.value, resolved.count), (2, 2))
        self.assertAlmostEqual(resolved.p50, 1.0, places=2)
        self.assertAlmostEqual(resolved.p95, 3.0, places=2)
        self.assertEqual(resolved.unit, "h")
        self.assertEqual(resolved.retail_backend_id, self.backend.retail_card_id)
        self.assertNotIn(("exceptions_resolved", "validation"), rows)

    def test_today_recomputed_past_days_kept_backfill_once(self):
        today = self.backend._retail_kpi_today()
        yesterday = today - timedelta(days=1)
        old = self.exception("old", first_seen=self.now - timedelta(days=1))
        self.exception("new")
        self.Kpi._compute_backend(self.backend)
        self.assertEqual(
            self.figures(yesterday)[("exceptions_opened", "mapping")].value, 1
        )
        self.assertEqual(self.figures()[("exceptions_opened", "mapping")].value, 1)
        # yesterday has figures: a later run leaves it as it was
        old.first_seen = self.now - timedelta(days=1, minutes=5)
        self.exception("older", first_seen=self.now - timedelta(days=1, minutes=1))
        self.exception("newer")
        self.Kpi._compute_backend(self.backend)
        self.assertEqual(
            self.figures(yesterday)[("exceptions_opened", "mapping")].value, 1
        )
        self.assertEqual(self.figures()[("exceptions_opened", "mapping")].value, 2)

    def test_yesterday_computed_before_it_ended_is_completed_once(self):
        today = self.backend._retail_kpi_today()
        yesterday = today - timedelta(days=1)
        self.exception("late", first_seen=self.now - timedelta(days=1))
        self.Kpi._compute_backend(self.backend, [today])
        # yesterday's figures, as the last run before midnight left them
        self.Kpi._store(
            self.backend,
            yesterday,
            [
                {
                    "code": "exceptions_opened",
                    "name": "x",
                    "value": 0,
                    "dimension": "mapping",
                }
            ],
        )
        row = self.figures(yesterday)[("exceptions_opened", "mapping")]
        row.computed_at = self.now - timedelta(days=1)
        self.Kpi._compute_backend(self.backend)
        self.assertEqual(row.value, 1)
        self.assertGreaterEqual(row.computed_at, self.now)

    def test_figure_that_disappears_is_removed(self):
        exc = self.exception("gone", "validation")
        self.Kpi._compute_backend(self.backend, [self.backend._retail_kpi_today()])
        self.assertIn(("exceptions_opened", "validation"), self.figures())
        exc.first_seen = self.now - timedelta(days=3)
        self.Kpi._compute_backend(self.backend, [self.backend._retail_kpi_today()])
        self.assertNotIn(("exceptions_opened", "validation"), self.figures())

    def test_cron_computes_active_backends_and_metrics_show_today(self):
        paused = self._setup_backend(self.env, name="Paused feed", state="paused")
        self.exception("A")
        paused._retail_raise_exception(
            flow="inbound", category="mapping", message="P", hint="h"
        )
        self.Kpi._cron_compute()
        self.assertTrue(self.figures())
        self.assertFalse(
            self.Kpi.search(
                [("backend_model", "=", paused._name), ("backend_id", "=", paused.id)]
            )
        )
        self.assertIn(
            ("exceptions_opened:mapping", 1.0), self.backend._retail_metrics_kpis()
        )

    def test_card_shows_today_and_freshness(self):
        self.exception("A")
        self.Kpi._compute_backend(self.backend, [self.backend._retail_kpi_today()])
        card = self.backend.retail_card_id
        self.assertIn("Exceptions opened", card.kpi_today_html)
        self.assertIn("Delivery received", card.freshness_html)
        self.assertEqual(card.kpi_level, "ok")
        action = card.action_open_kpis()
        self.assertEqual(action["domain"], [("retail_backend_id", "=", card.id)])


class TestFreshnessAlerts(RetailTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def delivered(self, minutes_ago, key="evt-1"):
        event, _created = self.store_event(
            "partner/upsert", self.partner_payload(), key=key
        )
        event.sudo().received_at = fields.Datetime.now() - timedelta(
            minutes=minutes_ago
        )
        return event

    def alerts(self, backend=None):
        backend = backend or self.backend
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", backend._name),
                    ("res_id", "=", backend.id),
                    ("retail_alert_key", "!=", False),
                ]
            )
        )

    def test_default_and_overridden_thresholds(self):
        self.delivered(120)
        flows = {flow.flow: flow for flow in self.backend._retail_freshness()}
        webhook = flows["webhook"]
        self.assertEqual(webhook.threshold_minutes, 24 * 60)
        self.assertFalse(webhook.is_silent(fields.Datetime.now()))
        self.backend.freshness_thresholds = "webhook=60"
        webhook = next(
            f for f in self.backend._retail_freshness() if f.flow == "webhook"
        )
        self.assertEqual(webhook.threshold_minutes, 60)
        self.assertTrue(webhook.is_silent(fields.Datetime.now()))

    def test_bad_thresholds_are_refused(self):
        with self.assertRaises(ValidationError):
            self.backend.freshness_thresholds = "webhook=soon"

    def test_silent_flow_alerts_once_and_closes_when_it_clears(self):
        self.backend.user_id = self.manager
        self.backend.freshness_thresholds = "webhook=60"
        self.delivered(90)
        self.env["retail.backend"]._cron_check_alerts()
        self.env["retail.backend"]._cron_check_alerts()
        alerts = self.alerts()
        self.assertEqual(len(alerts), 1)
        self.assertEqual(alerts.retail_alert_key, "freshness:webhook")
        self.assertEqual(alerts.user_id, self.manager)
        self.assertTrue(alerts.active)
        self.assertIn("Delivery received", alerts.summary)
        card = self.backend.retail_card_id
        self.assertEqual(card.kpi_level, "danger")
        self.assertIn("Delivery received", card.kpi_banner_html)
        # a delivery arrives: the alert is marked done
        self.delivered(1, key="evt-2")
        self.env["retail.backend"]._cron_check_alerts()
        self.assertFalse(alerts.active)
        self.assertEqual(len(self.alerts()), 1)
        card.invalidate_recordset()
        self.assertEqual(card.kpi_level, "ok")

    def test_alert_is_deduplicated_by_key_while_open(self):
        first = self.backend._retail_alert("sla:x", "Late", "Do this.")
        second = self.backend._retail_alert("sla:x", "Late", "Do that now.")
        self.assertEqual(first, second)
        self.assertIn("Do that now.", second.note)
        other = self.backend._retail_alert("sla:y", "Late too", "Do this.")
        self.assertNotEqual(first, other)
        first.action_feedback(feedback="done")
        third = self.backend._retail_alert("sla:x", "Late again", "Do this.")
        self.assertNotEqual(third, first)
        self.assertEqual(len(self.alerts()), 3)

    def test_paused_backends_raise_no_alert(self):
        self.backend.freshness_thresholds = "webhook=60"
        self.delivered(90)
        self.backend.state = "paused"
        self.env["retail.backend"]._cron_check_alerts()
        self.assertFalse(self.alerts())

    def test_metrics_freshness_of_the_connector_flows(self):
        # the test connector has no flow of its own: deliveries and runs are
        # reported by the base's metrics
        self.assertEqual(self.backend._retail_metrics_freshness(), [])


class TestKpiAccess(RetailTestCase):
    def test_only_managers_compute_now_users_read(self):
        self.backend._retail_raise_exception(
            flow="inbound", category="mapping", message="A", hint="h"
        )
        card = self.backend.retail_card_id
        with self.assertRaises(AccessError):
            card.with_user(self.user).action_compute_kpis()
        card.with_user(self.manager).action_compute_kpis()
        rows = (
            self.env["retail.kpi.daily"]
            .with_user(self.user)
            .search([("retail_backend_id", "=", card.id)])
        )
        self.assertTrue(rows)
        # a retail user reads the dashboard card
        self.assertIn("Exceptions opened", card.with_user(self.user).kpi_today_html)

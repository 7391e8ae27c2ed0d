from odoo.exceptions import UserError

from .common import RetailTestCase


class TestSyncException(RetailTestCase):
    def _record(self, **values):
        vals = {
            "flow": "outbound",
            "category": "remote_rejected",
            "message": "Product SKU-1 was rejected: price must be positive",
            "hint": "Fix the price of SKU-1.",
            "remote_ref": "SKU-1",
        }
        vals.update(values)
        return self.backend._retail_raise_exception(**vals)

    def test_identical_open_exceptions_are_merged(self):
        first = self._record()
        second = self._record(payload_excerpt='{"price": -1}')
        self.assertEqual(first, second)
        self.assertEqual(first.occurrence_count, 2)
        self.assertEqual(first.payload_excerpt, '{"price": -1}')
        other = self._record(remote_ref="SKU-2", message="SKU-2 rejected")
        self.assertNotEqual(other, first)

    def test_resolved_exception_is_not_reused(self):
        first = self._record()
        first.action_ignore()
        second = self._record()
        self.assertNotEqual(first, second)
        self.assertEqual(second.occurrence_count, 1)

    def test_assigned_to_backend_responsible_with_activity(self):
        self.backend.user_id = self.user
        exc = self._record()
        self.assertEqual(exc.user_id, self.user)
        self.assertEqual(exc.company_id, self.backend.company_id)
        activity = exc.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user)
        exc.action_ignore()
        self.assertEqual(exc.state, "ignored")
        self.assertFalse(exc.activity_ids)

    def test_retry_without_origin_explains_what_to_do(self):
        exc = self._record()
        with self.assertRaisesRegex(UserError, "Nothing can be re-run"):
            exc.action_retry()

    def test_open_record(self):
        partner = self.env["res.partner"].create({"name": "Linked"})
        exc = self._record(res_model="res.partner", res_id=partner.id)
        self.assertEqual(exc.record_ref, partner)
        action = exc.action_open_record()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", partner.id)
        )

    def test_dashboard_counters(self):
        event, _c = self.accept(self.partner_payload(name=""))
        event._process()
        card = self.env["retail.backend"].search(
            [("res_model", "=", self.backend._name), ("res_id", "=", self.backend.id)]
        )
        self.assertEqual(card.event_count_24h, 1)
        self.assertEqual(card.event_failed_count, 1)
        self.assertEqual(card.exception_open_count, 1)
        self.assertEqual(card.health, "warning")
        self.backend.name = "Renamed feed"
        self.assertEqual(card.name, "Renamed feed")

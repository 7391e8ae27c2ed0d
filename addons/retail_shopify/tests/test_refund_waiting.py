"""A refund waiting for its order waits; it does not fail."""

import copy
from datetime import timedelta

from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base.services import wait_keys
from odoo.addons.retail_connector_base.tests.job_runs import run_once, set_job_created

from .test_refund import ORDER_GID, RefundCase


class TestRefundWaitsForItsOrder(RefundCase):
    def queued_refund(self, payload=None):
        event = self.deliver(
            "refunds/create", payload or self.refund_payload, event_id="refund-1"
        )
        event._enqueue()
        return event

    def recent_refund_payload(self):
        payload = copy.deepcopy(self.refund_payload)
        created = fields.Datetime.now() - timedelta(minutes=5)
        payload["created_at"] = fields.Datetime.to_string(created).replace(" ", "T")
        payload["created_at"] += "Z"
        return payload

    def job(self, event):
        return self.env["queue.job"].search([("uuid", "=", event.job_uuid)])

    def assert_waits_without_spending_tries(self, event, runs=10):
        for _run in range(runs):
            postponed = run_once(self.env, event.job_uuid)
            self.assertIsInstance(postponed, RetryableJobError)
            self.assertTrue(postponed.ignore_retry)
        self.assertEqual(self.job(event).retry, 0)
        event.invalidate_recordset()
        self.assertEqual(event.state, "queued")
        self.assertFalse(self.open_exceptions())

    def test_recent_refund_of_an_order_not_received_spends_no_tries(self):
        event = self.queued_refund(self.recent_refund_payload())
        self.assert_waits_without_spending_tries(event)

    def test_refund_of_a_queued_order_spends_no_tries(self):
        self.deliver("orders/create", self.order_payload, event_id="order-1")
        event = self.queued_refund()
        self.assert_waits_without_spending_tries(event)

    def test_refund_waiting_past_the_deadline_is_held_on_its_order(self):
        order_event = self.deliver(
            "orders/create", self.order_payload, event_id="order-1"
        )
        event = self.queued_refund()
        set_job_created(
            self.env, event.job_uuid, fields.Datetime.now() - timedelta(hours=25)
        )
        self.assertIn("Held", run_once(self.env, event.job_uuid))
        event.invalidate_recordset()
        self.assertEqual(event.state, "failed")
        self.assertEqual(
            event.wait_ids.mapped("key"), [wait_keys.make("order", ORDER_GID)]
        )
        (exception,) = self.open_exceptions()
        self.assertEqual(exception.category, "waiting")
        self.assertIn(event.display_name, exception.message)
        self.assertIn("#1042", exception.message)
        self.assertIn("order's delivery", exception.hint)
        # the order imported, the held refund is processed again by itself
        order_event._process()
        self.assertEqual(order_event.state, "done", order_event.error)
        event.invalidate_recordset()
        self.assertIn(event.state, ("received", "queued"))

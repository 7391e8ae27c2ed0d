import json

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ShopifyHttpCase


@tagged("post_install", "-at_install")
class TestWebhookHardeningHttp(ShopifyHttpCase):
    def post(self, payload=None, *, topic="orders/create", event_id="ev-1", **kw):
        return self.post_delivery(topic, payload, key=event_id, **kw)

    def test_body_replayed_under_another_topic_is_refused(self):
        body = json.dumps({"id": 7, "name": "#1007"}).encode()
        with trap_jobs() as trap:
            first = self.post(body=body, event_id="ev-7")
            replay = self.post(body=body, topic="orders/cancelled", event_id="ev-8")
            trap.assert_jobs_count(1)
        self.assertEqual(first.status_code, 200, first.text)
        self.assertEqual(replay.status_code, 400, replay.text)
        self.assertIn("another topic", replay.json()["error"])
        self.assertEqual(self.events().mapped("topic"), ["orders/create"])

    def test_paused_store_keeps_deliveries(self):
        self.backend.action_pause()
        with trap_jobs() as trap:
            response = self.post({"id": 8}, event_id="ev-paused")
            self.assertEqual(response.status_code, 200, response.text)
            trap.assert_jobs_count(1)
        self.assertEqual(self.events().state, "queued")

    def test_deeply_nested_payload_is_stored_failed_with_400(self):
        depth = 100_000
        body = b'{"id": 9, "line_items": ' + b"[" * depth + b"]" * depth + b"}"
        response = self.post(body=body, event_id="ev-deep")
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("nested deeper than 64 levels", response.json()["error"])
        self.assertEqual(self.events().state, "failed")

    def test_base_limit_on_array_sizes(self):
        response = self.post({"id": 10, "line_items": [{}] * 10_001}, event_id="ev-big")
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("10001 elements", response.json()["error"])
        self.assertEqual(self.events().state, "failed")

    def test_the_same_order_under_harmless_topics_is_accepted(self):
        # Shopify sends a paid order's document as orders/create and orders/paid
        body = json.dumps({"id": 11, "name": "#1011"}).encode()
        with trap_jobs() as trap:
            first = self.post(body=body, event_id="ev-11")
            paid = self.post(body=body, topic="orders/paid", event_id="ev-12")
            trap.assert_jobs_count(2)
        self.assertEqual(first.status_code, 200, first.text)
        self.assertEqual(paid.status_code, 200, paid.text)
        self.assertEqual(
            sorted(self.events().mapped("topic")), ["orders/create", "orders/paid"]
        )

    def test_a_destructive_body_replayed_as_another_topic_is_refused(self):
        body = json.dumps({"id": 12}).encode()
        with trap_jobs():
            first = self.post(body=body, topic="products/delete", event_id="ev-13")
            replay = self.post(body=body, topic="orders/create", event_id="ev-14")
        self.assertEqual(first.status_code, 200, first.text)
        self.assertEqual(replay.status_code, 400, replay.text)

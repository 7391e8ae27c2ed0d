import json

from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import SHOP, ShopifyTestMixin


@tagged("post_install", "-at_install")
class TestWebhookHttp(ShopifyTestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shopify()

    def post(
        self,
        payload,
        *,
        topic="orders/create",
        event_id="ev-1",
        shop=SHOP,
        signature=None,
    ):
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Webhook-Id": f"wh-{event_id}",
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": "2026-11-03T15:22:11.123456789Z",
            "X-Shopify-Hmac-Sha256": signature
            if signature is not None
            else self.sign(body),
        }
        response = self.url_open(
            f"/retail/shopify/webhook/{self.backend.id}", data=body, headers=headers
        )
        self.env.invalidate_all()
        return response

    def events(self):
        return self.Event.search(
            [
                ("backend_model", "=", "shopify.backend"),
                ("backend_id", "=", self.backend.id),
            ]
        )

    def test_signed_delivery_is_stored_and_queued(self):
        payload = self.fixture("order_paid_tax_excluded")
        with trap_jobs() as trap:
            response = self.post(payload)
            self.assertEqual(response.status_code, 200, response.text)
            event = self.events()
            trap.assert_jobs_count(1, only=event._process)
            self.assertEqual(
                trap.calls[0].properties["channel"],
                "root.retail.shopify.inbound",
            )
        self.assertEqual(event.topic, "orders/create")
        self.assertEqual(event.event_key, "ev-1")
        self.assertEqual(event.headers["X-Shopify-Shop-Domain"], SHOP)
        self.assertNotIn("X-Shopify-Hmac-Sha256", event.headers)

    def test_bad_signature_stores_nothing(self):
        response = self.post({"id": 1}, signature="bm90IGEgc2lnbmF0dXJl")
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_other_shop_is_refused_without_storing(self):
        response = self.post({"id": 1}, shop="someone-else.myshopify.com")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.events())

    def test_retries_of_an_event_are_recognised(self):
        with trap_jobs() as trap:
            first = self.post({"id": 7}, event_id="ev-7")
            again = self.post({"id": 7}, event_id="ev-7")
            trap.assert_jobs_count(1)
        self.assertEqual(first.json()["status"], "accepted")
        self.assertEqual(again.json()["status"], "duplicate")
        self.assertEqual(self.events().duplicate_count, 1)

    def test_every_topic_is_accepted(self):
        from ..services.webhooks import TOPICS  # noqa: PLC0415

        with trap_jobs() as trap:
            for index, topic in enumerate(sorted(TOPICS)):
                response = self.post({"id": index}, topic=topic, event_id=f"t{index}")
                self.assertEqual(response.status_code, 200, topic)
            trap.assert_jobs_count(len(TOPICS))
        self.assertEqual(set(self.events().mapped("topic")), set(TOPICS))

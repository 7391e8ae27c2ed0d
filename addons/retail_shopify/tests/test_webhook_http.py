from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import SHOP, ShopifyHttpCase


@tagged("post_install", "-at_install")
class TestWebhookHttp(ShopifyHttpCase):
    def post(self, payload, *, topic="orders/create", event_id="ev-1", shop=SHOP, **kw):
        headers = {"X-Shopify-Shop-Domain": shop}
        return self.post_delivery(topic, payload, key=event_id, headers=headers, **kw)

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

        # the topics that erase or stop something are accepted with their body
        privacy = {"shop_id": 1, "shop_domain": SHOP}
        customer = {**privacy, "customer": {"id": 5, "email": "a@example.com"}}
        bodies = {
            "app/uninstalled": {"id": 1, "myshopify_domain": SHOP},
            "customers/data_request": {**customer, "orders_requested": [1]},
            "customers/redact": {**customer, "orders_to_redact": [1]},
            # not the body of another topic: that would be a replay
            "products/delete": {"id": 9001},
            "shop/redact": privacy,
        }
        with trap_jobs() as trap:
            for index, topic in enumerate(sorted(TOPICS)):
                response = self.post(
                    bodies.get(topic, {"id": index}), topic=topic, event_id=f"t{index}"
                )
                self.assertEqual(response.status_code, 200, topic)
            trap.assert_jobs_count(len(TOPICS))
        self.assertEqual(set(self.events().mapped("topic")), set(TOPICS))

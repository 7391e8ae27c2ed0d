from odoo.tests import tagged

from .common import SHOP, ShopifyHttpCase, ShopifyTestCase


@tagged("post_install", "-at_install")
class TestDestructiveIntakeHttp(ShopifyHttpCase):
    def test_a_body_naming_another_shop_is_stored_failed_with_400(self):
        body = {"shop_id": 1, "shop_domain": "other-store.myshopify.com"}
        response = self.post_delivery(
            "shop/redact", body, key="s1", headers={"X-Shopify-Shop-Domain": SHOP}
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("shop_domain", response.json()["error"])
        event = self.events("s1")
        self.assertEqual(event.state, "failed")
        self.assertEqual(self.backend.state, "active")

    def test_a_products_delete_body_with_more_than_an_id_is_refused(self):
        response = self.post_delivery(
            "products/delete",
            {"id": 7, "title": "Mug"},
            key="p1",
            headers={"X-Shopify-Shop-Domain": SHOP},
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self.events("p1").state, "failed")


class TestDestructiveHandlers(ShopifyTestCase):
    """The handlers check the body again before erasing or stopping."""

    def test_shop_redact_for_another_shop_erases_nothing(self):
        order = self.deliver("orders/create", {"id": 1, "email": "a@example.com"})
        event = self.deliver(
            "shop/redact",
            {"shop_id": 1, "shop_domain": "other-store.myshopify.com"},
            key="s1",
            process=True,
        )
        self.assertEqual(event.state, "failed")
        self.assertIn("shop_domain", event.error)
        self.assertIn("a@example.com", order.payload)
        self.assertEqual(self.backend.state, "active")
        self.assertTrue(self.backend.sudo().client_secret)

    def test_shop_redact_clears_the_credentials_and_pauses(self):
        event = self.deliver(
            "shop/redact",
            {"shop_id": 1, "shop_domain": self.backend.shop_domain},
            key="s2",
            process=True,
        )
        self.assertEqual(event.state, "done", event.error)
        backend = self.backend.sudo()
        self.assertFalse(backend.access_token)
        self.assertFalse(backend.client_secret)
        self.assertEqual(backend.state, "paused")

    def test_app_uninstalled_of_another_shop_does_not_pause(self):
        event = self.deliver(
            "app/uninstalled",
            {"id": 1, "myshopify_domain": "other-store.myshopify.com"},
            key="u1",
            process=True,
        )
        self.assertEqual(event.state, "failed")
        self.assertEqual(self.backend.state, "active")

    def test_products_delete_with_a_whole_product_is_refused(self):
        event = self.deliver(
            "products/delete",
            {"id": 7, "title": "Mug", "variants": []},
            key="d1",
            process=True,
        )
        self.assertEqual(event.state, "failed")
        self.assertIn("title", event.error)

    def test_stores_sharing_a_client_secret_are_warned_about(self):
        logger = "odoo.addons.retail_shopify.models.shopify_backend"
        with self.assertLogs(logger, "WARNING") as logs:
            other = self.env["shopify.backend"].create(
                {
                    "name": "Second store",
                    "shop_domain": "second-store.myshopify.com",
                    "client_secret": self.signing_secret,
                }
            )
        self.assertIn("same client secret", logs.output[0])
        self.assertNotIn(self.signing_secret, "".join(logs.output))
        message = other.message_ids[:1].body
        self.assertIn("same client secret", message)
        self.assertNotIn(self.signing_secret, message)

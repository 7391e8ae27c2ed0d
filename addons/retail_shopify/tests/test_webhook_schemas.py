"""The strict bodies of the webhooks that erase or stop something
(services/webhook_schemas.py)."""

import unittest

from odoo.addons.retail_connector_base.services.errors import PayloadValidationError
from odoo.addons.retail_shopify.services import webhook_schemas

SHOP = "retail-test.myshopify.com"
EMAIL = "emily.carter@example.com"


def customer_redact(**changes):
    body = {
        "shop_id": 1,
        "shop_domain": SHOP,
        "customer": {"id": 7, "email": EMAIL, "phone": None},
        "orders_to_redact": [11, 12],
    }
    body.update(changes)
    return body


class TestWebhookSchemas(unittest.TestCase):
    def refused(self, topic, body, field):
        with self.assertRaises(PayloadValidationError) as caught:
            webhook_schemas.validate(topic, body, SHOP)
        self.assertEqual(caught.exception.details["field"], field)
        return str(caught.exception)

    def test_customer_redact_body(self):
        body = webhook_schemas.validate("customers/redact", customer_redact(), SHOP)
        self.assertEqual(body.orders_to_redact, (11, 12))
        self.assertEqual(body.customer.email, EMAIL)
        body = customer_redact()
        del body["orders_to_redact"]
        self.refused("customers/redact", body, "orders_to_redact")
        self.refused(
            "customers/redact", customer_redact(customer={"id": None}), "customer"
        )
        message = self.refused(
            "customers/redact",
            customer_redact(orders_to_redact=[EMAIL]),
            "orders_to_redact[0]",
        )
        # the customer's data is never quoted in the error
        self.assertNotIn(EMAIL, message)

    def test_the_body_must_name_this_store(self):
        message = self.refused(
            "customers/redact",
            customer_redact(shop_domain="other-store.myshopify.com"),
            "shop_domain",
        )
        self.assertIn("other-store.myshopify.com", message)
        self.refused(
            "shop/redact",
            {"shop_id": 1, "shop_domain": "other-store.myshopify.com"},
            "shop_domain",
        )
        self.refused("shop/redact", {"shop_id": 1}, "shop_domain")
        self.refused(
            "app/uninstalled",
            {"id": 1, "myshopify_domain": "other-store.myshopify.com"},
            "myshopify_domain",
        )
        self.assertEqual(
            webhook_schemas.validate(
                "shop/redact", {"shop_id": 1, "shop_domain": SHOP.upper()}, SHOP
            ).shop_domain,
            SHOP,
        )

    def test_a_product_deletion_is_an_id_alone(self):
        body = webhook_schemas.validate("products/delete", {"id": 1001}, SHOP)
        self.assertEqual(body.id, 1001)
        self.refused("products/delete", {"id": 1001, "title": "Mug"}, "title")
        self.refused("products/delete", {}, "id")

    def test_other_topics_have_no_strict_schema(self):
        self.assertIsNone(webhook_schemas.validate("orders/create", {}, SHOP))

import unittest

from odoo.addons.retail_shopify.services import webhooks
from odoo.addons.retail_shopify.simulator.schema import load_schema


class TestConstants(unittest.TestCase):
    def test_header_names(self):
        self.assertEqual(webhooks.HEADER_HMAC, "X-Shopify-Hmac-Sha256")
        self.assertEqual(webhooks.HEADER_TOPIC, "X-Shopify-Topic")
        self.assertEqual(webhooks.HEADER_SHOP_DOMAIN, "X-Shopify-Shop-Domain")
        self.assertEqual(webhooks.HEADER_EVENT_ID, "X-Shopify-Event-Id")
        self.assertEqual(webhooks.HEADER_WEBHOOK_ID, "X-Shopify-Webhook-Id")
        self.assertEqual(webhooks.HEADER_API_VERSION, "X-Shopify-API-Version")
        self.assertEqual(webhooks.HEADER_TRIGGERED_AT, "X-Shopify-Triggered-At")

    def test_whitelist_keeps_everything_but_the_signature(self):
        self.assertNotIn(webhooks.HEADER_HMAC, webhooks.HEADER_WHITELIST)
        self.assertEqual(
            set(webhooks.HEADER_WHITELIST),
            {
                "X-Shopify-Topic",
                "X-Shopify-Shop-Domain",
                "X-Shopify-Event-Id",
                "X-Shopify-Webhook-Id",
                "X-Shopify-API-Version",
                "X-Shopify-Triggered-At",
            },
        )

    def test_topics(self):
        self.assertEqual(len(webhooks.TOPICS), 16)
        for topic in (
            "orders/create",
            "orders/updated",
            "orders/paid",
            "orders/cancelled",
            "orders/edited",
        ):
            self.assertEqual(webhooks.TOPICS[topic], "order")
        self.assertEqual(webhooks.TOPICS["refunds/create"], "refund")
        self.assertEqual(
            webhooks.COMPLIANCE_TOPICS,
            {"customers/data_request", "customers/redact", "shop/redact"},
        )
        self.assertTrue(set(webhooks.TOPICS) >= webhooks.COMPLIANCE_TOPICS)
        self.assertEqual(
            set(webhooks.SUBSCRIBED_TOPICS),
            set(webhooks.TOPICS) - webhooks.COMPLIANCE_TOPICS,
        )
        self.assertEqual(len(webhooks.SUBSCRIBED_TOPICS), 13)

    def test_topic_to_graphql_enum(self):
        self.assertEqual(
            webhooks.topic_to_graphql_enum("orders/create"), "ORDERS_CREATE"
        )
        self.assertEqual(
            webhooks.topic_to_graphql_enum("inventory_levels/update"),
            "INVENTORY_LEVELS_UPDATE",
        )
        self.assertEqual(
            webhooks.topic_to_graphql_enum("bulk_operations/finish"),
            "BULK_OPERATIONS_FINISH",
        )
        self.assertEqual(
            webhooks.topic_to_graphql_enum("app/uninstalled"), "APP_UNINSTALLED"
        )
        for value in ("orders", "", None, "orders create", "/create", "orders/"):
            with self.subTest(topic=value), self.assertRaises(ValueError):
                webhooks.topic_to_graphql_enum(value)

    def test_subscribed_topics_exist_in_the_api(self):
        schema = load_schema("2026-10")
        values = schema.get_type("WebhookSubscriptionTopic").values
        for topic in webhooks.SUBSCRIBED_TOPICS:
            with self.subTest(topic=topic):
                value = values.get(webhooks.topic_to_graphql_enum(topic))
                self.assertIsNotNone(value)
                self.assertIsNone(value.deprecation_reason)
        for topic in webhooks.COMPLIANCE_TOPICS:
            self.assertNotIn(webhooks.topic_to_graphql_enum(topic), values)


class TestShopDomain(unittest.TestCase):
    def test_valid(self):
        self.assertEqual(
            webhooks.validate_shop_domain("retail-test.myshopify.com"),
            "retail-test.myshopify.com",
        )
        self.assertEqual(
            webhooks.validate_shop_domain("  Maison-Lumiere2.MyShopify.com "),
            "maison-lumiere2.myshopify.com",
        )

    def test_invalid(self):
        for value in (
            "",
            None,
            42,
            "retail-test",
            "shop.example.com",
            "https://retail-test.myshopify.com",
            "retail-test.myshopify.com/admin",
            "-retail.myshopify.com",
            "retail_test.myshopify.com",
            "retail.test.myshopify.com",
            "retail-test.myshopify.com.example.net",
            ".myshopify.com",
        ):
            with self.subTest(domain=value), self.assertRaises(ValueError):
                webhooks.validate_shop_domain(value)

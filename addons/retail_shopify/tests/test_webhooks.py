import datetime
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


class TestParseHeaders(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.headers = {
            "X-Shopify-Hmac-Sha256": "Xn1Hf0P2k8yq0i3cQ0Vd9Qm0J2f3w6b9Jm0vT0k8Vxw=",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": "Retail-Test.myshopify.com",
            "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": "2026-11-03T15:22:08.123456789Z",
            "Content-Type": "application/json",
        }

    def test_parse(self):
        parsed = webhooks.parse_headers(self.headers)
        self.assertEqual(parsed.hmac, "Xn1Hf0P2k8yq0i3cQ0Vd9Qm0J2f3w6b9Jm0vT0k8Vxw=")
        self.assertEqual(parsed.topic, "orders/create")
        self.assertEqual(parsed.shop_domain, "retail-test.myshopify.com")
        self.assertEqual(parsed.event_id, "98880550-7158-44d4-b7cd-2c97c8a091b5")
        self.assertEqual(parsed.webhook_id, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        self.assertEqual(parsed.api_version, "2026-10")
        self.assertEqual(
            parsed.triggered_at, datetime.datetime(2026, 11, 3, 15, 22, 8, 123456)
        )
        self.assertEqual(parsed.handler, "order")
        self.assertFalse(parsed.is_compliance)

    def test_any_case(self):
        lower = {name.lower(): value for name, value in self.headers.items()}
        upper = [(name.upper(), value) for name, value in self.headers.items()]
        expected = webhooks.parse_headers(self.headers)
        self.assertEqual(webhooks.parse_headers(lower), expected)
        self.assertEqual(webhooks.parse_headers(upper), expected)

    def test_werkzeug_headers(self):
        from werkzeug.datastructures import Headers

        parsed = webhooks.parse_headers(Headers(list(self.headers.items())))
        self.assertEqual(parsed, webhooks.parse_headers(self.headers))

    def test_triggered_at_with_offset_or_unreadable(self):
        self.headers["X-Shopify-Triggered-At"] = "2026-11-03T10:22:08-05:00"
        parsed = webhooks.parse_headers(self.headers)
        self.assertEqual(parsed.triggered_at, datetime.datetime(2026, 11, 3, 15, 22, 8))
        self.assertIsNone(parsed.triggered_at.tzinfo)
        self.headers["X-Shopify-Triggered-At"] = "soon"
        self.assertIsNone(webhooks.parse_headers(self.headers).triggered_at)

    def test_missing_and_empty_headers(self):
        parsed = webhooks.parse_headers({"X-Shopify-Topic": "  ", "Accept": "*/*"})
        self.assertEqual(parsed, webhooks.WebhookHeaders())
        self.assertIsNone(parsed.handler)
        self.assertEqual(webhooks.parse_headers(None), webhooks.WebhookHeaders())

    def test_compliance_topic(self):
        parsed = webhooks.parse_headers({"x-shopify-topic": "Shop/Redact"})
        self.assertEqual(parsed.topic, "shop/redact")
        self.assertTrue(parsed.is_compliance)
        self.assertEqual(parsed.handler, "shop_redact")

    def test_bytes_values(self):
        parsed = webhooks.parse_headers({"X-Shopify-Topic": b"refunds/create"})
        self.assertEqual(parsed.topic, "refunds/create")


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

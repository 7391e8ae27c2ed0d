from odoo.tests import TransactionCase

from ..services import webhooks
from .common import ShopifyTestMixin


class TestWebhookRegistration(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "https://erp.example.com"
        )
        self.callback = (
            f"https://erp.example.com/retail/shopify/webhook/{self.backend.id}"
        )

    def subscriptions(self):
        return {s["topic"]: s["uri"] for s in self.sim.webhook_subscriptions.values()}

    def test_creates_every_topic_then_keeps_them(self):
        summary = self.backend._shopify_register_webhooks()
        self.assertEqual(len(summary["created"]), len(webhooks.SUBSCRIBED_TOPICS))
        subscriptions = self.subscriptions()
        self.assertEqual(
            set(subscriptions),
            {webhooks.topic_to_graphql_enum(t) for t in webhooks.SUBSCRIBED_TOPICS},
        )
        self.assertEqual(set(subscriptions.values()), {self.callback})
        again = self.backend._shopify_register_webhooks()
        self.assertEqual(again["created"], [])
        self.assertEqual(len(again["kept"]), len(webhooks.SUBSCRIBED_TOPICS))

    def test_repairs_a_subscription_pointing_elsewhere(self):
        self.backend._shopify_register_webhooks()
        subscription = next(
            s
            for s in self.sim.webhook_subscriptions.values()
            if s["topic"] == "ORDERS_CREATE"
        )
        subscription["uri"] = "https://old-erp.example.com/hooks"
        summary = self.backend._shopify_register_webhooks()
        self.assertEqual(summary["repaired"], ["orders/create"])
        self.assertEqual(self.subscriptions()["ORDERS_CREATE"], self.callback)

    def test_action_reports_in_the_chatter(self):
        action = self.backend.action_register_webhooks()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(self.callback, self.backend.message_ids[0].body)

import logging

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase

from .common import SECRET, TOKEN, ShopifyTestMixin


class TestShopifyBackend(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shopify()

    def test_shop_domain_must_be_a_myshopify_domain(self):
        with self.assertRaisesRegex(ValidationError, "myshopify.com"):
            self.backend.shop_domain = "shop.example.com"

    def test_financial_statuses_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "Unknown financial statuses"):
            self.backend.import_financial_statuses = "paid,almost_paid"

    def test_credentials_for_managers_only(self):
        as_user = self.backend.with_user(self.user)
        self.assertEqual(as_user.shop_domain, self.backend.shop_domain)
        for field in ("access_token", "client_secret"):
            with self.assertRaises(AccessError):
                as_user.read([field])
        as_manager = self.backend.with_user(self.manager)
        self.assertEqual(as_manager.access_token, TOKEN)
        self.assertEqual(as_manager.client_secret, SECRET)

    def test_secrets_are_redacted_everywhere(self):
        self.assertEqual(set(self.backend._retail_secrets()), {TOKEN, SECRET})
        # whatever logger writes them, the store's secrets are masked
        for name in ("odoo.addons.retail_shopify.models", "odoo.http", "urllib3"):
            with self.assertLogs(name, level=logging.WARNING) as logs:
                logging.getLogger(name).warning(
                    "X-Shopify-Access-Token: %s, secret %s", TOKEN, SECRET
                )
            self.assertNotIn(TOKEN, logs.output[0])
            self.assertNotIn(SECRET, logs.output[0])
            self.assertIn("***", logs.output[0])


class TestCostBucketWaits(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()

    def test_a_wait_for_the_query_cost_is_counted_on_the_shared_row(self):
        key = f"shopify-cost:{self.backend._retail_key()}"
        limiter = self.backend._shopify_client().cost_limiter
        self.assertEqual(limiter.wait_for(100), 0.0)
        limiter.observe(
            {"maximumAvailable": 1000, "currentlyAvailable": 0, "restoreRate": 50}
        )
        wait = limiter.wait_for(100)
        self.assertGreater(wait, 1.5)
        self.env.cr.execute(
            "SELECT tokens, waits, wait_seconds FROM retail_rate_bucket WHERE key = %s",
            (key,),
        )
        # the points are untouched, the wait is counted (retail_limiter_waits)
        self.assertEqual(self.env.cr.fetchone(), (0.0, 1.0, wait))

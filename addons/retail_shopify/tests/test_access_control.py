from pathlib import Path

from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase
from odoo.tools.misc import file_path

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services import errors

from .common import SHOP, TOKEN, ShopifyTestMixin


class TestRemoteActionsNeedWriteAccess(ShopifyTestMixin, TransactionCase):
    """A retail user reads the store but calls nothing on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shopify()
        cls.backend.export_products = True

    def setUp(self):
        super().setUp()
        self.setup_simulator()

    def test_user_actions_reach_nothing(self):
        as_user = self.backend.with_user(self.user)
        with trap_jobs() as trap:
            for action in (
                "action_test_connection",
                "action_reset_circuit",
                "action_register_webhooks",
                "action_export_products",
                "action_link_products",
                "action_import_locations",
            ):
                with self.subTest(action=action), self.assertRaises(AccessError):
                    getattr(as_user, action)()
            trap.assert_jobs_count(0)
        self.assertEqual(len(self.sim.calls), 0)

    def test_manager_tests_the_connection(self):
        action = self.backend.with_user(self.manager).action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(self.sim.calls)


class TestApiEndpoint(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shopify()

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.allow_simulator_endpoints", False
        )

    def test_only_the_shops_own_domain_over_https(self):
        for url in (
            "http://127.0.0.1:8999",
            "https://evil.example",
            f"http://{SHOP}",
            f"https://{SHOP}.evil.example",
        ):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.backend.api_endpoint = url
        self.backend.api_endpoint = f"https://{SHOP}"
        self.assertEqual(
            self.backend._shopify_client().url.split("/admin")[0], f"https://{SHOP}"
        )

    def test_a_refused_endpoint_is_never_called(self):
        self.env.cr.execute(
            "UPDATE shopify_backend SET api_endpoint = %s WHERE id = %s",
            ("http://169.254.169.254", self.backend.id),
        )
        self.backend.invalidate_recordset()
        with self.assertRaisesRegex(errors.PermanentError, "cannot be called"):
            self.backend._shopify_client()

    def test_only_system_administrators_change_the_endpoint(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.manager).write(
                {"api_endpoint": f"https://{SHOP}"}
            )


class TestDemoSecrets(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shopify()

    def test_demo_files_publish_no_secret(self):
        demo = Path(file_path("retail_shopify/demo"))
        published = [
            (path.name, node.get("name"))
            for path in sorted(demo.glob("*.xml"))
            for node in etree.parse(str(path)).iter("field")
            if node.get("name") in ("access_token", "client_secret")
            and (node.text or "").strip()
        ]
        self.assertEqual(published, [])

    def test_demo_secrets_are_made_per_database(self):
        self.backend._demo_generate_secrets()
        token, secret = self.backend.access_token, self.backend.client_secret
        self.assertTrue(token.startswith("shpat_"))
        self.assertGreaterEqual(len(secret), 32)
        self.assertNotIn(TOKEN, (token, secret))
        self.backend._demo_generate_secrets()
        self.assertNotEqual(self.backend.access_token, token)

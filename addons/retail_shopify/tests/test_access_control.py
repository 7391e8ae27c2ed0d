from odoo.exceptions import AccessError
from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ShopifyTestMixin


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
                "action_reconcile_orders",
            ):
                with self.subTest(action=action), self.assertRaises(AccessError):
                    getattr(as_user, action)()
            trap.assert_jobs_count(0)
        self.assertEqual(len(self.sim.calls), 0)

    def test_manager_tests_the_connection(self):
        action = self.backend.with_user(self.manager).action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(self.sim.calls)

from odoo.tests import TransactionCase

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ShopifyTestMixin


class TestProductLink(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        Product = cls.env["product.product"]
        cls.by_sku = Product.create(
            {"name": "Mug", "default_code": "MUG-STONE", "type": "consu"}
        )
        cls.by_barcode = Product.create(
            {"name": "Tote", "barcode": "0012345000017", "type": "consu"}
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.sim.add_product("Mug", variants=[{"sku": "MUG-STONE", "price": "14"}])
        self.sim.add_product(
            "Tote",
            variants=[{"sku": "TOTE-X", "barcode": "0012345000017", "price": "24"}],
        )
        self.sim.add_product("Apron", variants=[{"sku": "APRON-SND", "price": "39"}])

    def test_variants_linked_by_sku_then_barcode(self):
        with trap_jobs() as trap:
            gid = self.backend._shopify_link_products_start()
            trap.assert_jobs_count(1, only=self.backend._shopify_link_products_collect)
        self.assertEqual(self.backend.bulk_operation_gid, gid)
        # Shopify has not finished: the job waits without using its retries
        try:
            self.backend._shopify_link_products_collect(gid)
        except RetryableJobError as exc:
            self.assertTrue(exc.ignore_retry)
        else:
            self.fail("a running bulk operation must postpone the job")
        self.sim.complete_bulk_operations()
        message = self.backend._shopify_link_products_collect(gid)
        self.assertIn("2 Shopify variant(s) linked", message)
        Binding = self.env["shopify.product.variant"]
        self.assertEqual(
            set(
                Binding.search([("backend_id", "=", self.backend.id)]).mapped("odoo_id")
            ),
            {self.by_sku, self.by_barcode},
        )
        mug = Binding.search([("odoo_id", "=", self.by_sku.id)])
        self.assertTrue(
            mug.inventory_item_gid.startswith("gid://shopify/InventoryItem/")
        )
        self.assertTrue(mug.product_gid.startswith("gid://shopify/Product/"))
        self.assertEqual(self.by_sku.shopify_sync_state, "synced")
        self.assertIn("/products/", mug.admin_url)
        exc = self.Exception.search(
            [("flow", "=", "reconciliation"), ("category", "=", "mapping")]
        )
        self.assertIn("APRON-SND", exc.message)
        self.assertFalse(self.backend.bulk_operation_gid)

    def test_finish_webhook_collects_at_once(self):
        with trap_jobs():
            gid = self.backend._shopify_link_products_start()
        self.sim.complete_bulk_operations()
        event = self.deliver(
            "bulk_operations/finish",
            {"admin_graphql_api_id": gid, "status": "completed"},
            event_id="b1",
        )
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(
            self.env["shopify.product.variant"].search_count(
                [("backend_id", "=", self.backend.id)]
            ),
            2,
        )

    def test_an_export_collected_by_the_webhook_is_not_collected_again(self):
        with trap_jobs():
            gid = self.backend._shopify_link_products_start()
        self.sim.complete_bulk_operations()
        event = self.deliver(
            "bulk_operations/finish",
            {"admin_graphql_api_id": gid, "status": "completed"},
            event_id="b2",
        )
        event._process()
        calls = len(self.sim.calls)
        # the poll job comes after the webhook: nothing is read nor bound twice
        message = self.backend._shopify_link_products_collect(gid)
        self.assertIn("already collected", message)
        self.assertEqual(len(self.sim.calls), calls)
        self.assertEqual(
            self.env["shopify.product.variant"].search_count(
                [("backend_id", "=", self.backend.id)]
            ),
            2,
        )

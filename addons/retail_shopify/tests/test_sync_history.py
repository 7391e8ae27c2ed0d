"""The sync history of a product published to Shopify."""

from odoo.tests import TransactionCase

from odoo.addons.retail_connector_base.services import correlation

from .common import ShopifyTestMixin


class TestProductSyncHistory(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.backend.export_products = True
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.tote = cls.env["product.template"].create(
            {
                "name": "Canvas tote",
                "default_code": "TOTE-CNV",
                "list_price": 18.5,
                "type": "consu",
                "is_storable": True,
            }
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        location = self.sim.add_location("Main warehouse")
        self.backend.location_ids = [
            (
                0,
                0,
                {
                    "name": "Main warehouse",
                    "external_id": location,
                    "warehouse_id": self.warehouse.id,
                },
            )
        ]

    def test_the_export_of_a_product_is_in_its_history(self):
        self.tote.shopify_backend_ids = [(4, self.backend.id)]
        with correlation.scope() as trace:
            self.backend._retail_export_job("products")
        binding = self.env["shopify.product.template"].search(
            [("backend_id", "=", self.backend.id), ("odoo_id", "=", self.tote.id)]
        )
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.sync_correlation_id, trace.correlation_id)
        calls = self.env["retail.remote.call"].search(
            [("correlation_id", "=", trace.correlation_id)]
        )
        product_set = calls.filtered(lambda c: c.operation == "ProductSet")
        self.assertEqual(len(product_set), 1)
        self.assertEqual(product_set.record_ref, self.tote)
        # Shopify takes no request id: none is sent, its own is journaled
        self.assertEqual(set(self.sim.request_ids), {None})
        variant = self.tote.product_variant_id
        for record in (variant, self.tote):
            items = self.env["retail.sync.history"]._retail_sync_history(record)
            self.assertIn(
                ("call", "ProductSet", trace.correlation_id),
                {
                    (
                        item["kind"],
                        item["summary"].split(":")[0],
                        item["correlation_id"],
                    )
                    for item in items
                },
                record,
            )

    def test_the_sale_order_form_shows_the_button(self):
        arch = self.env["sale.order"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="action_retail_sync_history"', arch)

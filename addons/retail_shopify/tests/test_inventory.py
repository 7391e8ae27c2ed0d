from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ShopifyTestMixin


class TestInventoryPush(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        Product = cls.env["product.product"]
        cls.mug = Product.create(
            {
                "name": "Mug",
                "default_code": "MUG-STONE",
                "type": "consu",
                "is_storable": True,
            }
        )
        cls.tote = Product.create(
            {
                "name": "Tote",
                "default_code": "TOTE-NAT",
                "type": "consu",
                "is_storable": True,
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.sim_location = self.sim.add_location("Main warehouse")
        self.backend.write(
            {
                "location_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Main warehouse",
                            "external_id": self.sim_location,
                            "warehouse_id": self.warehouse.id,
                        },
                    )
                ]
            }
        )
        self.sim.add_product("Mug", variants=[{"sku": "MUG-STONE", "price": "14"}])
        self.sim.add_product("Tote", variants=[{"sku": "TOTE-NAT", "price": "24"}])
        with trap_jobs():
            gid = self.backend._shopify_link_products_start()
        self.sim.complete_bulk_operations()
        self.backend._shopify_link_products_collect(gid)
        self.sim.set_available("MUG-STONE", self.sim_location, 1)
        self.sim.set_available("TOTE-NAT", self.sim_location, 1)

    def set_stock(self, product, quantity):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "inventory_quantity": quantity,
            }
        ).action_apply_inventory()

    def sets(self):
        return [c for c in self.sim.calls if c.operation == "InventorySetQuantities"]

    def test_stock_changes_reach_shopify_in_one_batch(self):
        with trap_jobs() as trap:
            self.set_stock(self.mug, 7)
            self.set_stock(self.tote, 4)
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        self.backend._retail_export_job("inventory")
        self.assertEqual(self.sim.available("MUG-STONE", self.sim_location), 7)
        self.assertEqual(self.sim.available("TOTE-NAT", self.sim_location), 4)
        self.assertEqual(len(self.sets()), 1)
        quantities = self.sets()[0].variables["input"]["quantities"]
        self.assertEqual({q["changeFromQuantity"] for q in quantities}, {1})
        levels = self.env["shopify.inventory.level"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertFalse(any(levels.mapped("dirty")))

    def test_reserved_stock_is_not_promised(self):
        self.set_stock(self.mug, 5)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env.user.partner_id.id,
                "order_line": [
                    (0, 0, {"product_id": self.mug.id, "product_uom_qty": 2})
                ],
            }
        )
        order.action_confirm()  # reserves 2
        self.backend._retail_export_job("inventory")
        self.assertEqual(self.sim.available("MUG-STONE", self.sim_location), 3)

    def test_stale_compare_rereads_and_retries(self):
        self.set_stock(self.mug, 7)
        self.backend._retail_export_job("inventory")
        # someone edits the quantity in the Shopify admin meanwhile
        self.sim.set_available("MUG-STONE", self.sim_location, 2)
        self.set_stock(self.mug, 9)
        self.backend._retail_export_job("inventory")
        self.assertEqual(self.sim.available("MUG-STONE", self.sim_location), 9)
        # first push (from 1), the stale attempt (from 7), the retry (from 2)
        sent_from = [
            c.variables["input"]["quantities"][0]["changeFromQuantity"]
            for c in self.sets()
        ]
        self.assertEqual(sent_from[-2:], [7, 2])

    def test_echo_webhook_is_ignored_and_foreign_change_republished(self):
        self.set_stock(self.mug, 7)
        self.backend._retail_export_job("inventory")
        level = self.env["shopify.inventory.level"].search(
            [("variant_binding_id.odoo_id", "=", self.mug.id)]
        )
        item = level.variant_binding_id.inventory_item_gid.rsplit("/", 1)[-1]
        location = self.sim_location.rsplit("/", 1)[-1]
        echo = self.deliver(
            "inventory_levels/update",
            {
                "inventory_item_id": int(item),
                "location_id": int(location),
                "available": 7,
            },
            event_id="i1",
        )
        echo._process()
        self.assertEqual(echo.state, "ignored")
        self.assertIn("Echo", echo.reason)
        with trap_jobs() as trap:
            foreign = self.deliver(
                "inventory_levels/update",
                {
                    "inventory_item_id": int(item),
                    "location_id": int(location),
                    "available": 3,
                },
                event_id="i2",
            )
            foreign._process()
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        self.assertEqual(foreign.state, "done")
        self.assertTrue(level.dirty)
        self.assertEqual(level.remote_quantity, 3)


class TestInitialPublication(ShopifyTestMixin, TransactionCase):
    """Linking a variant or mapping a warehouse publishes the stock at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.mug = cls.env["product.product"].create(
            {
                "name": "Mug",
                "default_code": "MUG-STONE",
                "type": "consu",
                "is_storable": True,
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": cls.mug.id,
                "location_id": cls.warehouse.lot_stock_id.id,
                "inventory_quantity": 12,
            }
        ).action_apply_inventory()

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.sim_location = self.sim.add_location("Main warehouse")
        self.sim.add_product("Mug", variants=[{"sku": "MUG-STONE", "price": "14"}])
        self.sim.set_available("MUG-STONE", self.sim_location, 3)

    def link(self):
        with trap_jobs():
            gid = self.backend._shopify_link_products_start()
        self.sim.complete_bulk_operations()
        with trap_jobs() as trap:
            self.backend._shopify_link_products_collect(gid)
        return trap

    def map_location(self, warehouse):
        with trap_jobs() as trap:
            self.backend.write(
                {
                    "location_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Main warehouse",
                                "external_id": self.sim_location,
                                "warehouse_id": warehouse.id,
                            },
                        )
                    ]
                }
            )
        return trap

    def test_linked_variant_publishes_its_stock(self):
        self.map_location(self.warehouse)
        trap = self.link()
        trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        trap.perform_enqueued_jobs()
        self.assertEqual(self.sim.available("MUG-STONE", self.sim_location), 12)

    def test_mapping_a_warehouse_publishes_its_stock(self):
        self.link()
        location = self.map_location(self.env["stock.warehouse"])  # not mapped yet
        location.assert_jobs_count(0, only=self.backend._retail_export_job)
        with trap_jobs() as trap:
            self.backend.location_ids.warehouse_id = self.warehouse
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sim.available("MUG-STONE", self.sim_location), 12)

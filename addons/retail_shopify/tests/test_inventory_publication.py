"""The base's stock publication (level and location mixins, marks, the
stock.move hook) as Shopify uses it."""

from unittest.mock import patch

from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs

from ..models import shopify_backend_inventory
from .common import ShopifyTestMixin


class TestStockPublication(ShopifyTestMixin, TransactionCase):
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
        cls.Level = cls.env["shopify.inventory.level"]
        cls.Mark = cls.env["retail.stock.mark"]

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.sim_location = self.sim.add_location("Main warehouse")
        self.sim.add_product("Mug", variants=[{"sku": "MUG-STONE", "price": "14"}])
        self.sim.add_product("Tote", variants=[{"sku": "TOTE-NAT", "price": "24"}])
        with trap_jobs():
            self.location = self.env["shopify.location"].create(
                {
                    "backend_id": self.backend.id,
                    "name": "Main warehouse",
                    "external_id": self.sim_location,
                    "warehouse_id": self.warehouse.id,
                }
            )
            gid = self.backend._shopify_link_products_start()
            self.sim.complete_bulk_operations()
            self.backend._shopify_link_products_collect(gid)
        self.sim.set_available("MUG-STONE", self.sim_location, 1)
        self.sim.set_available("TOTE-NAT", self.sim_location, 1)
        # what linking marked is sent: every test starts with nothing to send
        self.backend._retail_export_job("inventory")
        self.assertFalse(self.dirty_levels())

    def set_stock(self, product, quantity):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "inventory_quantity": quantity,
            }
        ).action_apply_inventory()

    def dirty_levels(self, dirty=True):
        return self.Level.search(
            [("backend_id", "=", self.backend.id), ("dirty", "=", dirty)]
        )

    def level(self, product):
        return self.Level.search([("variant_binding_id.odoo_id", "=", product.id)])

    def sets(self):
        return [c for c in self.sim.calls if c.operation == "InventorySetQuantities"]

    # ------------------------------------------------------------------
    # the stock.move hook reaches every level model
    # ------------------------------------------------------------------
    def test_shopify_levels_are_among_the_published_stock_models(self):
        names = [
            Level._name
            for Level in self.env["retail.stock.level.mixin"]._retail_stock_models()
        ]
        self.assertIn("shopify.inventory.level", names)
        self.assertNotIn("retail.stock.level.mixin", names)

    def test_a_stock_move_tells_the_level_model_which_products_moved(self):
        seen = []
        original = type(self.Level)._retail_stock_changed

        def spy(model, products, backends=None):
            seen.append(products)
            return original(model, products, backends=backends)

        with patch.object(type(self.Level), "_retail_stock_changed", spy):
            self.set_stock(self.mug, 4)
        self.assertTrue(seen)
        self.assertEqual(seen[-1], self.mug)
        self.assertTrue(self.level(self.mug).dirty)
        self.assertFalse(self.level(self.tote).dirty)

    # ------------------------------------------------------------------
    # one insert-only mark table for every connector
    # ------------------------------------------------------------------
    def test_marks_name_their_level_model(self):
        level = self.level(self.mug)
        # a change of another connector's level with the same id
        self.Mark.create(
            {"level_model": "other.stock.level", "level_id": level.id, "backend_id": 1}
        )
        self.assertFalse(level.dirty)
        self.assertFalse(self.dirty_levels())
        level._retail_mark_to_send()
        self.assertTrue(level.dirty)
        self.assertEqual(self.dirty_levels(), level)
        self.assertNotIn(level, self.dirty_levels(False))
        mark = self.Mark.search([("level_model", "=", self.Level._name)])
        self.assertEqual((mark.level_id, mark.backend_id), (level.id, self.backend.id))
        self.backend._retail_export_job("inventory")
        # the export removes its own marks only
        self.assertFalse(self.Mark.search([("level_model", "=", self.Level._name)]))
        self.assertEqual(
            self.Mark.search([("level_model", "=", "other.stock.level")]).level_id,
            level.id,
        )

    def test_marks_of_deleted_levels_are_dropped(self):
        level = self.level(self.mug)
        level._retail_mark_to_send()
        level_id = level.id
        level.unlink()
        calls = len(self.sets())
        self.backend._retail_export_job("inventory")
        self.assertEqual(len(self.sets()), calls)
        self.assertFalse(
            self.Mark.search(
                [("level_model", "=", self.Level._name), ("level_id", "=", level_id)]
            )
        )

    def test_a_full_batch_queues_the_next_one(self):
        self.set_stock(self.mug, 7)
        self.set_stock(self.tote, 4)
        with (
            patch.object(shopify_backend_inventory, "INVENTORY_BATCH", 1),
            trap_jobs() as trap,
        ):
            result = self.backend._retail_export_job("inventory")
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        self.assertIn("1 stock levels sent", result)
        # the first change is sent first
        self.assertFalse(self.level(self.mug).dirty)
        self.assertTrue(self.level(self.tote).dirty)
        self.assertEqual(self.sim.available("MUG-STONE", self.sim_location), 7)
        self.backend._retail_export_job("inventory")
        self.assertEqual(self.sim.available("TOTE-NAT", self.sim_location), 4)

    def test_changes_can_be_limited_to_some_backends(self):
        Backend = self.env["shopify.backend"]
        self.assertFalse(self.Level._retail_stock_changed(self.mug, backends=Backend))
        self.assertFalse(self.level(self.mug).dirty)
        self.assertEqual(
            self.Level._retail_stock_changed(self.mug, backends=self.backend),
            self.level(self.mug),
        )
        self.assertTrue(self.level(self.mug).dirty)

    # ------------------------------------------------------------------
    # location mixin
    # ------------------------------------------------------------------
    def test_levels_exist_at_mapped_active_locations_only(self):
        Location = self.env["shopify.location"]
        with trap_jobs() as trap:
            unmapped = Location.create(
                {
                    "backend_id": self.backend.id,
                    "name": "Pop-up store",
                    "external_id": self.sim.add_location("Pop-up store"),
                }
            )
            archived = Location.create(
                {
                    "backend_id": self.backend.id,
                    "name": "Old depot",
                    "external_id": self.sim.add_location("Old depot"),
                    "warehouse_id": self.warehouse.id,
                    "active": False,
                }
            )
            trap.assert_jobs_count(0, only=self.backend._retail_export_job)
            self.set_stock(self.mug, 5)
        levels = self.level(self.mug)
        self.assertEqual(levels.location_id, self.location)
        self.assertEqual(levels.company_id, self.backend.company_id)
        self.assertEqual(unmapped.company_id, self.backend.company_id)
        # the old depot is opened again: its stock is published at once
        with trap_jobs() as trap:
            archived.active = True
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        at_depot = self.level(self.mug).filtered(
            lambda lvl: lvl.location_id == archived
        )
        self.assertTrue(at_depot.dirty)
        self.assertEqual(at_depot._odoo_quantity(), 5)
        self.assertFalse(
            self.level(self.mug).filtered(lambda lvl: lvl.location_id == unmapped)
        )

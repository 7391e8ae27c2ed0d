from unittest.mock import patch

from odoo.tests import TransactionCase


class TestStockMoveHook(TransactionCase):
    """Stock moved, reserved or unreserved: the connectors are told which
    products (through ``retail.stock.level.mixin``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Crate", "type": "consu", "is_storable": True}
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )

    def setUp(self):
        super().setUp()
        self.notified = []
        Mixin = type(self.env["retail.stock.level.mixin"])

        def notify(model, products):
            self.notified.append(products)

        patcher = patch.object(Mixin, "_retail_stock_notify", notify)
        patcher.start()
        self.addCleanup(patcher.stop)

    def moved(self):
        products = self.env["product.product"]
        for batch in self.notified:
            products |= batch
        self.notified.clear()
        return products

    def test_done_assign_and_unreserve_notify_the_products(self):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.product.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "inventory_quantity": 10,
            }
        ).action_apply_inventory()
        self.assertEqual(self.moved(), self.product)

        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 3,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        self.moved()
        picking.action_assign()
        self.assertEqual(self.moved(), self.product)
        picking.do_unreserve()
        self.assertEqual(self.moved(), self.product)


class TestStockNotify(TransactionCase):
    """Every level model of every connector gets the products that moved."""

    def test_each_level_model_is_told(self):
        calls = []

        class Level:
            def __init__(self, name):
                self.name = name

            def _retail_stock_changed(self, products):
                calls.append((self.name, products))

        Mixin = self.env["retail.stock.level.mixin"]
        product = self.env["product.product"].create({"name": "Crate"})
        models = [Level("first.level"), Level("second.level")]
        with patch.object(type(Mixin), "_retail_stock_models", lambda self: models):
            Mixin._retail_stock_notify(product)
            self.assertEqual(
                calls, [("first.level", product), ("second.level", product)]
            )
            calls.clear()
            Mixin._retail_stock_notify(product.browse())
            self.assertFalse(calls)

from .common import ThreeplTestCase


class TestReturns(ThreeplTestCase):
    def setUp(self):
        super().setUp()
        self.tote = self.product("TOTE", qty=10)
        self.honey = self.product("HONEY", tracking="lot", lots={"H1": 5})
        self.order = self.send(lines=[(self.tote, 3), (self.honey, 2)])
        self.delivery_picking = self.order.odoo_id
        ref = self.line_ref(self.delivery_picking, self.honey)
        self.sim.ship(
            self.order.external_id,
            [
                {
                    "lines": [
                        {
                            "line_ref": self.line_ref(self.delivery_picking, self.tote),
                            "qty": 3,
                        },
                        {"line_ref": ref, "qty": 2, "lots": [{"lot": "H1", "qty": 2}]},
                    ]
                }
            ],
        )
        self.receive()
        self.assertEqual(self.delivery_picking.state, "done")

    def returned(self, lines, rma="RMA-1"):
        self.sim.send_message(
            "return.received",
            {"rma_ref": rma, "order_ref": self.order.external_id, "lines": lines},
        )
        (event,) = self.receive()
        return event

    def qty(self, product):
        return product.with_context(warehouse_id=self.warehouse.id).qty_available

    def test_sellable_units_come_back_damaged_ones_are_scrapped(self):
        event = self.returned(
            [
                {"sku": "TOTE", "qty": 2, "condition": "sellable"},
                {"sku": "TOTE", "qty": 1, "condition": "damaged"},
                {
                    "sku": "HONEY",
                    "qty": 1,
                    "condition": "damaged",
                    "lots": [{"lot": "H1", "qty": 1}],
                },
            ]
        )
        self.assertEqual(event.state, "done", event.error)
        record = self.env["retail.3pl.return"].browse(event.result_id)
        returns = record.picking_ids
        self.assertEqual(len(returns), 1)
        self.assertEqual(returns.return_id, self.delivery_picking)
        self.assertEqual(returns.state, "done")
        self.assertEqual(
            sorted(
                (m.product_id.default_code, m.quantity, bool(m.scrap_id))
                for m in returns.move_ids
            ),
            [
                ("HONEY", 1, False),
                ("HONEY", 1, True),
                ("TOTE", 1, True),
                ("TOTE", 3, False),
            ],
        )
        self.assertEqual(len(record.scrap_ids), 2)
        self.assertEqual(set(record.scrap_ids.mapped("state")), {"done"})
        self.assertEqual(self.qty(self.tote), 7 + 2)  # 10 - 3 shipped + 2 sellable
        self.assertEqual(self.qty(self.honey), 3)  # 5 - 2 + 1 - 1 scrapped
        # the goods are at the provider already: nothing was announced
        self.assertFalse(self.sim.calls.where(operation="receipt.create"))
        self.assertFalse(self.order_of(returns).filtered(lambda o: o.kind == "receipt"))

    def test_a_return_is_applied_once(self):
        self.returned([{"sku": "TOTE", "qty": 1, "condition": "sellable"}])
        again = self.returned([{"sku": "TOTE", "qty": 1, "condition": "sellable"}])
        self.assertEqual(again.state, "ignored")
        self.assertEqual(self.qty(self.tote), 8)

    def test_more_than_shipped_is_an_exception(self):
        event = self.returned([{"sku": "TOTE", "qty": 4, "condition": "sellable"}])
        self.assertEqual(event.state, "failed")
        self.assertIn("more than was shipped: 1 x TOTE", event.error)
        self.assertFalse(self.env["retail.3pl.return"].search([]))
        self.assertEqual(self.qty(self.tote), 7)

    def test_lot_tracked_return_needs_its_lot(self):
        event = self.returned([{"sku": "HONEY", "qty": 1, "condition": "sellable"}])
        self.assertEqual(event.state, "failed")
        self.assertIn("tracked by lot", event.error)

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ThreeplTestCase


class TestReceipts(ThreeplTestCase):
    def setUp(self):
        super().setUp()
        self.tote = self.product("TOTE", qty=0)
        self.honey = self.product("HONEY", qty=0, tracking="lot")

    def announce(self, *lines):
        with trap_jobs() as trap:
            picking = self.receipt(*lines)
            trap.perform_enqueued_jobs()
        return self.order_of(picking)

    def confirm(self, order, lines, final=True):
        self.sim.send_message(
            "receipt.confirmed",
            {"receipt_ref": order.external_id, "final": final, "lines": lines},
        )
        return self.receive()

    def line(self, order, product, qty, lots=()):
        return {
            "line_ref": self.line_ref(order.picking_ids.sorted("id")[:1], product),
            "sku": product.default_code,
            "qty": qty,
            "lots": list(lots),
        }

    def test_receipt_is_announced_once(self):
        order = self.announce((self.tote, 10))
        self.assertEqual(order.kind, "receipt")
        self.assertEqual(order.remote_state, "accepted")
        notice = self.sim.receipts[order.external_id]
        self.assertEqual(notice["po_ref"], "PO0001")
        self.assertEqual(notice["warehouse_code"], "TPL")
        self.assertEqual(
            [(line["sku"], line["qty"]) for line in notice["lines"]], [("TOTE", 10.0)]
        )
        self.assertEqual(order._threepl_job("send"), "Already accepted: nothing sent.")
        self.assertEqual(len(self.sim.calls.where(operation="receipt.create")), 1)

    def test_confirmation_validates_the_receipt_with_lots(self):
        order = self.announce((self.tote, 10), (self.honey, 4))
        picking = order.odoo_id
        (event,) = self.confirm(
            order,
            [
                self.line(order, self.tote, 10),
                self.line(
                    order,
                    self.honey,
                    4,
                    [
                        {"lot": "H1", "qty": 3, "expiry": "2027-06-30"},
                        {"lot": "H2", "qty": 1},
                    ],
                ),
            ],
        )
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.remote_state, "shipped")
        self.assertEqual(
            sorted(
                (ml.product_id.default_code, ml.lot_id.name or "", ml.quantity)
                for ml in picking.move_line_ids
            ),
            [("HONEY", "H1", 3), ("HONEY", "H2", 1), ("TOTE", "", 10)],
        )
        self.assertEqual(
            self.tote.with_context(warehouse_id=self.warehouse.id).qty_available, 10
        )

    def test_partial_confirmations_then_the_rest(self):
        order = self.announce((self.tote, 10))
        picking = order.odoo_id
        self.confirm(order, [self.line(order, self.tote, 6)], final=False)
        backorder = picking.backorder_ids
        self.assertEqual(backorder.move_ids.product_uom_qty, 4)
        self.assertEqual(order.odoo_id, backorder)
        self.assertEqual(order.remote_state, "partial")
        self.assertFalse(self.backend._retail_open_exceptions())
        # the backorder is the rest of the same notice: not announced again
        self.assertEqual(len(self.sim.calls.where(operation="receipt.create")), 1)
        self.confirm(order, [self.line(order, self.tote, 4)], final=True)
        self.assertEqual(backorder.state, "done")
        self.assertEqual(order.remote_state, "shipped")

    def test_under_delivery_is_an_exception(self):
        order = self.announce((self.tote, 10))
        picking = order.odoo_id
        self.confirm(order, [self.line(order, self.tote, 7)], final=True)
        self.assertEqual(picking.state, "done")
        backorder = picking.backorder_ids
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(len(exc), 1)
        self.assertIn("Under-delivery", exc.message)
        self.assertIn("3 x TOTE", exc.message)
        self.assertEqual(exc.res_id, backorder.id)
        self.assertIn("supplier", exc.hint)

    def test_over_delivery_is_an_exception_and_nothing_is_received(self):
        order = self.announce((self.tote, 10))
        picking = order.odoo_id
        (event,) = self.confirm(order, [self.line(order, self.tote, 12)])
        self.assertEqual(event.state, "failed")
        self.assertIn("Over-delivery", event.error)
        self.assertIn("received 12 x TOTE, but only 10 are open", event.error)
        self.assertIn("supplier", event.exception_ids.hint)
        self.assertNotEqual(picking.state, "done")
        self.assertEqual(self.tote.qty_available, 0)

    def test_lot_tracked_without_lot_is_refused(self):
        order = self.announce((self.honey, 2))
        (event,) = self.confirm(order, [self.line(order, self.honey, 2)])
        self.assertEqual(event.state, "failed")
        self.assertIn("tracked by lot", event.error)

    def test_receipt_ref_given_for_a_delivery_is_refused(self):
        stocked = self.product("MUG")
        delivery = self.send(lines=[(stocked, 1)])
        self.sim.send_message(
            "receipt.confirmed",
            {
                "receipt_ref": delivery.external_id,
                "final": True,
                "lines": [{"line_ref": "1", "sku": "MUG", "qty": 1}],
            },
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "failed")
        self.assertIn("is a delivery, not a receipt", event.error)

    def test_cancelled_receipt_before_sending_sends_nothing(self):
        with trap_jobs() as trap:
            picking = self.receipt((self.tote, 5))
            picking.action_cancel()
            trap.perform_enqueued_jobs()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(self.order_of(picking).remote_state, "cancelled")
        self.assertFalse(self.sim.calls)

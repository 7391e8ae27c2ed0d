"""A day of trade from three tills, end to end over HTTP: an offline burst
out of order, a duplicate batch, a return, a product Odoo did not know, then
the cash-ups close the session."""

from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..simulator.tills import TillSimulator
from .common import DAY, PosHttpCase


@tagged("post_install", "-at_install")
class TestDayOfTrade(PosHttpCase):
    def setUp(self):
        super().setUp()
        self.mug = self.make_product("MUG-WHT", "Mug white", price=8.0)
        self.env["stock.quant"]._update_available_quantity(
            self.mug, self.stock_location, 100
        )
        self.sim = TillSimulator(
            self.store.code,
            self.key,
            base_url=self.base_url(),
            products={
                "TOTE-BLK": ("12.50", "VAT20"),
                "MUG-WHT": ("8.00", "VAT20"),
                "SCARF-RED": ("19.90", "VAT20"),
            },
            terminals=("T1", "T2", "T3"),
            skews={"T3": 240},
            batch_size=2,
        )

    def deliver(self):
        with trap_jobs():
            delivered = self.sim.deliver(session=self.opener, force=True)
        self.assertEqual(self.sim.outbox, [], self.sim.deliveries[-3:])
        self.env.invalidate_all()
        return delivered

    def process_all(self):
        """Process what is queued, as the job runner would, until nothing is."""
        for _round in range(5):
            pending = self.Event.search(
                [
                    ("backend_model", "=", self.store._name),
                    ("backend_id", "=", self.store.id),
                    ("state", "in", ("received", "queued")),
                ],
                order="id",
            )
            if not pending:
                return
            for event in pending:
                event._process()

    def trade(self):
        """The sales of the day: T3 offline, a return on T1."""
        sim = self.sim
        sim.sell("T1", [("TOTE-BLK", 2)], tendered="30")
        sim.sell("T1", [("MUG-WHT", 1), ("TOTE-BLK", 1)], method="CARD")
        sim.sell("T2", [("MUG-WHT", 3)], method="CARD")
        sim.sell("T2", [("SCARF-RED", 1)], tendered="20")  # unknown in Odoo
        sim.go_offline("T3")
        sim.sell("T3", [("TOTE-BLK", 1)])
        sim.sell("T3", [("MUG-WHT", 2)], method="CARD")
        sim.sell("T3", [("TOTE-BLK", 3)], tendered="40")
        sim.sell("T3", [("MUG-WHT", 1)])
        sim.sell("T3", [("TOTE-BLK", 1), ("MUG-WHT", 1)], method="CARD")
        sim.sell_return("T1", "T1-000001", 1, 1)

    def test_a_day_of_trade(self):
        sim = self.sim
        self.trade()
        sim.resend_last_batch()
        sim.go_online("T3", shuffle=True)
        self.deliver()
        # 5 batches online (one per sale), the last one again, 3 in the burst
        posted = [d for d in sim.deliveries if d.topic == "tickets"]
        self.assertEqual([d.status for d in posted], [200] * 9)
        batches = self.Event.search(
            [("backend_id", "=", self.store.id), ("topic", "=", "pos/tickets")]
        )
        self.assertEqual(len(batches), 8)
        self.assertEqual(sum(batches.mapped("duplicate_count")), 1)
        self.process_all()

        held = self.ticket_event("T2-000002")
        self.assertEqual(held.state, "failed")
        self.assertIn("SCARF-RED", held.exception_ids.message)
        scarf = self.make_product("SCARF-RED", "Scarf red", price=19.9)
        self.env["stock.quant"]._update_available_quantity(
            scarf, self.stock_location, 10
        )
        self.process_all()
        self.assertEqual(held.state, "done", held.error)

        for terminal in ("T1", "T2", "T3"):
            sim.cashup(terminal)
        self.deliver()
        self.process_all()

        self.assert_books(sim.expected(), scarf)

    def assert_books(self, expected, scarf):
        """Exactly the tickets, paid, the stock moved, the session closed."""
        orders = self.env["pos.order"].search(
            [("config_id", "=", self.store.pos_config_id.id)]
        )
        self.assertEqual(
            set(orders.mapped("retail_pos_ticket_id")), expected["tickets"]
        )
        self.assertEqual(len(orders), len(expected["tickets"]))
        self.assertEqual(set(orders.mapped("state")), {"done"})
        session = orders.session_id
        self.assertEqual(len(session), 1)
        self.assertEqual(session.state, "closed")
        self.assertEqual(str(session.retail_business_date), DAY)
        move = session.move_id
        self.assertEqual(move.state, "posted")
        self.assertAlmostEqual(
            sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit"))
        )
        for product, start in ((self.product, 100), (self.mug, 100), (scarf, 10)):
            sold = expected["quantities"][product.default_code]
            on_hand = product.with_context(
                location=self.stock_location.id
            ).qty_available
            self.assertEqual(Decimal(str(on_hand)), start - sold, product.default_code)
        by_method = {}
        codes = {r.payment_method_id: r.code for r in self.store.payment_mapping_ids}
        for payment in orders.payment_ids:
            code = codes[payment.payment_method_id]
            by_method[code] = by_method.get(code, Decimal(0)) + Decimal(
                str(payment.amount)
            ).quantize(Decimal("0.01"))
        self.assertEqual(by_method, expected["totals"])
        cashups = self.Event.search(
            [("backend_id", "=", self.store.id), ("topic", "=", "pos/cashup")]
        )
        self.assertEqual(set(cashups.mapped("state")), {"done"})
        self.assertFalse(self.store._retail_open_exceptions())
        self.assertAlmostEqual(session.cash_register_difference, 0.0)

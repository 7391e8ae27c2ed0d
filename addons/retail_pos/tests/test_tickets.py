"""A ticket event becomes a paid point of sale order."""

import datetime

from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..models.retail_pos_store_tickets import ticket_uuid
from .common import PosTestCase


class TicketCase(PosTestCase):
    def order_of(self, ticket_id):
        return self.env["pos.order"].search([("retail_pos_ticket_id", "=", ticket_id)])

    def process(self, *tickets):
        return self.import_tickets(*tickets)

    def close_session(self, session):
        cash = sum(
            session.order_ids.payment_ids.filtered(
                lambda p: p.payment_method_id.is_cash_count
            ).mapped("amount")
        )
        session.post_closing_cash_details(cash)
        result = session.close_session_from_ui()
        self.assertTrue(result["successful"], result)
        self.assertEqual(session.state, "closed")


class TestSale(TicketCase):
    def test_a_ticket_becomes_a_paid_order(self):
        event = self.process(self.ticket())
        self.assertEqual(event.state, "done", event.error)
        order = self.order_of("T1-000001")
        self.assertEqual(event.result_ref, order)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.uuid, ticket_uuid(self.store.id, "T1-000001"))
        self.assertAlmostEqual(order.amount_total, 25.0)
        self.assertAlmostEqual(order.amount_tax, 4.17)
        self.assertAlmostEqual(order.amount_paid, 25.0)
        line = order.lines
        self.assertEqual(line.product_id, self.product)
        self.assertEqual(line.qty, 2)
        self.assertEqual(line.tax_ids, self.tax)
        self.assertAlmostEqual(line.price_subtotal, 20.83)
        self.assertEqual(order.payment_ids.payment_method_id, self.cash_method)
        self.assertEqual(
            order.date_order, datetime.datetime(2026, 12, 1, 9, 15)
        )  # 10:15+01:00 in UTC
        self.assertEqual(
            (order.retail_pos_terminal, order.retail_pos_number), ("T1", 1)
        )
        session = order.session_id
        self.assertEqual(session.retail_pos_store_id, self.store)
        self.assertEqual(session.retail_business_date, datetime.date(2026, 12, 1))
        self.assertEqual(session.config_id, self.store.pos_config_id)
        self.assertEqual(session.state, "opened")
        self.assertFalse(order.retail_pos_note)

    def test_stock_leaves_the_store_warehouse(self):
        self.process(self.ticket())
        picking = self.order_of("T1-000001").picking_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.location_id, self.stock_location)
        self.assertEqual(
            self.product.with_context(location=self.stock_location.id).qty_available, 98
        )

    def test_a_ticket_processed_again_finds_its_order(self):
        event = self.process(self.ticket())
        order = self.order_of("T1-000001")
        event._requeue()
        event._process()
        self.assertEqual(event.state, "ignored")
        self.assertIn(order.name, event.reason)
        self.assertEqual(self.order_of("T1-000001"), order)
        self.assertEqual(
            self.env["pos.order"].search_count([("uuid", "=", order.uuid)]), 1
        )

    def test_change_discount_and_mixed_payments(self):
        ticket = self.ticket(
            lines=(("TOTE-BLK", "2", "12.50"),),
            payments=(("CARD", "10.00"), ("CASH", "20.00")),
            change="7.50",
        )
        ticket["lines"][0]["discount"] = "10.00"
        ticket["total"] = "22.50"
        event = self.process(ticket)
        self.assertEqual(event.state, "done", event.error)
        order = self.order_of("T1-000001")
        self.assertAlmostEqual(order.amount_total, 22.5)
        self.assertAlmostEqual(order.amount_paid, 22.5)
        self.assertAlmostEqual(order.amount_return, 7.5)
        by_method = {p.payment_method_id: p.amount for p in order.payment_ids}
        self.assertAlmostEqual(by_method[self.card_method], 10.0)
        self.assertAlmostEqual(
            sum(
                p.amount
                for p in order.payment_ids
                if p.payment_method_id == self.cash_method
            ),
            12.5,
        )

    def test_a_product_found_by_barcode(self):
        ticket = self.ticket()
        del ticket["lines"][0]["sku"]
        ticket["lines"][0]["barcode"] = "4006381333931"
        self.assertEqual(self.process(ticket).state, "done")
        self.assertEqual(self.order_of("T1-000001").lines.product_id, self.product)

    def test_a_total_odoo_does_not_compute_is_an_exception(self):
        ticket = self.ticket(payments=(("CASH", "25.01"),))
        ticket["total"] = "25.01"
        event = self.process(ticket)
        self.assertEqual(event.state, "failed")
        self.assertFalse(self.order_of("T1-000001"))
        exception = event.exception_ids
        self.assertIn("Ticket T1-000001", exception.message)
        self.assertIn("25.00", exception.message)
        self.assertIn("25.01", exception.message)
        self.assertFalse(event.wait_ids)

    def test_cash_rounding_within_the_store_rounding(self):
        account = self.store.pos_config_id.journal_id.default_account_id
        rounding = self.env["account.cash.rounding"].create(
            {
                "name": "0.05",
                "rounding": 0.05,
                "rounding_method": "HALF-UP",
                "profit_account_id": account.id,
                "loss_account_id": account.id,
            }
        )
        self.store.write({"cash_rounding": True, "rounding_method_id": rounding.id})
        self.product.list_price = 12.49
        ticket = self.ticket(
            lines=(("TOTE-BLK", "1", "12.49"),), payments=(("CASH", "12.50"),)
        )
        ticket["total"] = "12.50"
        event = self.process(ticket)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.order_of("T1-000001").state, "paid")

    def test_payment_methods_cannot_change_while_a_session_is_open(self):
        self.process(self.ticket())
        with self.assertRaises(UserError):
            self.store.payment_mapping_ids.filtered(lambda r: r.code == "CARD").unlink()


class TestHeldTickets(TicketCase):
    def test_unknown_sku_is_held_then_released(self):
        event = self.process(self.ticket(lines=(("MUG-WHT", "1", "8.00"),)))
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.wait_ids.mapped("key"), ["product:sku:MUG-WHT"])
        self.assertIn("Internal Reference MUG-WHT", event.exception_ids.message)
        self.assertIn("T1-000001", event.exception_ids.message)
        self.make_product("MUG-WHT", "Mug white", price=8.0)
        self.assertEqual(event.state, "queued")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.exception_ids.state, "resolved")
        self.assertEqual(
            self.order_of("T1-000001").lines.product_id.default_code, "MUG-WHT"
        )

    def test_unknown_tax_code_is_held_then_released(self):
        ticket = self.ticket()
        ticket["lines"][0]["tax_code"] = "VAT6"
        event = self.process(ticket)
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.wait_ids.key, f"pos-tax:{self.store.id}:VAT6")
        self.assertIn("tax code VAT6", event.exception_ids.message)
        self.assertIn("tax mapping of the till tax code VAT6", event.waiting_for)
        self.env["retail.pos.tax.mapping"].create(
            {"store_id": self.store.id, "title": "VAT6", "tax_id": self.tax.id}
        )
        self.assertEqual(event.state, "queued")
        event._process()
        self.assertEqual(event.state, "done", event.error)

    def test_unknown_payment_method_is_held_then_released(self):
        event = self.process(self.ticket(payments=(("VOUCHER", "25.00"),)))
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.wait_ids.key, f"pos-payment:{self.store.id}:VOUCHER")
        voucher = self.env["pos.payment.method"].create(
            {"name": "Voucher", "journal_id": self.card_method.journal_id.id}
        )
        self.env["retail.pos.payment.mapping"].create(
            {
                "store_id": self.store.id,
                "code": "VOUCHER",
                "payment_method_id": voucher.id,
            }
        )
        self.assertEqual(event.state, "queued")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(
            self.order_of("T1-000001").payment_ids.payment_method_id, voucher
        )

    def test_everything_missing_is_named_at_once(self):
        ticket = self.ticket(
            lines=(("MUG-WHT", "1", "8.00"),), payments=(("GIFT", "8.00"),)
        )
        ticket["lines"][0]["tax_code"] = "VAT6"
        event = self.process(ticket)
        self.assertEqual(
            sorted(event.wait_ids.mapped("key")),
            sorted(
                [
                    "product:sku:MUG-WHT",
                    f"pos-tax:{self.store.id}:VAT6",
                    f"pos-payment:{self.store.id}:GIFT",
                ]
            ),
        )


class TestReturns(TicketCase):
    def return_ticket(self, ticket_id="T1-000002", number=2, qty="-1", line_no=1):
        return self.ticket(
            ticket_id,
            number,
            lines=(("TOTE-BLK", qty, "12.50"),),
            refund_of={0: {"ticket_id": "T1-000001", "line_no": line_no}},
        )

    def test_a_return_is_a_refund_linked_to_the_original_line(self):
        self.process(self.ticket())
        event = self.process(self.return_ticket())
        self.assertEqual(event.state, "done", event.error)
        original, refund = self.order_of("T1-000001"), self.order_of("T1-000002")
        self.assertEqual(refund.lines.refunded_orderline_id, original.lines)
        self.assertEqual(original.lines.refunded_qty, 1)
        self.assertAlmostEqual(refund.amount_total, -12.5)
        self.assertEqual(refund.state, "paid")
        self.assertEqual(
            self.product.with_context(location=self.stock_location.id).qty_available, 99
        )

    def test_never_more_than_was_sold(self):
        self.process(self.ticket())
        self.assertEqual(self.process(self.return_ticket()).state, "done")
        event = self.process(self.return_ticket("T1-000003", 3, qty="-2"))
        self.assertEqual(event.state, "failed")
        self.assertIn("only 1", event.exception_ids.message)
        self.assertFalse(self.order_of("T1-000003"))
        event = self.process(self.return_ticket("T1-000004", 4, qty="-1"))
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.order_of("T1-000001").lines.refunded_qty, 2)

    def test_a_line_the_original_does_not_have(self):
        self.process(self.ticket())
        event = self.process(self.return_ticket(line_no=7))
        self.assertEqual(event.state, "failed")
        self.assertIn("has no line 7", event.exception_ids.message)

    def test_a_return_waits_for_its_original(self):
        event = self.process(self.return_ticket())
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.wait_ids.key, f"pos-ticket:{self.store.id}:T1-000001")
        self.process(self.ticket())
        self.assertEqual(event.state, "queued")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(
            self.order_of("T1-000002").lines.refunded_orderline_id,
            self.order_of("T1-000001").lines,
        )


class TestSessions(TicketCase):
    def test_one_session_per_business_date(self):
        self.process(self.ticket(), self.ticket("T2-000001", 1, terminal="T2"))
        sessions = (self.order_of("T1-000001") | self.order_of("T2-000001")).session_id
        self.assertEqual(len(sessions), 1)

    def test_the_next_day_waits_for_the_previous_session(self):
        self.process(self.ticket())
        self.accept_tickets([self.ticket("T1-000002", 2, day="2026-12-02")])
        event = self.ticket_event("T1-000002")
        with self.assertRaises(RetryableJobError) as caught:
            event._process()
        self.assertTrue(caught.exception.ignore_retry)  # waiting spends no tries
        self.close_session(self.order_of("T1-000001").session_id)
        event._process()
        self.assertEqual(event.state, "done", event.error)
        session = self.order_of("T1-000002").session_id
        self.assertEqual(session.retail_business_date, datetime.date(2026, 12, 2))

    def test_a_late_ticket_goes_to_the_next_open_session(self):
        self.process(self.ticket())
        first = self.order_of("T1-000001").session_id
        self.close_session(first)
        self.process(self.ticket("T1-000005", 5, day="2026-12-02"))
        event = self.process(self.ticket("T1-000002", 2))
        self.assertEqual(event.state, "done", event.error)
        late = self.order_of("T1-000002")
        self.assertEqual(late.session_id, self.order_of("T1-000005").session_id)
        self.assertIn("Late ticket of 2026-12-01", late.retail_pos_note)
        self.assertIn(first.name, late.retail_pos_note)
        self.assertEqual(late.retail_business_date, datetime.date(2026, 12, 1))

    def test_a_late_ticket_waits_when_no_session_is_open(self):
        self.process(self.ticket())
        self.close_session(self.order_of("T1-000001").session_id)
        self.accept_tickets([self.ticket("T1-000002", 2)])
        with self.assertRaises(RetryableJobError):
            self.ticket_event("T1-000002")._process()
        sessions = self.env["pos.session"].search(
            [("retail_pos_store_id", "=", self.store.id)]
        )
        self.assertEqual(len(sessions), 1)  # no rescue session

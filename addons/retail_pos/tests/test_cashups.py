"""Cash-ups compared with the imported tickets, closing the day's session."""

import json

from .common import DAY, PosTestCase


class CashupCase(PosTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.cashup_tolerance = 0.50

    def send_cashup(self, document):
        body = json.dumps(document)
        result = self.store._retail_pos_accept_cashup(body, str(hash(body)), document)
        self.assertEqual(result["status"], "accepted", result)
        event = self.events(
            f"cashup:{document['terminal']}:{document['business_date']}"
        )
        event._process()
        return event

    def session(self):
        return self.env["pos.session"].search(
            [
                ("retail_pos_store_id", "=", self.store.id),
                ("retail_business_date", "=", DAY),
            ]
        )

    def day_of_trade(self):
        """Three tickets of T1: 25.00 cash, 12.50 card, 12.50 cash (paid 20,
        7.50 change)."""
        self.import_tickets(
            self.ticket(),
            self.ticket(
                "T1-000002",
                2,
                lines=(("TOTE-BLK", "1", "12.50"),),
                payments=(("CARD", "12.50"),),
            ),
            self.ticket(
                "T1-000003",
                3,
                lines=(("TOTE-BLK", "1", "12.50"),),
                payments=(("CASH", "20.00"),),
                change="7.50",
            ),
        )

    def z_report(self, counted="37.50", **values):
        return self.cashup(
            count=3,
            first=1,
            last=3,
            totals=(("CASH", "37.50"), ("CARD", "12.50")),
            counted=counted,
            **values,
        )


class TestCashups(CashupCase):
    def test_a_matching_cashup_closes_the_session(self):
        self.day_of_trade()
        session = self.session()
        event = self.send_cashup(self.z_report())
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(session.state, "closed")
        self.assertEqual(event.result_ref, session)
        move = session.move_id
        self.assertEqual(move.state, "posted")
        self.assertAlmostEqual(
            sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit"))
        )
        self.assertEqual(set(session.order_ids.mapped("state")), {"done"})
        self.assertAlmostEqual(session.cash_register_balance_end_real, 37.5)
        self.assertAlmostEqual(session.cash_register_difference, 0.0)

    def test_a_gap_is_listed_and_the_session_stays_open(self):
        self.import_tickets(
            self.ticket(),
            self.ticket(
                "T1-000003",
                3,
                lines=(("TOTE-BLK", "1", "12.50"),),
                payments=(("CASH", "20.00"),),
                change="7.50",
            ),
        )
        event = self.send_cashup(self.z_report())
        self.assertEqual(event.state, "failed")
        message = event.exception_ids.message
        self.assertIn("missing ticket numbers 2", message)
        self.assertIn("3 tickets in the Z report, 2 imported", message)
        self.assertIn("CARD: 12.50 in the Z report, 0.00 imported", message)
        self.assertEqual(self.session().state, "opened")
        self.assertEqual(event.wait_ids.key, f"pos-day:{self.store.id}:T1:{DAY}")
        # the missing ticket arrives: the cash-up compares again and closes
        self.import_tickets(
            self.ticket(
                "T1-000002",
                2,
                lines=(("TOTE-BLK", "1", "12.50"),),
                payments=(("CARD", "12.50"),),
            ),
        )
        self.assertEqual(event.state, "queued")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.session().state, "closed")
        self.assertEqual(event.exception_ids.state, "resolved")

    def test_a_cash_difference_within_the_tolerance_is_posted(self):
        self.day_of_trade()
        event = self.send_cashup(self.z_report(counted="37.20"))
        self.assertEqual(event.state, "done", event.error)
        session = self.session()
        self.assertEqual(session.state, "closed")
        self.assertAlmostEqual(session.cash_register_difference, -0.30)
        journal = self.cash_method.journal_id
        loss_lines = (
            session.move_id.line_ids | session.statement_line_ids.move_id.line_ids
        )
        self.assertIn(journal.loss_account_id, loss_lines.account_id)

    def test_a_cash_difference_outside_the_tolerance_is_an_exception(self):
        self.day_of_trade()
        event = self.send_cashup(self.z_report(counted="36.00"))
        self.assertEqual(event.state, "failed")
        self.assertIn("counted cash 36.00 is -1.50 away", event.exception_ids.message)
        self.assertEqual(self.session().state, "opened")

    def test_the_session_closes_when_every_terminal_is_cashed_up(self):
        self.day_of_trade()
        self.import_tickets(self.ticket("T2-000001", 1, terminal="T2"))
        first = self.send_cashup(self.z_report())
        self.assertEqual(first.state, "done", first.error)
        self.assertEqual(self.session().state, "opened")
        second = self.send_cashup(
            self.cashup("T2", totals=(("CASH", "25.00"),), counted="25.00")
        )
        self.assertEqual(second.state, "done", second.error)
        self.assertEqual(self.session().state, "closed")
        self.assertAlmostEqual(self.session().cash_register_balance_end_real, 62.5)

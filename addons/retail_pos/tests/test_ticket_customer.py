"""The customer of a ticket: the partner of its loyalty id, else of its
exact email; an anonymous sale when Odoo knows neither, never a partner
made by a till."""

import psycopg2

from odoo.tools import mute_logger

from .common import PosTestCase


class TestTicketCustomer(PosTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.ana = Partner.create(
            {
                "name": "Ana",
                "email": "ana@example.com",
                "retail_pos_loyalty_id": "L-100",
            }
        )
        cls.rui = Partner.create({"name": "Rui", "email": "Rui <rui@example.com>"})
        cls.other_company = cls.env["res.company"].create({"name": "Elsewhere"})

    def order_for(self, ticket_id, customer):
        self.import_tickets(self.ticket(ticket_id, customer=customer))
        event = self.ticket_event(ticket_id)
        self.assertEqual(event.state, "done", event.error)
        return self.env["pos.order"].search([("retail_pos_ticket_id", "=", ticket_id)])

    def test_the_loyalty_id_names_the_customer(self):
        order = self.order_for("T1-000001", {"loyalty_id": "L-100"})
        self.assertEqual(order.partner_id, self.ana)

    def test_the_loyalty_id_before_the_email(self):
        order = self.order_for(
            "T1-000001", {"loyalty_id": "L-100", "email": "rui@example.com"}
        )
        self.assertEqual(order.partner_id, self.ana)

    def test_the_exact_email(self):
        order = self.order_for("T1-000001", {"email": "RUI@example.com"})
        self.assertEqual(order.partner_id, self.rui)
        order = self.order_for("T1-000002", {"email": "rui@example.co"})
        self.assertFalse(order.partner_id, "never a pattern")

    def test_an_unknown_loyalty_id_falls_back_to_the_email(self):
        order = self.order_for(
            "T1-000001", {"loyalty_id": "L-999", "email": "ana@example.com"}
        )
        self.assertEqual(order.partner_id, self.ana)

    def test_nobody_known_is_an_anonymous_sale(self):
        partners = self.env["res.partner"].search_count([])
        order = self.order_for(
            "T1-000001", {"loyalty_id": "L-999", "email": "new@example.com"}
        )
        self.assertFalse(order.partner_id)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        order = self.order_for("T1-000002", None)
        self.assertFalse(order.partner_id)

    def test_the_customers_of_another_company_are_not_matched(self):
        self.env["res.partner"].create(
            {
                "name": "Eve",
                "email": "eve@example.com",
                "retail_pos_loyalty_id": "L-200",
                "company_id": self.other_company.id,
            }
        )
        order = self.order_for(
            "T1-000001", {"loyalty_id": "L-200", "email": "eve@example.com"}
        )
        self.assertFalse(order.partner_id)

    def test_a_loyalty_id_is_unique_per_company(self):
        Partner = self.env["res.partner"]
        Partner.create(
            {
                "name": "Eve",
                "retail_pos_loyalty_id": "L-100",
                "company_id": self.other_company.id,
            }
        )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            Partner.create({"name": "Ana again", "retail_pos_loyalty_id": "L-100"})

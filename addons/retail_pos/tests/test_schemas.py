import copy
import datetime
import unittest
from decimal import Decimal

from ..services import schemas
from .common import PosTestMixin

TICKET = PosTestMixin.ticket(
    lines=(("TOTE-BLK", "2", "12.50"), ("MUG-WHT", "1", "8.00")),
    payments=(("CARD", "20.00"), ("CASH", "20.00")),
    change="7.00",
)
CASHUP = PosTestMixin.cashup(count=3, first=1, last=3, totals=(("CASH", "10.00"),))


def with_value(document, path, value):
    """A copy of ``document`` with ``path`` (``lines.0.qty``) set, or removed
    when ``value`` is ``...``."""
    document = copy.deepcopy(document)
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key = int(last) if isinstance(node, list) else last
    if value is ...:
        node.pop(key, None)
    else:
        node[key] = value
    return document


class SchemaCase(unittest.TestCase):
    validate = staticmethod(schemas.validate_ticket)
    document = TICKET

    def assert_field_error(self, path, value, field, contains=""):
        result, errors = self.validate(with_value(self.document, path, value))
        self.assertIsNone(result, f"{path}={value!r} was accepted")
        fields = [error["field"] for error in errors]
        self.assertIn(field, fields, errors)
        if contains:
            message = next(e["message"] for e in errors if e["field"] == field)
            self.assertIn(contains, message)

    def assert_accepted(self, path, value):
        result, errors = self.validate(with_value(self.document, path, value))
        self.assertFalse(errors, f"{path}={value!r}: {errors}")
        self.assertIsNotNone(result)
        return result


class TestTicket(SchemaCase):
    def test_a_valid_ticket(self):
        ticket, errors = schemas.validate_ticket(TICKET)
        self.assertEqual(errors, [])
        self.assertEqual(ticket.ticket_id, "T1-000001")
        self.assertEqual(ticket.business_date, datetime.date(2026, 12, 1))
        self.assertEqual(ticket.closed_at.utcoffset(), datetime.timedelta(hours=1))
        self.assertEqual(ticket.lines[0].qty, Decimal("2"))
        self.assertEqual(ticket.total, Decimal("33.00"))
        self.assertEqual(ticket.change, Decimal("7.00"))

    def test_not_an_object(self):
        for document in ([], "ticket", 3, None):
            ticket, errors = schemas.validate_ticket(document)
            self.assertIsNone(ticket)
            self.assertEqual(errors[0]["field"], "(payload)")

    def test_required_fields(self):
        for field in (
            "ticket_id",
            "terminal",
            "number",
            "business_date",
            "closed_at",
            "lines",
            "payments",
            "total",
        ):
            self.assert_field_error(field, ..., field, "is missing")

    def test_optional_fields(self):
        for field in ("cashier", "customer"):
            self.assert_accepted(field, ...)
        no_change = PosTestMixin.ticket()
        del no_change["change"]
        ticket, errors = schemas.validate_ticket(no_change)
        self.assertFalse(errors)
        self.assertEqual(Decimal(ticket.change), 0)

    def test_unknown_fields_are_refused_by_name(self):
        self.assert_field_error("tip", "1.00", "tip", "not a field")
        self.assert_field_error("lines.0.colour", "red", "lines[0].colour")

    def test_ticket_id(self):
        self.assert_accepted("ticket_id", "S1/T2:2026-12-01.000123")
        for value in ("", " T1", "T 1", "x" * 65, 123, None, "-T1"):
            self.assert_field_error("ticket_id", value, "ticket_id")

    def test_terminal_and_codes(self):
        for value in ("", "T 1", "x" * 33, 1, None):
            self.assert_field_error("terminal", value, "terminal")
            self.assert_field_error("payments.0.method", value, "payments[0].method")
            self.assert_field_error("lines.0.tax_code", value, "lines[0].tax_code")

    def test_number(self):
        for value in (0, -1, "12", 1.5, True, None):
            self.assert_field_error("number", value, "number")

    def test_business_date(self):
        self.assert_accepted("business_date", "2024-02-29")
        for value in (
            "2026-13-01",
            "2026-02-30",
            "01/12/2026",
            "2026-12-01T00:00",
            20261201,
            None,
        ):
            self.assert_field_error("business_date", value, "business_date")

    def test_closed_at_needs_an_offset(self):
        self.assert_accepted("closed_at", "2026-12-01T09:15:00Z")
        self.assert_accepted("closed_at", "2026-12-01T09:15:00.123-05:00")
        for value in (
            "2026-12-01T10:15:00",
            "2026-12-01",
            "yesterday",
            1764580500,
            "2026-12-01T25:15:00+01:00",
            None,
        ):
            self.assert_field_error("closed_at", value, "closed_at")

    def test_cashier(self):
        for value in ("", "x" * 65, 12):
            self.assert_field_error("cashier", value, "cashier")

    def test_customer(self):
        self.assert_accepted("customer", {"loyalty_id": "L-9"})
        self.assert_accepted("customer", {"email": "ana@example.com"})
        self.assert_field_error("customer", {"email": "not-an-email"}, "customer.email")
        self.assert_field_error("customer", {"loyalty_id": ""}, "customer.loyalty_id")
        self.assert_field_error("customer", {"name": "Ana"}, "customer.name")
        self.assert_field_error("customer", "ana", "customer")

    def test_lines(self):
        self.assert_field_error("lines", [], "lines")
        self.assert_field_error("lines", "x", "lines")
        too_many = [dict(TICKET["lines"][0], line_no=i + 1) for i in range(501)]
        self.assert_field_error("lines", too_many, "lines")
        self.assert_field_error("lines.0", "x", "lines[0]")

    def test_line_no(self):
        for value in (0, "1", 1.0, None):
            self.assert_field_error("lines.0.line_no", value, "lines[0].line_no")
        self.assert_field_error("lines.1.line_no", 1, "lines[1].line_no", "twice")

    def test_sku_or_barcode(self):
        document = with_value(TICKET, "lines.0.sku", ...)
        document["lines"][0]["barcode"] = "4006381333931"
        self.assertFalse(schemas.validate_ticket(document)[1])
        document["lines"][0].pop("barcode")
        ticket, errors = schemas.validate_ticket(document)
        self.assertIn("lines[0].sku", [e["field"] for e in errors])
        for value in ("", " A", "x" * 65, 12):
            self.assert_field_error("lines.0.sku", value, "lines[0].sku")
            self.assert_field_error("lines.0.barcode", value, "lines[0].barcode")

    def test_quantities_are_decimal_strings(self):
        self.assert_accepted("lines.0.qty", "0.250")
        for value in (2, 2.0, "2,5", "", "1e3", "0", "0.0", None, "abc"):
            self.assert_field_error("lines.0.qty", value, "lines[0].qty")
        self.assert_field_error("lines.0.qty", "-1", "lines[0].qty", "refund_of")

    def test_money_is_a_decimal_string(self):
        for path, field in (
            ("lines.0.unit_price", "lines[0].unit_price"),
            ("payments.0.amount", "payments[0].amount"),
            ("total", "total"),
            ("change", "change"),
        ):
            for value in (
                12.5,
                12,
                "12,50",
                "",
                "1e2",
                "12.5.0",
                None,
                "1234567890123",
            ):
                self.assert_field_error(path, value, field)
        self.assert_field_error(
            "lines.0.unit_price", "-1.00", "lines[0].unit_price", "negative"
        )
        self.assert_field_error("change", "-1.00", "change", "negative")
        self.assert_field_error("payments.0.amount", "0.00", "payments[0].amount")

    def test_discount_is_a_percentage(self):
        self.assert_accepted("lines.0.discount", "12.5")
        for value in ("101", "-1", 10, "ten"):
            self.assert_field_error("lines.0.discount", value, "lines[0].discount")

    def test_total_is_the_payments_less_the_change(self):
        self.assert_field_error("total", "32.99", "total", "payments")

    def test_returns(self):
        document = PosTestMixin.ticket(
            "T1-000002",
            lines=(("TOTE-BLK", "-1", "12.50"),),
            refund_of={0: {"ticket_id": "T1-000001", "line_no": 1}},
        )
        ticket, errors = schemas.validate_ticket(document)
        self.assertFalse(errors)
        self.assertEqual(ticket.total, Decimal("-12.50"))
        self.assertEqual(ticket.lines[0].refund_of.ticket_id, "T1-000001")
        positive = with_value(document, "lines.0.qty", "1")
        self.assertIn(
            "lines[0].qty", [e["field"] for e in schemas.validate_ticket(positive)[1]]
        )
        for value, field in (
            ({"ticket_id": "T1-000001"}, "lines[0].refund_of.line_no"),
            ({"ticket_id": "T1-000001", "line_no": 0}, "lines[0].refund_of.line_no"),
            ({"line_no": 1}, "lines[0].refund_of.ticket_id"),
            ({"ticket_id": "T1-000002", "line_no": 1}, "lines[0].refund_of.ticket_id"),
            ("T1-000001", "lines[0].refund_of"),
        ):
            result, errors = schemas.validate_ticket(
                with_value(document, "lines.0.refund_of", value)
            )
            self.assertIn(field, [e["field"] for e in errors], (value, errors))

    def test_payments(self):
        self.assert_accepted("payments", [{"method": "CASH", "amount": "40.00"}])
        too_many = [{"method": "CASH", "amount": "1.00"}] * 51
        self.assert_field_error("payments", too_many, "payments")
        self.assert_field_error("payments.0", {"method": "CASH"}, "payments[0].amount")

    def test_all_errors_are_listed(self):
        document = with_value(TICKET, "number", 0)
        document["lines"][0]["qty"] = 2
        ticket, errors = schemas.validate_ticket(document)
        self.assertEqual({e["field"] for e in errors}, {"number", "lines[0].qty"})


class TestCashup(SchemaCase):
    validate = staticmethod(schemas.validate_cashup)
    document = CASHUP

    def test_a_valid_cashup(self):
        cashup, errors = schemas.validate_cashup(CASHUP)
        self.assertFalse(errors)
        self.assertEqual(cashup.totals[0].amount, Decimal("10.00"))
        self.assertEqual(cashup.counted_cash, Decimal("0.00"))

    def test_required_fields(self):
        for field in (
            "terminal",
            "business_date",
            "ticket_count",
            "totals",
            "counted_cash",
            "closed_at",
        ):
            self.assert_field_error(field, ..., field, "is missing")

    def test_fields(self):
        for path, value in (
            ("terminal", "T 1"),
            ("business_date", "2026-12-32"),
            ("ticket_count", -1),
            ("ticket_count", "3"),
            ("first_number", 0),
            ("last_number", "3"),
            ("counted_cash", 10),
            ("counted_cash", "-1.00"),
            ("closed_at", "2026-12-01 20:00"),
        ):
            self.assert_field_error(path, value, path)
        self.assert_field_error("totals.0.amount", "ten", "totals[0].amount")
        self.assert_field_error("totals.0.method", "", "totals[0].method")

    def test_rules(self):
        self.assert_field_error("first_number", ..., "first_number", "has tickets")
        self.assert_field_error("last_number", 0, "last_number")
        result, errors = schemas.validate_cashup(dict(CASHUP, first_number=4))
        self.assertEqual(errors[0]["field"], "last_number")
        self.assertIn("lower", errors[0]["message"])
        empty = dict(CASHUP, ticket_count=0)
        del empty["first_number"], empty["last_number"]
        self.assertFalse(schemas.validate_cashup(empty)[1])
        twice = dict(CASHUP, totals=[{"method": "CASH", "amount": "1"}] * 2)
        self.assertEqual(
            schemas.validate_cashup(twice)[1][0]["field"], "totals[1].method"
        )


class TestEnvelope(unittest.TestCase):
    def test_envelope(self):
        tickets, errors = schemas.validate_envelope({"tickets": [TICKET, "junk"]})
        self.assertFalse(errors)
        self.assertEqual(tickets, [TICKET, "junk"])
        for document, field in (
            ([], "(payload)"),
            ({}, "tickets"),
            ({"tickets": []}, "tickets"),
            ({"tickets": {}}, "tickets"),
            ({"tickets": [TICKET] * 501}, "tickets"),
            ({"tickets": [TICKET], "batch": 1}, "batch"),
        ):
            tickets, errors = schemas.validate_envelope(document)
            self.assertIsNone(tickets)
            self.assertEqual(
                errors[0]["field"],
                field,
                document if len(str(document)) < 200 else field,
            )

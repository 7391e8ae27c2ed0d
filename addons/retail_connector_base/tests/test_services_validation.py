import datetime
import unittest
from decimal import Decimal

from pydantic import ValidationError

from odoo.addons.retail_connector_base.services import errors, validation
from odoo.addons.retail_connector_base.services.validation import (
    CamelPayloadModel,
    Currency,
    Money,
    NumericId,
    OptionalMoney,
    OptionalTimestamp,
    PayloadContext,
    PayloadModel,
    Quantity,
    Timestamp,
)


class Line(PayloadModel):
    sku: str
    quantity: Quantity
    price: Money
    discount: OptionalMoney = None


class Order(PayloadModel):
    id: NumericId
    currency: Currency
    created_at: Timestamp
    cancelled_at: OptionalTimestamp = None
    line_items: tuple[Line, ...]


class CamelLine(CamelPayloadModel):
    unit_price: Money


class CamelOrder(CamelPayloadModel):
    line_items: tuple[CamelLine, ...]


def order_payload(**changes):
    payload = {
        "id": 1042,
        "currency": "usd",
        "created_at": "2026-11-03T10:22:07-05:00",
        "line_items": [
            {"sku": "TEE", "quantity": 2, "price": "25.00"},
            {"sku": "TOTE", "quantity": 1, "price": 18.5, "discount": None},
            {"sku": "CAP", "quantity": 1, "price": "12"},
        ],
    }
    payload.update(changes)
    return payload


def pydantic_errors(model, data):
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return exc.errors(include_url=False)
    raise AssertionError(f"{data!r} is a valid {model.__name__}")


class TestFieldPath(unittest.TestCase):
    def test_paths(self):
        self.assertEqual(
            validation.field_path(("line_items", 2, "price")), "line_items[2].price"
        )
        self.assertEqual(validation.field_path(("a", 0, 1, "b")), "a[0][1].b")
        self.assertEqual(
            validation.field_path(("totalPriceSet", "shopMoney", "amount")),
            "totalPriceSet.shopMoney.amount",
        )
        self.assertEqual(validation.field_path((3, "sku")), "[3].sku")
        self.assertEqual(validation.field_path(()), "(payload)")

    def test_path_of_a_pydantic_error(self):
        payload = order_payload()
        payload["line_items"][2]["price"] = "twelve"
        (error,) = pydantic_errors(Order, payload)
        self.assertEqual(validation.field_path(error["loc"]), "line_items[2].price")


class TestDescribeError(unittest.TestCase):
    def test_missing(self):
        payload = order_payload()
        del payload["currency"]
        (error,) = pydantic_errors(Order, payload)
        self.assertEqual(validation.describe_error(error), "is missing")

    def test_reason_of_a_validator(self):
        (error,) = pydantic_errors(Order, order_payload(currency="dollars"))
        self.assertEqual(
            validation.describe_error(error),
            "is invalid: 'dollars' is not a three-letter currency code",
        )

    def test_pydantic_message_and_the_value(self):
        (error,) = pydantic_errors(Order, order_payload(id="x" * 100))
        problem = validation.describe_error(error)
        self.assertTrue(problem.startswith("is invalid: input should be"), problem)
        self.assertIn("(got 'xxx", problem)
        self.assertTrue(problem.endswith("...)"), problem)
        self.assertLess(len(problem), 150)
        (error,) = pydantic_errors(Order, order_payload(id=0))
        self.assertEqual(
            validation.describe_error(error),
            "is invalid: input should be greater than or equal to 1 (got 0)",
        )


class TestJsonKind(unittest.TestCase):
    def test_kinds(self):
        for value, kind in (
            (None, "null"),
            (True, "a boolean"),
            ({}, "an object"),
            ([], "an array"),
            ("x", "a string"),
            (3, "a number"),
            (2.5, "a number"),
            (b"x", "a bytes"),
        ):
            with self.subTest(value=value):
                self.assertEqual(validation.json_kind(value), kind)


class TestPayloadContext(unittest.TestCase):
    def context(self, **kwargs):
        kwargs.setdefault("remote_ref", "order/1042")
        return PayloadContext("Shop order", "#1042", **kwargs)

    def refusal(self, context, model, data):
        with self.assertRaises(errors.PayloadValidationError) as caught:
            context.validate(model, data)
        exc = caught.exception
        self.assertEqual(exc.category, "validation")
        self.assertEqual(exc.kind, errors.PERMANENT)
        return exc

    def test_valid_payload(self):
        order = self.context().validate(Order, order_payload())
        self.assertEqual(order.currency, "USD")
        self.assertEqual(order.created_at, datetime.datetime(2026, 11, 3, 15, 22, 7))
        self.assertIsNone(order.cancelled_at)
        self.assertEqual(
            [line.price for line in order.line_items],
            [Decimal("25.00"), Decimal("18.5"), Decimal("12")],
        )
        self.assertIsNone(order.line_items[1].discount)

    def test_error_names_the_field_path(self):
        payload = order_payload()
        payload["line_items"][2]["price"] = "twelve"
        exc = self.refusal(self.context(details={"source": "webhook"}), Order, payload)
        self.assertEqual(
            exc.message,
            "Shop order #1042: line_items[2].price is invalid: 'twelve' is not "
            "an amount.",
        )
        self.assertEqual(
            exc.details,
            {
                "field": "line_items[2].price",
                "remote_ref": "order/1042",
                "source": "webhook",
            },
        )
        self.assertIn("line_items[2].price", exc.hint)

    def test_other_faulty_fields_are_listed(self):
        payload = order_payload(currency=None, created_at="soon")
        del payload["line_items"][0]["sku"]
        payload["line_items"][1]["quantity"] = -1
        exc = self.refusal(self.context(), Order, payload)
        self.assertEqual(exc.details["field"], "currency")
        self.assertEqual(
            exc.details["other_fields"],
            ["created_at", "line_items[0].sku", "line_items[1].quantity"],
        )
        self.assertTrue(
            exc.message.endswith(
                " Also invalid: created_at, line_items[0].sku, line_items[1].quantity."
            ),
            exc.message,
        )

    def test_many_faulty_fields(self):
        payload = order_payload(
            line_items=[{"sku": "X", "quantity": -1, "price": "1"}] * 7
        )
        exc = self.refusal(self.context(), Order, payload)
        self.assertEqual(exc.details["field"], "line_items[0].quantity")
        self.assertEqual(len(exc.details["other_fields"]), 6)
        self.assertIn("line_items[5].quantity and more.", exc.message)
        self.assertNotIn("line_items[6]", exc.message)

    def test_a_path_is_named_once(self):
        class Repeating:
            """Reports two problems at ``a`` and two at ``b``."""

            @staticmethod
            def model_validate(data):
                raise ValidationError.from_exception_data(
                    "Repeating",
                    [
                        {"type": "missing", "loc": loc, "input": data}
                        for loc in (("a",), ("b",), ("a",), ("b",))
                    ],
                )

        exc = self.refusal(self.context(), Repeating, {})
        self.assertEqual(exc.details["field"], "a")
        self.assertEqual(exc.details["other_fields"], ["b"])
        self.assertTrue(exc.message.endswith("a is missing. Also invalid: b."))

    def test_not_an_object(self):
        for data, kind in (([1], "an array"), (None, "null"), ("{}", "a string")):
            with self.subTest(data=data):
                exc = self.refusal(self.context(), Order, data)
                self.assertEqual(
                    exc.message,
                    f"Shop order #1042: (payload) is {kind}, not an object.",
                )
                self.assertEqual(exc.details["field"], "(payload)")

    def test_hints(self):
        payload = order_payload(currency="€")
        exc = self.refusal(
            self.context(hint="Send a valid {path}, then replay."), Order, payload
        )
        self.assertEqual(exc.hint, "Send a valid currency, then replay.")
        exc = self.refusal(
            self.context(hint=lambda path: f"Look at {path.upper()}."), Order, payload
        )
        self.assertEqual(exc.hint, "Look at CURRENCY.")
        exc = self.refusal(self.context(), Order, payload)
        self.assertIn("usable currency", exc.hint)

    def test_label_and_remote_ref_read_later(self):
        context = PayloadContext("Shop order", "(unknown)")
        exc = self.refusal(context, Order, [])
        self.assertNotIn("remote_ref", exc.details)
        self.assertIn("Shop order (unknown):", exc.message)
        context.label, context.remote_ref = "#7", "order/7"
        exc = context.error("line_items[0].sku", "is invalid: unknown SKU 'X'")
        self.assertIsInstance(exc, errors.PayloadValidationError)
        self.assertEqual(
            exc.message, "Shop order #7: line_items[0].sku is invalid: unknown SKU 'X'."
        )
        self.assertEqual(exc.details["remote_ref"], "order/7")
        with self.assertRaises(errors.PayloadValidationError) as caught:
            context.fail("id", "is invalid: 7 differs from 8", more=["name"])
        self.assertEqual(caught.exception.details["other_fields"], ["name"])
        self.assertIn("Also invalid: name.", caught.exception.message)

    def test_camel_case_models(self):
        context = self.context()
        order = context.validate(CamelOrder, {"lineItems": [{"unitPrice": "4.50"}]})
        self.assertEqual(order.line_items[0].unit_price, Decimal("4.50"))
        self.assertEqual(
            CamelOrder(line_items=()).line_items, (), "snake_case names populate too"
        )
        exc = self.refusal(context, CamelOrder, {"lineItems": [{"unitPrice": "?"}]})
        self.assertEqual(exc.details["field"], "lineItems[0].unitPrice")

    def test_models_ignore_other_fields_and_are_frozen(self):
        payload = order_payload(a_later_field={"x": 1})
        payload["line_items"][0]["another"] = True
        order = self.context().validate(Order, payload)
        self.assertFalse(hasattr(order, "a_later_field"))
        with self.assertRaises(ValidationError):
            order.currency = "EUR"
        self.assertEqual(hash(order), hash(self.context().validate(Order, payload)))


class TestScalars(unittest.TestCase):
    def test_parse_money_accepted_values(self):
        self.assertEqual(validation.parse_money("10.00"), Decimal("10.00"))
        self.assertEqual(validation.parse_money(" 7.5 "), Decimal("7.5"))
        self.assertEqual(validation.parse_money("-3.20"), Decimal("-3.20"))
        self.assertEqual(validation.parse_money("1e2"), Decimal("1e2"))
        self.assertEqual(validation.parse_money(12), Decimal(12))
        self.assertEqual(validation.parse_money(0.1), Decimal("0.1"))
        self.assertEqual(validation.parse_money(Decimal("4.5")), Decimal("4.5"))

    def test_parse_money_refused_values(self):
        for value in (None, True, "", "abc", "1,50", "NaN", "Infinity", [], {}):
            with self.subTest(value=value), self.assertRaises(ValueError):
                validation.parse_money(value)
        for value in (float("inf"), float("nan"), Decimal("NaN")):
            with self.subTest(value=value), self.assertRaises(ValueError):
                validation.parse_money(value)

    def test_text(self):
        self.assertEqual(validation.text("  Navy / M "), "Navy / M")
        self.assertEqual(validation.text(42), "42")
        for value in (None, "", "   "):
            with self.subTest(value=value):
                self.assertIsNone(validation.text(value))

    def test_field_types(self):
        context = PayloadContext("Shop order", "#1")
        for changes, field in (
            ({"id": 0}, "id"),
            ({"id": "abc"}, "id"),
            ({"currency": "EURO"}, "currency"),
            ({"currency": 978}, "currency"),
            ({"created_at": ""}, "created_at"),
            ({"created_at": None}, "created_at"),
            ({"created_at": 1700000000}, "created_at"),
            ({"cancelled_at": "tomorrow"}, "cancelled_at"),
        ):
            with self.subTest(changes=changes):
                with self.assertRaises(errors.PayloadValidationError) as caught:
                    context.validate(Order, order_payload(**changes))
                self.assertEqual(caught.exception.details["field"], field)
        order = context.validate(
            Order,
            order_payload(
                currency=" eur ", cancelled_at="", created_at="2026-11-03T10:22:07Z"
            ),
        )
        self.assertEqual(order.currency, "EUR")
        self.assertIsNone(order.cancelled_at)
        self.assertIsNone(order.created_at.tzinfo)
        order = context.validate(
            Order, order_payload(cancelled_at="2026-11-04T00:00:00+01:00")
        )
        self.assertEqual(order.cancelled_at, datetime.datetime(2026, 11, 3, 23, 0))

import copy
import dataclasses
import datetime
import json
import pathlib
import unittest
from decimal import Decimal

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_shopify.services import order_mapper
from odoo.addons.retail_shopify.simulator.schema import load_schema

ADDON = pathlib.Path(order_mapper.__file__).resolve().parent.parent
FIXTURES = ADDON / "tests" / "fixtures"
DOCUMENTS = ADDON / "graphql"
ORDER_FIXTURES = (
    "order_paid_tax_excluded.json",
    "order_tax_included.json",
    "order_multi_currency.json",
    "order_guest_no_customer.json",
    "order_cancelled.json",
)
MAX_QUERY_COST = 1000
POLL_PAGE_SIZE = 5


def load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class MapperCase(unittest.TestCase):
    def assertInvalid(self, func, payload, field, *texts):
        """The mapper refuses ``payload`` and names ``field`` (and ``texts``)."""
        with self.assertRaises(errors.PayloadValidationError) as caught:
            func(payload)
        exc = caught.exception
        self.assertIn(field, exc.message)
        self.assertEqual(exc.details["field"], field)
        for text in texts:
            self.assertIn(text, exc.message)
        self.assertTrue(exc.hint)
        self.assertEqual(exc.category, "validation")
        return exc


class TestParseMoney(unittest.TestCase):
    def test_accepted_values(self):
        self.assertEqual(order_mapper.parse_money("10.00"), Decimal("10.00"))
        self.assertEqual(order_mapper.parse_money(" 7.5 "), Decimal("7.5"))
        self.assertEqual(order_mapper.parse_money("-3.20"), Decimal("-3.20"))
        self.assertEqual(order_mapper.parse_money(12), Decimal(12))
        self.assertEqual(order_mapper.parse_money(0.1), Decimal("0.1"))
        self.assertEqual(order_mapper.parse_money(Decimal("4.5")), Decimal("4.5"))

    def test_refused_values(self):
        for value in (None, True, "", "abc", "1,50", "NaN", "Infinity", [], {}):
            with self.subTest(value=value), self.assertRaises(ValueError):
                order_mapper.parse_money(value)
        with self.assertRaises(ValueError):
            order_mapper.parse_money(float("inf"))


class TestWebhookOrder(MapperCase):
    def test_tax_excluded_order(self):
        order = order_mapper.order_from_webhook(load("order_paid_tax_excluded.json"))
        self.assertEqual(order.gid, "gid://shopify/Order/6218845716529")
        self.assertEqual(order.legacy_id, 6218845716529)
        self.assertEqual(order.name, "#1042")
        self.assertEqual((order.currency, order.presentment_currency), ("USD", "USD"))
        self.assertFalse(order.taxes_included)
        self.assertEqual(order.financial_status, "paid")
        self.assertEqual(order.fulfillment_status, "unfulfilled")
        self.assertFalse(order.is_cancelled)
        # -05:00 in the payload, naive UTC here
        self.assertEqual(order.created_at, datetime.datetime(2026, 11, 3, 15, 22, 7))
        self.assertEqual(order.updated_at, datetime.datetime(2026, 11, 3, 15, 22, 11))
        self.assertIsNone(order.created_at.tzinfo)
        self.assertEqual(order.customer.gid, "gid://shopify/Customer/7712034865201")
        self.assertEqual(order.customer.email, "emily.carter@example.com")
        self.assertEqual(order.customer.phone, "+12125550143")
        self.assertEqual(
            (order.customer.first_name, order.customer.last_name), ("Emily", "Carter")
        )
        self.assertEqual(order.billing_address.company, "Carter Design LLC")
        self.assertEqual(order.billing_address.zip, "10041")
        self.assertEqual(order.shipping_address.address2, "Apt 3B")
        self.assertEqual(order.shipping_address.province_code, "NY")
        self.assertEqual(order.shipping_address.country_code, "US")
        self.assertEqual(order.tags, ("newsletter", "repeat-customer"))
        self.assertEqual(order.source_name, "web")
        self.assertEqual(order.note, "Please leave the parcel with the doorman.")

    def test_tax_excluded_lines(self):
        order = order_mapper.order_from_webhook(load("order_paid_tax_excluded.json"))
        tee, tote = order.lines
        self.assertEqual(tee.gid, "gid://shopify/LineItem/15873029521457")
        self.assertEqual(tee.variant_gid, "gid://shopify/ProductVariant/46120993456177")
        self.assertEqual(tee.product_gid, "gid://shopify/Product/8812345019441")
        self.assertEqual(tee.sku, "TEE-ORG-NAV-M")
        self.assertEqual(
            (tee.title, tee.variant_title), ("Organic Cotton Tee", "Navy / M")
        )
        self.assertEqual(tee.quantity, 2)
        self.assertEqual(tee.unit_price, Decimal("25.00"))
        # the REST line's total_discount is 0.00: the allocations are read
        self.assertEqual(tee.total_discount, Decimal("5.00"))
        self.assertEqual(tee.discount_allocations[0].title, "Tee 10% off")
        self.assertEqual(tee.net_amount, Decimal("45.00"))
        self.assertEqual(tee.tax_amount, Decimal("4.00"))
        self.assertEqual(
            [(tax.title, tax.rate) for tax in tee.tax_lines],
            [
                ("NY State Tax", Decimal("0.04")),
                ("New York City Tax", Decimal("0.045")),
                ("Metropolitan Commuter Transportation District", Decimal("0.00375")),
            ],
        )
        self.assertIsNone(tote.variant_title)
        self.assertEqual(tote.total_discount, 0)
        self.assertEqual(tote.net_amount, Decimal("18.50"))
        self.assertEqual(tote.tax_amount, Decimal("1.64"))

        (shipping,) = order.shipping_lines
        self.assertEqual(shipping.gid, "gid://shopify/ShippingLine/5290482827313")
        self.assertEqual(
            (shipping.title, shipping.code), ("Standard Shipping", "Standard")
        )
        self.assertEqual(shipping.price, Decimal("6.95"))
        self.assertEqual(shipping.tax_amount, Decimal("0.62"))

        self.assertEqual(order.subtotal_price, Decimal("63.50"))
        self.assertEqual(order.total_discounts, Decimal("5.00"))
        self.assertEqual(order.total_tax, Decimal("6.26"))
        self.assertEqual(order.total_shipping, Decimal("6.95"))
        self.assertEqual(order.total_price, Decimal("76.71"))
        # 68.50 - 5.00 + 6.95 + 6.26 taxes on top
        self.assertEqual(order.computed_total, order.total_price)

    def test_discount_allocated_to_no_line(self):
        payload = load("order_paid_tax_excluded.json")
        payload["total_price"] = "73.71"
        for money in payload["total_price_set"].values():
            money["amount"] = "73.71"
        order = order_mapper.order_from_webhook(payload)
        self.assertEqual(order.unallocated_discount, Decimal("3.00"))
        # paying more than the lines is no discount: the totals check says so
        payload["total_price"] = "80.00"
        for money in payload["total_price_set"].values():
            money["amount"] = "80.00"
        order = order_mapper.order_from_webhook(payload)
        self.assertEqual(order.unallocated_discount, Decimal(0))

    def test_totals_of_every_fixture(self):
        for name in ORDER_FIXTURES:
            with self.subTest(fixture=name):
                order = order_mapper.order_from_webhook(load(name))
                self.assertEqual(order.computed_total, order.total_price)
                self.assertEqual(order.unallocated_discount, Decimal(0))
                self.assertEqual(order.lines_net_amount, order.subtotal_price)
                self.assertEqual(order.tax_lines_amount, order.total_tax)
                self.assertEqual(
                    sum(line.total_discount for line in order.lines)
                    + sum(line.total_discount for line in order.shipping_lines),
                    order.total_discounts,
                )
                self.assertEqual(
                    sum(line.price for line in order.shipping_lines),
                    order.total_shipping,
                )
                self.assertEqual(
                    sum(line.gross_amount for line in order.lines)
                    - order.total_discounts
                    + order.total_shipping
                    + (0 if order.taxes_included else order.total_tax),
                    order.total_price,
                )

    def test_tax_included_order(self):
        order = order_mapper.order_from_webhook(load("order_tax_included.json"))
        self.assertTrue(order.taxes_included)
        self.assertEqual(order.currency, "EUR")
        self.assertEqual(order.total_tax, Decimal("16.87"))
        self.assertEqual(order.total_price, Decimal("101.20"))
        # VAT is inside the prices: the total is lines and shipping only
        self.assertEqual(
            order.lines_net_amount + order.shipping_net_amount, order.total_price
        )
        self.assertNotEqual(
            order.total_price,
            order.lines_net_amount + order.shipping_net_amount + order.total_tax,
        )
        for line in order.lines:
            self.assertEqual(
                [(tax.title, tax.rate) for tax in line.tax_lines],
                [("FR TVA", Decimal("0.2"))],
            )
            # the order's discount code, allocated across both lines
            self.assertEqual(
                [(a.title, a.amount) for a in line.discount_allocations],
                [("BIENVENUE10", line.gross_amount / 10)],
            )
        self.assertEqual(order.total_discounts, Decimal("10.70"))
        self.assertIsNone(order.phone)
        self.assertEqual(order.customer.phone, "+33612345678")

    def test_multi_currency_order_uses_shop_money(self):
        payload = load("order_multi_currency.json")
        order = order_mapper.order_from_webhook(payload)
        self.assertEqual((order.currency, order.presentment_currency), ("EUR", "USD"))
        self.assertEqual(
            [line.unit_price for line in order.lines],
            [Decimal("55.43"), Decimal("24.73")],
        )
        self.assertEqual(order.shipping_lines[0].price, Decimal("12.79"))
        self.assertEqual(order.total_price, Decimal("117.68"))
        self.assertEqual(order.computed_total, order.total_price)
        self.assertEqual(
            payload["total_price_set"]["presentment_money"]["amount"], "138.00"
        )
        self.assertEqual(order.total_tax, 0)
        self.assertEqual(order.lines[0].tax_lines, ())

    def test_plain_amounts_when_money_bags_are_absent(self):
        payload = load("order_multi_currency.json")
        del payload["line_items"][0]["price_set"]
        del payload["total_price_set"]
        order = order_mapper.order_from_webhook(payload)
        self.assertEqual(order.lines[0].unit_price, Decimal("55.43"))
        self.assertEqual(order.total_price, Decimal("117.68"))

    def test_shop_money_in_another_currency_is_refused(self):
        payload = load("order_multi_currency.json")
        money = payload["line_items"][1]["price_set"]["shop_money"]
        money["currency_code"] = "USD"
        self.assertInvalid(
            order_mapper.order_from_webhook,
            payload,
            "line_items[1].price_set.shop_money.currency_code",
            "#ML2318",
            "EUR",
        )

    def test_guest_order(self):
        order = order_mapper.order_from_webhook(load("order_guest_no_customer.json"))
        self.assertIsNone(order.customer)
        self.assertIsNone(order.phone)
        self.assertEqual(order.email, "priya.r@example.net")
        self.assertIsNone(order.shipping_address)
        self.assertEqual(order.billing_address.name, "Priya Raman")
        self.assertIsNone(order.billing_address.phone)
        self.assertEqual(order.shipping_lines, ())
        self.assertFalse(order.lines[0].requires_shipping)
        self.assertEqual(order.total_price, Decimal("39.00"))

    def test_customer_key_may_be_absent(self):
        payload = load("order_guest_no_customer.json")
        del payload["customer"]
        del payload["shipping_address"]
        order = order_mapper.order_from_webhook(payload)
        self.assertIsNone(order.customer)
        self.assertIsNone(order.shipping_address)

    def test_cancelled_order(self):
        order = order_mapper.order_from_webhook(load("order_cancelled.json"))
        self.assertTrue(order.is_cancelled)
        self.assertEqual(order.cancelled_at, datetime.datetime(2026, 11, 6, 16, 15, 30))
        self.assertEqual(order.cancel_reason, "customer")
        self.assertEqual(order.financial_status, "voided")
        self.assertEqual(order.lines[0].quantity, 1)
        self.assertEqual(order.lines[0].current_quantity, 0)
        # Shopify's totals keep the order as placed
        self.assertEqual(order.total_price, Decimal("58.98"))
        self.assertEqual(order.computed_total, order.total_price)
        self.assertEqual(order.shipping_lines[0].tax_lines, ())

    def test_statuses(self):
        payload = load("order_paid_tax_excluded.json")
        for value, expected in (
            ("partial", "partial"),
            ("fulfilled", "fulfilled"),
            ("restocked", "restocked"),
            (None, "unfulfilled"),
        ):
            with self.subTest(fulfillment_status=value):
                payload["fulfillment_status"] = value
                order = order_mapper.order_from_webhook(payload)
                self.assertEqual(order.fulfillment_status, expected)
        payload["financial_status"] = "PARTIALLY_REFUNDED"
        order = order_mapper.order_from_webhook(payload)
        self.assertEqual(order.financial_status, "partially_refunded")
        payload["financial_status"] = "settled"
        self.assertInvalid(
            order_mapper.order_from_webhook, payload, "financial_status", "settled"
        )
        payload["financial_status"] = "paid"
        payload["fulfillment_status"] = "shipped"
        self.assertInvalid(
            order_mapper.order_from_webhook, payload, "fulfillment_status", "shipped"
        )

    def test_removed_shipping_lines_are_left_out(self):
        payload = load("order_paid_tax_excluded.json")
        removed = copy.deepcopy(payload["shipping_lines"][0])
        removed.update(id=5290482860081, title="Express", is_removed=True)
        payload["shipping_lines"].append(removed)
        order = order_mapper.order_from_webhook(payload)
        self.assertEqual(
            [line.title for line in order.shipping_lines], ["Standard Shipping"]
        )

    def test_empty_text_is_none(self):
        payload = load("order_paid_tax_excluded.json")
        payload["line_items"][0]["sku"] = ""
        payload["note"] = "  "
        payload["tags"] = ""
        order = order_mapper.order_from_webhook(payload)
        self.assertIsNone(order.lines[0].sku)
        self.assertIsNone(order.note)
        self.assertEqual(order.tags, ())

    def test_orders_are_comparable_and_hashable(self):
        first = order_mapper.order_from_webhook(load("order_tax_included.json"))
        second = order_mapper.order_from_webhook(load("order_tax_included.json"))
        self.assertEqual(first, second)
        self.assertEqual(hash(first), hash(second))
        with self.assertRaises(dataclasses.FrozenInstanceError):
            first.name = "#1"


class TestWebhookOrderErrors(MapperCase):
    def setUp(self):
        super().setUp()
        self.payload = load("order_paid_tax_excluded.json")

    def test_missing_line_items(self):
        del self.payload["line_items"]
        self.assertInvalid(
            order_mapper.order_from_webhook,
            self.payload,
            "line_items",
            "#1042",
            "is missing",
        )

    def test_non_numeric_price(self):
        self.payload["line_items"][1]["price"] = "eighteen"
        exc = self.assertInvalid(
            order_mapper.order_from_webhook,
            self.payload,
            "line_items[1].price",
            "#1042",
            "eighteen",
        )
        self.assertEqual(exc.details["remote_ref"], "gid://shopify/Order/6218845716529")
        self.assertEqual(exc.details["source"], "webhook")

    def test_non_numeric_shop_money(self):
        self.payload["line_items"][0]["price_set"]["shop_money"]["amount"] = "25,00"
        self.assertInvalid(
            order_mapper.order_from_webhook,
            self.payload,
            "line_items[0].price_set.shop_money.amount",
        )

    def test_missing_price(self):
        del self.payload["line_items"][0]["price"]
        del self.payload["line_items"][0]["price_set"]
        self.assertInvalid(
            order_mapper.order_from_webhook, self.payload, "line_items[0].price_set"
        )

    def test_bad_gids(self):
        payload = copy.deepcopy(self.payload)
        payload["admin_graphql_api_id"] = "gid://shopify/Product/6218845716529"
        self.assertInvalid(
            order_mapper.order_from_webhook,
            payload,
            "admin_graphql_api_id",
            "gid://shopify/Order/<number>",
        )
        payload = copy.deepcopy(self.payload)
        payload["line_items"][0]["admin_graphql_api_id"] = 15873029521457
        self.assertInvalid(
            order_mapper.order_from_webhook,
            payload,
            "line_items[0].admin_graphql_api_id",
        )
        payload = copy.deepcopy(self.payload)
        payload["customer"]["admin_graphql_api_id"] = "gid://shopify/Customer/"
        self.assertInvalid(
            order_mapper.order_from_webhook, payload, "customer.admin_graphql_api_id"
        )

    def test_id_must_match_gid(self):
        self.payload["id"] = 6218845716530
        self.assertInvalid(order_mapper.order_from_webhook, self.payload, "id")

    def test_bad_timestamp(self):
        self.payload["updated_at"] = "yesterday"
        self.assertInvalid(order_mapper.order_from_webhook, self.payload, "updated_at")

    def test_bad_quantity(self):
        self.payload["line_items"][0]["quantity"] = -1
        self.assertInvalid(
            order_mapper.order_from_webhook, self.payload, "line_items[0].quantity"
        )

    def test_discount_application_out_of_range(self):
        self.payload["line_items"][0]["discount_allocations"][0][
            "discount_application_index"
        ] = 3
        self.assertInvalid(
            order_mapper.order_from_webhook,
            self.payload,
            "line_items[0].discount_allocations[0].discount_application_index",
        )

    def test_several_problems_are_listed(self):
        del self.payload["currency"]
        self.payload["total_price"] = "n/a"
        exc = self.assertInvalid(
            order_mapper.order_from_webhook, self.payload, "currency"
        )
        self.assertIn("total_price", exc.message)
        self.assertEqual(exc.details["other_fields"], ["total_price"])

    def test_not_an_object(self):
        self.assertInvalid(order_mapper.order_from_webhook, ["#1042"], "(payload)")

    def test_unknown_fields_are_ignored(self):
        self.payload["a_field_of_a_later_version"] = {"anything": [1, 2]}
        self.payload["line_items"][0]["another_new_field"] = True
        order = order_mapper.order_from_webhook(self.payload)
        self.assertEqual(order.name, "#1042")


class TestGraphqlOrder(MapperCase):
    def setUp(self):
        super().setUp()
        self.node = load("order_graphql_node.json")

    def test_same_order_as_the_webhook(self):
        from_graphql = order_mapper.order_from_graphql(self.node)
        from_webhook = order_mapper.order_from_webhook(
            load("order_paid_tax_excluded.json")
        )
        self.assertEqual(
            dataclasses.asdict(from_graphql), dataclasses.asdict(from_webhook)
        )
        self.assertEqual(from_graphql, from_webhook)

    def test_statuses(self):
        for value, expected in (
            ("PAID", "paid"),
            ("PARTIALLY_REFUNDED", "partially_refunded"),
            ("AUTHORIZED", "authorized"),
            (None, None),
        ):
            with self.subTest(displayFinancialStatus=value):
                self.node["displayFinancialStatus"] = value
                order = order_mapper.order_from_graphql(self.node)
                self.assertEqual(order.financial_status, expected)
        for value, expected in (
            ("UNFULFILLED", "unfulfilled"),
            ("IN_PROGRESS", "unfulfilled"),
            ("ON_HOLD", "unfulfilled"),
            ("PARTIALLY_FULFILLED", "partial"),
            ("FULFILLED", "fulfilled"),
            ("RESTOCKED", "restocked"),
        ):
            with self.subTest(displayFulfillmentStatus=value):
                self.node["displayFulfillmentStatus"] = value
                order = order_mapper.order_from_graphql(self.node)
                self.assertEqual(order.fulfillment_status, expected)
        self.node["displayFulfillmentStatus"] = "TELEPORTED"
        self.assertInvalid(
            order_mapper.order_from_graphql, self.node, "displayFulfillmentStatus"
        )

    def test_cancelled(self):
        self.node["cancelledAt"] = "2026-11-06T16:15:30Z"
        self.node["cancelReason"] = "FRAUD"
        order = order_mapper.order_from_graphql(self.node)
        self.assertTrue(order.is_cancelled)
        self.assertEqual(order.cancel_reason, "fraud")

    def test_customer_without_email_or_phone(self):
        self.node["customer"]["defaultEmailAddress"] = None
        self.node["customer"]["defaultPhoneNumber"] = None
        order = order_mapper.order_from_graphql(self.node)
        self.assertIsNone(order.customer.email)
        self.assertIsNone(order.customer.phone)
        self.assertEqual(order.email, "emily.carter@example.com")

    def test_guest(self):
        self.node["customer"] = None
        self.node["shippingAddress"] = None
        order = order_mapper.order_from_graphql(self.node)
        self.assertIsNone(order.customer)
        self.assertIsNone(order.shipping_address)

    def test_legacy_id_must_match(self):
        self.node["legacyResourceId"] = "6218845716530"
        self.assertInvalid(
            order_mapper.order_from_graphql, self.node, "legacyResourceId"
        )

    def test_missing_selection(self):
        del self.node["lineItems"]["nodes"][0]["taxLines"]
        exc = self.assertInvalid(
            order_mapper.order_from_graphql,
            self.node,
            "lineItems.nodes[0].taxLines",
            "#1042",
        )
        self.assertIn("OrdersUpdatedSince", exc.hint)
        self.assertEqual(exc.details["source"], "graphql")

    def test_bad_gid(self):
        self.node["lineItems"]["nodes"][1]["variant"]["id"] = "gid://shopify/Product/1"
        self.assertInvalid(
            order_mapper.order_from_graphql, self.node, "lineItems.nodes[1].variant.id"
        )

    def test_non_numeric_amount(self):
        self.node["totalPriceSet"]["shopMoney"]["amount"] = "lots"
        self.assertInvalid(
            order_mapper.order_from_graphql, self.node, "totalPriceSet.shopMoney.amount"
        )

    def test_truncated_lines_are_refused(self):
        self.assertEqual(order_mapper.truncated_connections(self.node), ())
        self.node["lineItems"]["pageInfo"]["hasNextPage"] = True
        self.assertEqual(order_mapper.truncated_connections(self.node), ("lineItems",))
        exc = self.assertInvalid(
            order_mapper.order_from_graphql,
            self.node,
            "lineItems.pageInfo.hasNextPage",
            "#1042",
        )
        self.assertIn("OrderById", exc.hint)


class TestRefund(MapperCase):
    def setUp(self):
        super().setUp()
        self.payload = load("refund_partial.json")

    def test_partial_refund(self):
        refund = order_mapper.refund_from_webhook(self.payload)
        order = order_mapper.order_from_webhook(load("order_paid_tax_excluded.json"))
        self.assertEqual(refund.gid, "gid://shopify/Refund/1042871296049")
        self.assertEqual(refund.legacy_id, 1042871296049)
        self.assertEqual(refund.order_gid, order.gid)
        self.assertEqual(refund.created_at, datetime.datetime(2026, 11, 12, 19, 5, 48))
        self.assertEqual(refund.note, "Customer returned one tee (wrong size).")
        (line,) = refund.lines
        self.assertEqual(line.line_gid, order.lines[0].gid)
        self.assertEqual(line.quantity, 1)
        self.assertEqual(line.subtotal, Decimal("22.50"))
        self.assertEqual(line.total_tax, Decimal("2.00"))
        self.assertEqual(line.restock_type, "return")
        self.assertEqual(refund.shipping_amount, 0)
        self.assertEqual(refund.currency, "USD")
        self.assertEqual(refund.transactions_total, Decimal("24.50"))
        self.assertEqual(refund.transactions_currency, "USD")
        self.assertEqual(
            sum(line.subtotal + line.total_tax for line in refund.lines)
            + refund.shipping_amount
            + refund.shipping_tax,
            refund.transactions_total,
        )
        # half of the line: its net amount and taxes split by quantity
        ordered = order.lines[0]
        self.assertEqual(line.subtotal, ordered.net_amount / ordered.quantity)
        self.assertEqual(line.total_tax, ordered.tax_amount / ordered.quantity)

    def test_line_gid_from_line_item_id(self):
        del self.payload["refund_line_items"][0]["line_item"]
        refund = order_mapper.refund_from_webhook(self.payload)
        self.assertEqual(
            refund.lines[0].line_gid, "gid://shopify/LineItem/15873029521457"
        )

    def test_refund_shipping_lines(self):
        self.payload["refund_shipping_lines"] = [
            {
                "id": 2204713,
                "shipping_line_id": 5290482827313,
                "subtotal_amount_set": {
                    "shop_money": {"amount": "6.95", "currency_code": "USD"},
                    "presentment_money": {"amount": "6.95", "currency_code": "USD"},
                },
                "tax_amount_set": {
                    "shop_money": {"amount": "0.62", "currency_code": "USD"},
                    "presentment_money": {"amount": "0.62", "currency_code": "USD"},
                },
            }
        ]
        refund = order_mapper.refund_from_webhook(self.payload)
        self.assertEqual(refund.shipping_amount, Decimal("6.95"))
        self.assertEqual(refund.shipping_tax, Decimal("0.62"))
        self.assertEqual(
            sum(line.subtotal + line.total_tax for line in refund.lines)
            + refund.shipping_amount
            + refund.shipping_tax,
            Decimal("32.07"),
        )

    def test_shipping_refund_adjustment(self):
        self.payload["order_adjustments"] = [
            {
                "id": 318240721,
                "amount": "-6.95",
                "amount_set": {
                    "shop_money": {"amount": "-6.95", "currency_code": "USD"},
                    "presentment_money": {"amount": "-6.95", "currency_code": "USD"},
                },
                "kind": "shipping_refund",
                "order_id": 6218845716529,
                "reason": "Shipping refund",
                "refund_id": 1042871296049,
                "tax_amount": "-0.62",
                "tax_amount_set": {
                    "shop_money": {"amount": "-0.62", "currency_code": "USD"},
                    "presentment_money": {"amount": "-0.62", "currency_code": "USD"},
                },
            },
            {
                "id": 318240754,
                "amount": "1.00",
                "kind": "refund_discrepancy",
                "tax_amount": "0.00",
            },
        ]
        refund = order_mapper.refund_from_webhook(self.payload)
        self.assertEqual(refund.shipping_amount, Decimal("6.95"))
        self.assertEqual(refund.shipping_tax, Decimal("0.62"))

    def test_failed_transactions_are_not_counted(self):
        failed = copy.deepcopy(self.payload["transactions"][0])
        failed.update(id=7994120470577, status="failure")
        self.payload["transactions"].insert(0, failed)
        refund = order_mapper.refund_from_webhook(self.payload)
        self.assertEqual(refund.transactions_total, Decimal("24.50"))

    def test_invalid_refunds(self):
        payload = copy.deepcopy(self.payload)
        del payload["refund_line_items"]
        self.assertInvalid(
            order_mapper.refund_from_webhook,
            payload,
            "refund_line_items",
            "gid://shopify/Refund/1042871296049",
        )
        payload = copy.deepcopy(self.payload)
        payload["refund_line_items"][0]["restock_type"] = "teleport"
        self.assertInvalid(
            order_mapper.refund_from_webhook,
            payload,
            "refund_line_items[0].restock_type",
        )
        payload = copy.deepcopy(self.payload)
        payload["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"] = "x"
        self.assertInvalid(
            order_mapper.refund_from_webhook,
            payload,
            "refund_line_items[0].subtotal_set.shop_money.amount",
        )


def _selection_tree(selection_set):
    """Field name → sub-tree of a selection; inline fragments merged in.

    A field reached through an inline fragment is marked optional, since
    only nodes of that type carry it.
    """
    from graphql.language import FieldNode, InlineFragmentNode

    tree = {}
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            for name, (sub, _optional) in _selection_tree(
                selection.selection_set
            ).items():
                tree.setdefault(name, (sub, True))
        elif isinstance(selection, FieldNode):
            name = selection.alias.value if selection.alias else selection.name.value
            sub = (
                _selection_tree(selection.selection_set)
                if selection.selection_set
                else None
            )
            tree[name] = (sub, False)
    return tree


class TestGraphqlDocuments(unittest.TestCase):
    def _document(self, name):
        import graphql

        text = (DOCUMENTS / f"{name}.graphql").read_text(encoding="utf-8")
        document = graphql.parse(text)
        return text, document

    def test_one_named_operation_per_file(self):
        from graphql.language import OperationDefinitionNode

        for name in ("OrdersUpdatedSince", "OrderById"):
            with self.subTest(document=name):
                _text, document = self._document(name)
                (operation,) = document.definitions
                self.assertIsInstance(operation, OperationDefinitionNode)
                self.assertEqual(operation.name.value, name)

    def test_both_documents_select_the_same_order_fields(self):
        _text, poll = self._document("OrdersUpdatedSince")
        _text, one = self._document("OrderById")
        poll_tree = _selection_tree(poll.definitions[0].selection_set)
        one_tree = _selection_tree(one.definitions[0].selection_set)
        self.assertEqual(poll_tree["orders"][0]["nodes"][0], one_tree["order"][0])

    def test_node_fixture_matches_the_selection(self):
        _text, document = self._document("OrdersUpdatedSince")
        tree = _selection_tree(document.definitions[0].selection_set)
        order_tree = tree["orders"][0]["nodes"][0]

        def check(data, tree, path):
            if isinstance(data, list):
                for index, item in enumerate(data):
                    check(item, tree, f"{path}[{index}]")
                return
            if data is None or tree is None:
                return
            for key in data:
                self.assertIn(key, tree, f"{path}.{key} is not selected")
                check(data[key], tree[key][0], f"{path}.{key}")
            for key, (_sub, optional) in tree.items():
                if not optional:
                    self.assertIn(key, data, f"{path}.{key} is missing")

        check(load("order_graphql_node.json"), order_tree, "order")

    def test_documents_validate_against_the_schema(self):
        import graphql

        schema = load_schema("2026-10")
        for name, variables in (
            ("OrdersUpdatedSince", {"first": POLL_PAGE_SIZE}),
            ("OrderById", {}),
        ):
            with self.subTest(document=name):
                _text, document = self._document(name)
                self.assertEqual(graphql.validate(schema, document), [])
                self.assertEqual(_deprecated_fields(schema, document), [])
                cost = _requested_cost(schema, document, variables)
                self.assertLess(cost, MAX_QUERY_COST, f"{name} costs {cost}")


def _deprecated_fields(schema, document):
    """Deprecated fields a document selects, as ``Type.field``."""
    import graphql

    found = []
    info = graphql.TypeInfo(schema)

    class Visitor(graphql.Visitor):
        def enter_field(self, node, *_args):
            field = info.get_field_def()
            parent = info.get_parent_type()
            if field is not None and field.deprecation_reason:
                found.append(f"{parent.name}.{node.name.value}")

    graphql.visit(document, graphql.TypeInfoVisitor(info, Visitor()))
    return found


def _requested_cost(schema, document, variables):
    """Shopify's requested cost, estimated from its published rules.

    An object costs 1, a scalar or an enum 0, a connection 2 plus
    ``first`` times the cost of one node (1 for the node and its fields);
    ``pageInfo`` is an object. Lists of objects count one element; an
    interface costs the most expensive of its inline fragments.
    """
    import graphql
    from graphql.language import InlineFragmentNode, VariableNode

    def named(type_):
        return graphql.get_named_type(type_)

    def size(node):
        for argument in node.arguments:
            if argument.name.value in ("first", "last"):
                value = argument.value
                if isinstance(value, VariableNode):
                    return int(variables[value.name.value])
                return int(value.value)
        return 1

    def cost(selection_set, parent):
        total = fragments = 0
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = schema.get_type(selection.type_condition.name.value)
                fragments = max(fragments, cost(selection.selection_set, condition))
                continue
            field_type = named(parent.fields[selection.name.value].type)
            if not selection.selection_set:
                continue
            if field_type.name.endswith("Connection"):
                nodes_type = named(field_type.fields["nodes"].type)
                total += 2
                for sub in selection.selection_set.selections:
                    if sub.name.value == "nodes":
                        total += size(selection) * (
                            1 + cost(sub.selection_set, nodes_type)
                        )
                    elif sub.name.value == "pageInfo":
                        total += 1
            else:
                total += 1 + cost(selection.selection_set, field_type)
        return total + fragments

    operation = document.definitions[0]
    return cost(operation.selection_set, schema.query_type)

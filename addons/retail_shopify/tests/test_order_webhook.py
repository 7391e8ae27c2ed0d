"""orders/* webhook payloads mapped to canonical orders."""

import copy
import dataclasses
import datetime
from decimal import Decimal

from odoo.addons.retail_shopify.services import order_webhook

from .mapper_case import MapperCase, load

ORDER_FIXTURES = (
    "order_paid_tax_excluded.json",
    "order_tax_included.json",
    "order_multi_currency.json",
    "order_guest_no_customer.json",
    "order_cancelled.json",
)


class TestWebhookOrder(MapperCase):
    def test_tax_excluded_order(self):
        order = order_webhook.order_from_webhook(load("order_paid_tax_excluded.json"))
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
        order = order_webhook.order_from_webhook(load("order_paid_tax_excluded.json"))
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
        order = order_webhook.order_from_webhook(payload)
        self.assertEqual(order.unallocated_discount, Decimal("3.00"))
        # paying more than the lines is no discount: the totals check says so
        payload["total_price"] = "80.00"
        for money in payload["total_price_set"].values():
            money["amount"] = "80.00"
        order = order_webhook.order_from_webhook(payload)
        self.assertEqual(order.unallocated_discount, Decimal(0))

    def test_totals_of_every_fixture(self):
        for name in ORDER_FIXTURES:
            with self.subTest(fixture=name):
                order = order_webhook.order_from_webhook(load(name))
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
        order = order_webhook.order_from_webhook(load("order_tax_included.json"))
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
        order = order_webhook.order_from_webhook(payload)
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
        order = order_webhook.order_from_webhook(payload)
        self.assertEqual(order.lines[0].unit_price, Decimal("55.43"))
        self.assertEqual(order.total_price, Decimal("117.68"))

    def test_shop_money_in_another_currency_is_refused(self):
        payload = load("order_multi_currency.json")
        money = payload["line_items"][1]["price_set"]["shop_money"]
        money["currency_code"] = "USD"
        self.assertInvalid(
            order_webhook.order_from_webhook,
            payload,
            "line_items[1].price_set.shop_money.currency_code",
            "#ML2318",
            "EUR",
        )

    def test_guest_order(self):
        order = order_webhook.order_from_webhook(load("order_guest_no_customer.json"))
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
        order = order_webhook.order_from_webhook(payload)
        self.assertIsNone(order.customer)
        self.assertIsNone(order.shipping_address)

    def test_cancelled_order(self):
        order = order_webhook.order_from_webhook(load("order_cancelled.json"))
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
                order = order_webhook.order_from_webhook(payload)
                self.assertEqual(order.fulfillment_status, expected)
        payload["financial_status"] = "PARTIALLY_REFUNDED"
        order = order_webhook.order_from_webhook(payload)
        self.assertEqual(order.financial_status, "partially_refunded")
        payload["financial_status"] = "settled"
        self.assertInvalid(
            order_webhook.order_from_webhook, payload, "financial_status", "settled"
        )
        payload["financial_status"] = "paid"
        payload["fulfillment_status"] = "shipped"
        self.assertInvalid(
            order_webhook.order_from_webhook, payload, "fulfillment_status", "shipped"
        )

    def test_removed_shipping_lines_are_left_out(self):
        payload = load("order_paid_tax_excluded.json")
        removed = copy.deepcopy(payload["shipping_lines"][0])
        removed.update(id=5290482860081, title="Express", is_removed=True)
        payload["shipping_lines"].append(removed)
        order = order_webhook.order_from_webhook(payload)
        self.assertEqual(
            [line.title for line in order.shipping_lines], ["Standard Shipping"]
        )

    def test_empty_text_is_none(self):
        payload = load("order_paid_tax_excluded.json")
        payload["line_items"][0]["sku"] = ""
        payload["note"] = "  "
        payload["tags"] = ""
        order = order_webhook.order_from_webhook(payload)
        self.assertIsNone(order.lines[0].sku)
        self.assertIsNone(order.note)
        self.assertEqual(order.tags, ())

    def test_orders_are_comparable_and_hashable(self):
        first = order_webhook.order_from_webhook(load("order_tax_included.json"))
        second = order_webhook.order_from_webhook(load("order_tax_included.json"))
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
            order_webhook.order_from_webhook,
            self.payload,
            "line_items",
            "#1042",
            "is missing",
        )

    def test_non_numeric_price(self):
        self.payload["line_items"][1]["price"] = "eighteen"
        exc = self.assertInvalid(
            order_webhook.order_from_webhook,
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
            order_webhook.order_from_webhook,
            self.payload,
            "line_items[0].price_set.shop_money.amount",
        )

    def test_missing_price(self):
        del self.payload["line_items"][0]["price"]
        del self.payload["line_items"][0]["price_set"]
        self.assertInvalid(
            order_webhook.order_from_webhook, self.payload, "line_items[0].price_set"
        )

    def test_bad_gids(self):
        payload = copy.deepcopy(self.payload)
        payload["admin_graphql_api_id"] = "gid://shopify/Product/6218845716529"
        self.assertInvalid(
            order_webhook.order_from_webhook,
            payload,
            "admin_graphql_api_id",
            "gid://shopify/Order/<number>",
        )
        payload = copy.deepcopy(self.payload)
        payload["line_items"][0]["admin_graphql_api_id"] = 15873029521457
        self.assertInvalid(
            order_webhook.order_from_webhook,
            payload,
            "line_items[0].admin_graphql_api_id",
        )
        payload = copy.deepcopy(self.payload)
        payload["customer"]["admin_graphql_api_id"] = "gid://shopify/Customer/"
        self.assertInvalid(
            order_webhook.order_from_webhook, payload, "customer.admin_graphql_api_id"
        )

    def test_an_id_disagreeing_with_the_gid_is_noted_not_rejected(self):
        # 6218845716529 as a JavaScript relay rounds it past 2**53
        self.payload["id"] = 6218845716530
        order = order_webhook.order_from_webhook(self.payload)
        self.assertEqual(order.gid, self.payload["admin_graphql_api_id"])
        self.assertEqual(order.legacy_id, 6218845716529)
        (remark,) = order.remarks
        self.assertIn("id 6218845716530 differs", remark)
        self.assertIn("the GID is used", remark)

    def test_bad_timestamp(self):
        self.payload["updated_at"] = "yesterday"
        self.assertInvalid(order_webhook.order_from_webhook, self.payload, "updated_at")

    def test_bad_quantity(self):
        self.payload["line_items"][0]["quantity"] = -1
        self.assertInvalid(
            order_webhook.order_from_webhook, self.payload, "line_items[0].quantity"
        )

    def test_discount_application_out_of_range(self):
        self.payload["line_items"][0]["discount_allocations"][0][
            "discount_application_index"
        ] = 3
        self.assertInvalid(
            order_webhook.order_from_webhook,
            self.payload,
            "line_items[0].discount_allocations[0].discount_application_index",
        )

    def test_several_problems_are_listed(self):
        del self.payload["currency"]
        self.payload["total_price"] = "n/a"
        exc = self.assertInvalid(
            order_webhook.order_from_webhook, self.payload, "currency"
        )
        self.assertIn("total_price", exc.message)
        self.assertEqual(exc.details["other_fields"], ["total_price"])

    def test_not_an_object(self):
        self.assertInvalid(order_webhook.order_from_webhook, ["#1042"], "(payload)")

    def test_unknown_fields_are_ignored(self):
        self.payload["a_field_of_a_later_version"] = {"anything": [1, 2]}
        self.payload["line_items"][0]["another_new_field"] = True
        order = order_webhook.order_from_webhook(self.payload)
        self.assertEqual(order.name, "#1042")

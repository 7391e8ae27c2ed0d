"""refunds/create payloads of API 2026-10 mapped to canonical refunds."""

import copy
import datetime
from decimal import Decimal

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_shopify.services import order_webhook, refund_webhook

from .mapper_case import MapperCase, load


def refunded(refund, *, taxes_included):
    """What the lines and shipping of ``refund`` are worth, taxes included.

    With taxes included in the prices, the subtotals and the shipping amount
    already hold their taxes.
    """
    amount = sum(line.subtotal for line in refund.lines) + refund.shipping_amount
    if not taxes_included:
        amount += sum(line.total_tax for line in refund.lines) + refund.shipping_tax
    return amount


def order_line(order, gid):
    """The line of ``order`` whose gid is ``gid`` (KeyError if none)."""
    return {line.gid: line for line in order.lines}[gid]


class TestRefund(MapperCase):
    def setUp(self):
        super().setUp()
        self.payload = load("refund_partial.json")

    def test_partial_refund(self):
        refund = refund_webhook.refund_from_webhook(self.payload)
        order = order_webhook.order_from_webhook(load("order_paid_tax_excluded.json"))
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
            refunded(refund, taxes_included=False), refund.transactions_total
        )
        # half of the line: its net amount and taxes split by quantity
        ordered = order.lines[0]
        self.assertEqual(line.subtotal, ordered.net_amount / ordered.quantity)
        self.assertEqual(line.total_tax, ordered.tax_amount / ordered.quantity)

    def test_line_gid_from_line_item_id(self):
        del self.payload["refund_line_items"][0]["line_item"]
        refund = refund_webhook.refund_from_webhook(self.payload)
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
        refund = refund_webhook.refund_from_webhook(self.payload)
        self.assertEqual(refund.shipping_amount, Decimal("6.95"))
        self.assertEqual(refund.shipping_tax, Decimal("0.62"))
        self.assertEqual(refunded(refund, taxes_included=False), Decimal("32.07"))

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
        refund = refund_webhook.refund_from_webhook(self.payload)
        self.assertEqual(refund.shipping_amount, Decimal("6.95"))
        self.assertEqual(refund.shipping_tax, Decimal("0.62"))

    def test_failed_transactions_are_not_counted(self):
        failed = copy.deepcopy(self.payload["transactions"][0])
        failed.update(id=7994120470577, status="failure")
        self.payload["transactions"].insert(0, failed)
        refund = refund_webhook.refund_from_webhook(self.payload)
        self.assertEqual(refund.transactions_total, Decimal("24.50"))

    def test_invalid_refunds(self):
        payload = copy.deepcopy(self.payload)
        del payload["refund_line_items"]
        self.assertInvalid(
            refund_webhook.refund_from_webhook,
            payload,
            "refund_line_items",
            "gid://shopify/Refund/1042871296049",
        )
        payload = copy.deepcopy(self.payload)
        payload["refund_line_items"][0]["restock_type"] = "teleport"
        self.assertInvalid(
            refund_webhook.refund_from_webhook,
            payload,
            "refund_line_items[0].restock_type",
        )
        payload = copy.deepcopy(self.payload)
        payload["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"] = "x"
        self.assertInvalid(
            refund_webhook.refund_from_webhook,
            payload,
            "refund_line_items[0].subtotal_set.shop_money.amount",
        )


class TestRefundPayloads(MapperCase):
    def test_taxes_excluded(self):
        refund = refund_webhook.refund_from_webhook(load("refund_partial.json"))
        (line,) = refund.lines
        self.assertEqual(line.title, "Organic Cotton Tee - Navy / M")
        self.assertEqual(line.sku, "TEE-ORG-NAV-M")
        # prices without taxes: the taxes come on top of the subtotals
        self.assertEqual(refunded(refund, taxes_included=False), Decimal("24.50"))
        self.assertEqual(
            refunded(refund, taxes_included=False), refund.transactions_total
        )

    def test_taxes_included(self):
        payload = load("refund_tax_included.json")
        refund = refund_webhook.refund_from_webhook(payload)
        order = order_webhook.order_from_webhook(load("order_tax_included.json"))
        self.assertEqual(refund.order_gid, order.gid)
        self.assertTrue(order.taxes_included)
        (line,) = refund.lines
        ordered = order_line(order, line.line_gid)
        self.assertEqual(line.title, "Bonnet en laine - Gris chiné")
        self.assertEqual(line.restock_type, "return")
        self.assertEqual(
            (line.subtotal, line.total_tax), (Decimal("21.60"), Decimal("3.60"))
        )
        self.assertEqual(refund.shipping_amount, Decimal("4.90"))
        self.assertEqual(refund.shipping_tax, Decimal("0.82"))
        self.assertEqual(refund.currency, "EUR")
        self.assertEqual(refund.created_at, datetime.datetime(2026, 11, 14, 9, 12, 31))
        # the subtotals hold the tax: what went back is their sum
        self.assertEqual(refunded(refund, taxes_included=True), Decimal("26.50"))
        self.assertEqual(refund.transactions_total, Decimal("26.50"))
        # adding the taxes again would refund more than the customer paid back
        self.assertEqual(refunded(refund, taxes_included=False), Decimal("30.92"))
        # one unit of two: half the line's discounted price, taxes within
        self.assertEqual(line.subtotal, ordered.net_amount / ordered.quantity)
        self.assertEqual(line.total_tax, ordered.tax_amount / ordered.quantity)

    def test_multi_currency_reads_shop_money(self):
        refund = refund_webhook.refund_from_webhook(load("refund_multi_currency.json"))
        order = order_webhook.order_from_webhook(load("order_multi_currency.json"))
        self.assertNotEqual(order.presentment_currency, order.currency)
        (line,) = refund.lines
        self.assertEqual(line.subtotal, Decimal("24.73"))  # EUR, not the 29.00 USD
        self.assertEqual(line.restock_type, "no_restock")
        self.assertEqual(refund.shipping_amount, Decimal("12.79"))
        self.assertEqual(refund.currency, "EUR")
        self.assertEqual(refunded(refund, taxes_included=False), Decimal("37.52"))
        # the money went back in the currency the customer paid with
        self.assertEqual(refund.transactions_total, Decimal("44.00"))
        self.assertEqual(refund.transactions_currency, "USD")

    def test_shop_amounts_in_two_currencies_are_refused(self):
        payload = load("refund_multi_currency.json")
        shipping = payload["refund_shipping_lines"][0]["subtotal_amount_set"]
        shipping["shop_money"]["currency_code"] = "USD"
        with self.assertRaises(errors.PayloadValidationError) as caught:
            refund_webhook.refund_from_webhook(payload)
        self.assertIn("EUR, USD", caught.exception.message)
        self.assertEqual(
            caught.exception.details["field"],
            "refund_shipping_lines[0].subtotal_amount_set.shop_money.currency_code",
        )

    def test_shipping_only(self):
        payload = copy.deepcopy(load("refund_tax_included.json"))
        payload["refund_line_items"] = []
        payload["transactions"][0]["amount"] = "4.90"
        refund = refund_webhook.refund_from_webhook(payload)
        self.assertEqual(refund.lines, ())
        self.assertEqual(refunded(refund, taxes_included=True), Decimal("4.90"))
        self.assertEqual(refund.transactions_total, Decimal("4.90"))

    def test_line_without_line_item_has_no_title(self):
        payload = load("refund_partial.json")
        del payload["refund_line_items"][0]["line_item"]
        (line,) = refund_webhook.refund_from_webhook(payload).lines
        self.assertIsNone(line.title)
        self.assertIsNone(line.sku)

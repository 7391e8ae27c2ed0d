"""refunds/create payloads of API 2026-10 mapped to canonical refunds."""

import copy
import datetime
import json
import pathlib
import unittest
from decimal import Decimal

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_shopify.services import order_mapper

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


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


class TestRefundPayloads(unittest.TestCase):
    def test_taxes_excluded(self):
        refund = order_mapper.refund_from_webhook(load("refund_partial"))
        (line,) = refund.lines
        self.assertEqual(line.title, "Organic Cotton Tee - Navy / M")
        self.assertEqual(line.sku, "TEE-ORG-NAV-M")
        # prices without taxes: the taxes come on top of the subtotals
        self.assertEqual(refunded(refund, taxes_included=False), Decimal("24.50"))
        self.assertEqual(
            refunded(refund, taxes_included=False), refund.transactions_total
        )

    def test_taxes_included(self):
        payload = load("refund_tax_included")
        refund = order_mapper.refund_from_webhook(payload)
        order = order_mapper.order_from_webhook(load("order_tax_included"))
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
        refund = order_mapper.refund_from_webhook(load("refund_multi_currency"))
        order = order_mapper.order_from_webhook(load("order_multi_currency"))
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
        payload = load("refund_multi_currency")
        shipping = payload["refund_shipping_lines"][0]["subtotal_amount_set"]
        shipping["shop_money"]["currency_code"] = "USD"
        with self.assertRaises(errors.PayloadValidationError) as caught:
            order_mapper.refund_from_webhook(payload)
        self.assertIn("EUR, USD", caught.exception.message)
        self.assertEqual(
            caught.exception.details["field"],
            "refund_shipping_lines[0].subtotal_amount_set.shop_money.currency_code",
        )

    def test_shipping_only(self):
        payload = copy.deepcopy(load("refund_tax_included"))
        payload["refund_line_items"] = []
        payload["transactions"][0]["amount"] = "4.90"
        refund = order_mapper.refund_from_webhook(payload)
        self.assertEqual(refund.lines, ())
        self.assertEqual(refunded(refund, taxes_included=True), Decimal("4.90"))
        self.assertEqual(refund.transactions_total, Decimal("4.90"))

    def test_line_without_line_item_has_no_title(self):
        payload = load("refund_partial")
        del payload["refund_line_items"][0]["line_item"]
        (line,) = order_mapper.refund_from_webhook(payload).lines
        self.assertIsNone(line.title)
        self.assertIsNone(line.sku)

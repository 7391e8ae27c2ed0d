"""Refunds in the Shopify simulator behave like Shopify's."""

import json
import unittest
from decimal import Decimal
from pathlib import Path

from odoo.addons.retail_shopify.services import refund_webhook
from odoo.addons.retail_shopify.services.version import API_VERSION
from odoo.addons.retail_shopify.simulator.shopify import ShopifySimulator

GRAPHQL_DIR = Path(__file__).resolve().parent.parent / "graphql"
SHOP = "retail-sim-refund.myshopify.com"
TOKEN = "shpat_simulator_refund_token"
ENDPOINT = f"/admin/api/{API_VERSION}/graphql.json"
ORDER_REFUNDS = """
query OrderRefunds($id: ID!) {
  order(id: $id) {
    displayFinancialStatus
    totalRefundedSet { shopMoney { amount } }
    netPaymentSet { shopMoney { amount } }
    lineItems(first: 5) { nodes { quantity currentQuantity refundableQuantity } }
    transactions(first: 5) { kind status amountSet { shopMoney { amount } } }
    refunds(first: 5) {
      id
      totalRefundedSet { shopMoney { amount } }
      refundLineItems(first: 5) {
        nodes { quantity restockType restocked subtotalSet { shopMoney { amount } } }
      }
      transactions(first: 5) { nodes { kind parentTransaction { kind } } }
    }
  }
}
"""


class TestSimulatorRefunds(unittest.TestCase):
    # plain test case: these attributes let Odoo's test runner select it
    test_tags = {"standard", "at_install"}
    test_module = "retail_shopify"

    def setUp(self):
        super().setUp()
        self.sim = ShopifySimulator(shop_domain=SHOP, access_token=TOKEN)
        self.location = self.sim.add_location("Main warehouse")
        product = self.sim.add_product(
            "Ceramic mug", [{"sku": "MUG-1", "price": "12.50"}]
        )
        self.item = product["variants"][0]["inventoryItem"]["id"]
        self.sim.set_available(self.item, self.location, 10)

    def place_order(self, quantity=2, **kwargs):
        kwargs.setdefault("tax_lines", [{"title": "NY State Tax", "rate": "0.04"}])
        kwargs.setdefault(
            "shipping",
            {
                "title": "Standard",
                "price": "5.00",
                "tax_lines": [{"title": "NY State Tax", "rate": "0.04"}],
            },
        )
        payload = self.sim.create_order(
            [{"sku": "MUG-1", "quantity": quantity}], notify=False, **kwargs
        )
        return payload["admin_graphql_api_id"], payload["line_items"][0]

    def graphql(self, query, variables):
        body = json.dumps({"query": query, "variables": variables}).encode()
        status, _headers, content = self.sim.handle(
            "POST",
            ENDPOINT,
            {"Content-Type": "application/json", "X-Shopify-Access-Token": TOKEN},
            body,
        )
        data = json.loads(content)
        self.assertEqual(status, 200, data)
        self.assertNotIn("errors", data, data)
        return data["data"]

    def fulfil(self, gid, quantity):
        document = (GRAPHQL_DIR / "FulfillmentOrdersForOrder.graphql").read_text()
        order = self.graphql(document, {"id": gid})["order"]
        fulfillment_order = order["fulfillmentOrders"]["nodes"][0]
        line = fulfillment_order["lineItems"]["nodes"][0]
        document = (GRAPHQL_DIR / "FulfillmentCreate.graphql").read_text()
        result = self.graphql(
            document,
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": [
                        {
                            "fulfillmentOrderId": fulfillment_order["id"],
                            "fulfillmentOrderLineItems": [
                                {"id": line["id"], "quantity": quantity}
                            ],
                        }
                    ]
                }
            },
        )
        self.assertEqual(result["fulfillmentCreate"]["userErrors"], [])

    def available(self):
        return self.sim.available(self.item, self.location)

    def test_return_of_fulfilled_units(self):
        gid, line = self.place_order()
        self.fulfil(gid, 2)
        self.assertEqual(self.available(), 8)
        self.sim.outbox.clear()
        payload = self.sim.refund_order(
            gid, lines={line["admin_graphql_api_id"]: 1}, note="wrong colour"
        )
        self.assertEqual(
            [w.topic for w in self.sim.outbox],
            ["refunds/create", "orders/updated", "inventory_levels/update"],
        )
        self.assertEqual(self.sim.outbox[0].payload, payload)
        self.assertTrue(
            payload["admin_graphql_api_id"].startswith("gid://shopify/Refund/")
        )
        self.assertEqual(payload["order_id"], int(gid.rsplit("/", 1)[1]))
        self.assertEqual(payload["note"], "wrong colour")
        self.assertTrue(payload["restock"])
        (item,) = payload["refund_line_items"]
        self.assertEqual(item["line_item_id"], line["id"])
        self.assertEqual((item["quantity"], item["restock_type"]), (1, "return"))
        self.assertEqual((item["subtotal"], item["total_tax"]), ("12.50", "0.50"))
        self.assertEqual(item["line_item"]["current_quantity"], 1)
        (transaction,) = payload["transactions"]
        self.assertEqual(
            (transaction["kind"], transaction["status"], transaction["amount"]),
            ("refund", "success", "13.00"),
        )
        # back in stock at the location it was shipped from
        self.assertEqual(self.available(), 9)
        order = self.sim.order_payloads[gid]
        self.assertEqual(order["financial_status"], "partially_refunded")
        self.assertEqual(order["refunds"][0]["id"], payload["id"])
        refund = refund_webhook.refund_from_webhook(payload)
        self.assertEqual(
            sum(item.subtotal + item.total_tax for item in refund.lines)
            + refund.shipping_amount
            + refund.shipping_tax,
            refund.transactions_total,
        )
        data = self.graphql(ORDER_REFUNDS, {"id": gid})["order"]
        self.assertEqual(data["displayFinancialStatus"], "PARTIALLY_REFUNDED")
        self.assertEqual(data["totalRefundedSet"]["shopMoney"]["amount"], "13.0")
        self.assertEqual(data["netPaymentSet"]["shopMoney"]["amount"], "18.2")
        self.assertEqual(
            data["lineItems"]["nodes"][0],
            {"quantity": 2, "currentQuantity": 1, "refundableQuantity": 1},
        )
        self.assertEqual(
            [(t["kind"], t["status"]) for t in data["transactions"]],
            [("SALE", "SUCCESS"), ("REFUND", "SUCCESS")],
        )
        (graph_refund,) = data["refunds"]
        self.assertEqual(graph_refund["id"], payload["admin_graphql_api_id"])
        self.assertEqual(
            graph_refund["refundLineItems"]["nodes"][0],
            {
                "quantity": 1,
                "restockType": "RETURN",
                "restocked": True,
                "subtotalSet": {"shopMoney": {"amount": "12.5"}},
            },
        )
        self.assertEqual(
            graph_refund["transactions"]["nodes"][0],
            {"kind": "REFUND", "parentTransaction": {"kind": "SALE"}},
        )

    def test_cancel_of_unfulfilled_units_releases_them(self):
        gid, line = self.place_order(quantity=3)
        self.fulfil(gid, 1)
        payload = self.sim.refund_order(gid, lines={"MUG-1": 1}, restock_type="cancel")
        self.assertEqual(payload["refund_line_items"][0]["restock_type"], "cancel")
        self.assertEqual(self.sim.quantity(self.item, self.location, "committed"), 1)
        self.assertEqual(self.available(), 8)
        order_line = self.sim.order_payloads[gid]["line_items"][0]
        self.assertEqual(order_line["fulfillable_quantity"], 1)
        self.assertEqual(order_line["quantity"], 3)
        self.assertEqual(order_line["current_quantity"], 2)

    def test_no_restock_takes_unfulfilled_units_off(self):
        gid, _line = self.place_order()
        payload = self.sim.refund_order(
            gid, lines={"MUG-1": 2}, restock_type="no_restock", shipping=True
        )
        self.assertFalse(payload["restock"])
        self.assertIsNone(payload["refund_line_items"][0]["location_id"])
        # the units leave the order without coming back to available stock
        self.assertEqual(self.sim.quantity(self.item, self.location, "committed"), 0)
        self.assertEqual(self.available(), 8)
        self.assertEqual(self.sim.order_payloads[gid]["financial_status"], "refunded")
        self.assertEqual(payload["transactions"][0]["amount"], "31.20")

    def test_shipping_in_parts(self):
        gid, _line = self.place_order()
        first = self.sim.refund_order(gid, shipping="2.00")
        (shipping,) = first["refund_shipping_lines"]
        self.assertEqual(
            shipping["subtotal_amount_set"]["shop_money"]["amount"], "2.00"
        )
        self.assertEqual(shipping["tax_amount_set"]["shop_money"]["amount"], "0.08")
        second = self.sim.refund_order(gid, shipping=True)
        (shipping,) = second["refund_shipping_lines"]
        self.assertEqual(
            shipping["subtotal_amount_set"]["shop_money"]["amount"], "3.00"
        )
        self.assertEqual(shipping["tax_amount_set"]["shop_money"]["amount"], "0.12")
        self.assertEqual(second["transactions"][0]["amount"], "3.12")
        refund = refund_webhook.refund_from_webhook(second)
        self.assertEqual(refund.lines, ())
        self.assertEqual(refund.shipping_amount, Decimal("3.00"))
        with self.assertRaises(ValueError):
            self.sim.refund_order(gid, shipping=True)

    def test_taxes_included_are_not_added(self):
        gid, line = self.place_order(
            quantity=3,
            taxes_included=True,
            tax_lines=[{"title": "TVA", "rate": "0.2"}],
            shipping=None,
        )
        first = self.sim.refund_order(gid, lines={"MUG-1": 1}, restock_type="cancel")
        item = first["refund_line_items"][0]
        self.assertEqual((item["subtotal"], item["total_tax"]), ("12.50", "2.08"))
        self.assertEqual(first["transactions"][0]["amount"], "12.50")
        second = self.sim.refund_order(gid, lines={"MUG-1": 2}, restock_type="cancel")
        item = second["refund_line_items"][0]
        # the rounding rest goes with the last units: the line's tax exactly
        self.assertEqual((item["subtotal"], item["total_tax"]), ("25.00", "4.17"))
        tax = Decimal(line["tax_lines"][0]["price"])
        self.assertEqual(Decimal("2.08") + Decimal("4.17"), tax)
        refund = refund_webhook.refund_from_webhook(second)
        # the subtotals hold the taxes: adding them again would count them twice
        self.assertEqual(
            sum(item.subtotal for item in refund.lines) + refund.shipping_amount,
            refund.transactions_total,
        )

    def test_refunds_stay_consistent_with_the_order(self):
        gid, line = self.place_order()
        with self.assertRaisesRegex(ValueError, "fulfilled unit"):
            self.sim.refund_order(gid, lines={"MUG-1": 1}, restock_type="return")
        self.fulfil(gid, 1)
        with self.assertRaisesRegex(ValueError, "can be cancelled"):
            self.sim.refund_order(gid, lines={"MUG-1": 2}, restock_type="cancel")
        with self.assertRaisesRegex(ValueError, "only 2 can be"):
            self.sim.refund_order(gid, lines={"MUG-1": 3}, restock_type="no_restock")
        with self.assertRaisesRegex(ValueError, "no line"):
            self.sim.refund_order(gid, lines={"OTHER": 1})
        with self.assertRaisesRegex(ValueError, "at least one line"):
            self.sim.refund_order(gid)
        with self.assertRaisesRegex(ValueError, "restock type"):
            self.sim.refund_order(gid, lines={"MUG-1": 1}, restock_type="teleport")
        with self.assertRaisesRegex(ValueError, "shipping"):
            self.sim.refund_order(gid, shipping="9.00")
        unshipped, _line = self.place_order()
        self.sim.refund_order(unshipped, lines={"MUG-1": 1}, restock_type="cancel")
        with self.assertRaisesRegex(ValueError, "refunded order"):
            self.sim.update_order(unshipped, lines=[{"sku": "MUG-1", "quantity": 1}])
        pending, _line = self.place_order(financial_status="pending")
        with self.assertRaisesRegex(ValueError, "no payment to refund"):
            self.sim.refund_order(pending, lines={"MUG-1": 1}, restock_type="cancel")

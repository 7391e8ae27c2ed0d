"""The Shopify simulator behaves like the Admin API the connector relies on."""

import json
import unittest
from pathlib import Path

import requests

from odoo.addons.retail_connector_base.services.signatures import verify_hmac_sha256
from odoo.addons.retail_connector_base.simulator import (
    ManualClock,
    Receiver,
    SimulatorAdapter,
    mount,
)
from odoo.addons.retail_shopify.services.operations import default_store
from odoo.addons.retail_shopify.services.version import API_VERSION
from odoo.addons.retail_shopify.simulator.server import serve
from odoo.addons.retail_shopify.simulator.shopify import (
    INVALID_TOKEN,
    ShopifySimulator,
)

GRAPHQL_DIR = Path(__file__).resolve().parent.parent / "graphql"
SHOP = "retail-sim-test.myshopify.com"
TOKEN = "shpat_simulator_test_token"
SECRET = "simulator-test-client-secret"
ENDPOINT = f"/admin/api/{API_VERSION}/graphql.json"


def document(name):
    return default_store().get(name)


class SimulatorCase(unittest.TestCase):
    # plain test case: these attributes let Odoo's test runner select it
    test_tags = {"standard", "at_install"}
    test_module = "retail_shopify"

    def setUp(self):
        super().setUp()
        self.clock = ManualClock()
        self.sim = self.make_simulator()
        self.location = self.sim.add_location("Main warehouse")
        self.product = self.sim.add_product(
            "Ceramic mug",
            [{"sku": "MUG-1", "barcode": "0012345000048", "price": "12.50"}],
        )
        self.variant = self.product["variants"][0]
        self.item = self.variant["inventoryItem"]["id"]
        self.sim.set_available(self.item, self.location, 10)

    def make_simulator(self, **kwargs):
        options = {
            "shop_domain": SHOP,
            "access_token": TOKEN,
            "client_secret": SECRET,
            "clock": self.clock,
        }
        options.update(kwargs)
        return ShopifySimulator(**options)

    def post(self, query, variables=None, token=TOKEN, sim=None):
        """POST a document; return ``(status, decoded body)``."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["X-Shopify-Access-Token"] = token
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        status, _headers, content = (sim or self.sim).handle(
            "POST", ENDPOINT, headers, body
        )
        return status, json.loads(content)

    def run_operation(self, name, variables=None):
        status, body = self.post(document(name), variables)
        self.assertEqual(status, 200, body)
        self.assertNotIn("errors", body, body)
        return body["data"]


class TestAccessAndValidation(SimulatorCase):
    def test_missing_or_wrong_token_is_401(self):
        for token in (None, "shpat_wrong"):
            with self.subTest(token=token):
                status, body = self.post(document("ShopInfo"), token=token)
                self.assertEqual(status, 401)
                self.assertEqual(body, {"errors": INVALID_TOKEN})
        self.assertEqual(
            [call.outcome for call in self.sim.calls], ["unauthorized"] * 2
        )

    def test_unknown_api_version_is_404(self):
        status, _headers, _body = self.sim.handle(
            "POST",
            "/admin/api/2024-01/graphql.json",
            {"X-Shopify-Access-Token": TOKEN},
            json.dumps({"query": document("ShopInfo")}).encode(),
        )
        self.assertEqual(status, 404)

    def test_invalid_document_answers_errors_without_data(self):
        status, body = self.post("query Broken { shop { nme } }")
        self.assertEqual(status, 200)
        self.assertNotIn("data", body)
        self.assertIn("nme", body["errors"][0]["message"])
        self.assertEqual(body["extensions"]["cost"]["actualQueryCost"], 0)
        self.assertEqual(self.sim.throttle_status()["currentlyAvailable"], 2000)
        self.assertEqual(self.sim.calls[-1].outcome, "invalid")

    def test_shop_info(self):
        data = self.run_operation("ShopInfo")
        self.assertEqual(data["shop"]["myshopifyDomain"], SHOP)
        self.assertEqual(data["shop"]["currencyCode"], "USD")

    def test_locations_are_paginated(self):
        self.sim.add_location("Annex")
        self.sim.add_location("Brooklyn store")
        first = self.run_operation("Locations", {"first": 2})["locations"]
        self.assertEqual(len(first["nodes"]), 2)
        self.assertTrue(first["pageInfo"]["hasNextPage"])
        rest = self.run_operation(
            "Locations", {"first": 2, "after": first["pageInfo"]["endCursor"]}
        )["locations"]
        self.assertEqual(len(rest["nodes"]), 1)
        self.assertFalse(rest["pageInfo"]["hasNextPage"])
        names = [n["name"] for n in first["nodes"] + rest["nodes"]]
        self.assertEqual(names, ["Annex", "Brooklyn store", "Main warehouse"])

    def test_connection_without_first_is_an_error(self):
        status, body = self.post("query NoFirst { locations { nodes { id } } }")
        self.assertEqual(status, 200)
        self.assertIn("first or last", body["errors"][0]["message"])

    def test_injected_failures(self):
        self.sim.fail_next(2, status=503)
        for _attempt in range(2):
            status, headers, _body = self.sim.handle(
                "POST",
                ENDPOINT,
                {"X-Shopify-Access-Token": TOKEN},
                json.dumps({"query": document("ShopInfo")}).encode(),
            )
            self.assertEqual(status, 503)
            self.assertEqual(headers["Retry-After"], "1")
        self.run_operation("ShopInfo")


class TestCost(SimulatorCase):
    def test_cost_is_charged_and_the_unused_part_refunded(self):
        status, body = self.post(document("Locations"), {"first": 50})
        self.assertEqual(status, 200)
        cost = body["extensions"]["cost"]
        # 2 for the connection, 50 locations of 1, 1 for pageInfo
        self.assertEqual(cost["requestedQueryCost"], 53)
        # one location came back
        self.assertEqual(cost["actualQueryCost"], 4)
        self.assertEqual(
            cost["throttleStatus"],
            {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 1996,
                "restoreRate": 100.0,
            },
        )
        call = self.sim.calls[-1]
        self.assertEqual(
            (call.operation, call.variables, call.cost, call.actual_cost),
            ("Locations", {"first": 50}, 53, 4),
        )

    def test_throttled_when_the_bucket_is_empty_then_ok_after_restore(self):
        sim = self.make_simulator(bucket_size=60, restore_rate=10)
        sim.add_location("Main warehouse")
        query, variables = document("Locations"), {"first": 50}
        for expected_left in (56, 52):
            status, body = self.post(query, variables, sim=sim)
            self.assertEqual(status, 200)
            self.assertEqual(
                body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
                expected_left,
            )
        status, body = self.post(query, variables, sim=sim)
        self.assertEqual(status, 200)
        self.assertNotIn("data", body)
        self.assertEqual(body["errors"][0]["message"], "Throttled")
        self.assertEqual(body["errors"][0]["extensions"]["code"], "THROTTLED")
        self.assertIsNone(body["extensions"]["cost"]["actualQueryCost"])
        self.assertEqual(body["extensions"]["cost"]["requestedQueryCost"], 53)
        self.clock.advance(0.1)  # restores one point: 53 available
        status, body = self.post(query, variables, sim=sim)
        self.assertIn("data", body)
        self.assertEqual(
            [c.outcome for c in sim.calls], ["ok", "ok", "throttled", "ok"]
        )

    def test_an_injected_spent_bucket_answers_throttled_until_it_refills(self):
        self.sim.spend_bucket_next(1, short_by=20)
        self.sim.spend_bucket_next(1)
        self.assertEqual(len(self.sim.faults), 2)
        query, variables = document("Locations"), {"first": 50}

        def throttled():
            status, body = self.post(query, variables)
            self.assertEqual(status, 200)
            self.assertNotIn("data", body)
            self.assertEqual(body["errors"][0]["extensions"]["code"], "THROTTLED")
            self.assertEqual(body["extensions"]["cost"]["requestedQueryCost"], 53)
            return body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]

        # 20 points short of the 53 the query costs, then empty
        self.assertEqual(throttled(), 33)
        self.assertEqual(throttled(), 0)
        self.assertEqual(len(self.sim.faults), 0)
        # 100 points a second: 30 after 0.305 s, 55 after 0.555 s
        self.clock.advance(0.305)
        self.assertEqual(throttled(), 30)
        self.clock.advance(0.25)
        status, body = self.post(query, variables)
        self.assertIn("data", body)
        # logged once each, as the bucket answered them
        self.assertEqual(
            [c.outcome for c in self.sim.calls],
            ["throttled", "throttled", "throttled", "ok"],
        )

    def test_query_above_the_single_query_limit_is_refused(self):
        status, body = self.post(
            "query Huge { products(first: 250) { nodes { variants(first: 250) "
            "{ nodes { id } } } } }"
        )
        self.assertEqual(status, 200)
        self.assertEqual(body["errors"][0]["extensions"]["code"], "MAX_COST_EXCEEDED")
        self.assertEqual(self.sim.throttle_status()["currentlyAvailable"], 2000)


class TestInventory(SimulatorCase):
    def set_quantities(self, key, change_from, quantity=7):
        entry = {
            "inventoryItemId": self.item,
            "locationId": self.location,
            "quantity": quantity,
        }
        if change_from is not ...:
            entry["changeFromQuantity"] = change_from
        variables = {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [entry],
            },
            "idempotencyKey": key,
        }
        return self.run_operation("InventorySetQuantities", variables)[
            "inventorySetQuantities"
        ]

    def test_compare_and_swap_success(self):
        result = self.set_quantities("key-1", 10)
        self.assertEqual(result["userErrors"], [])
        available = [
            c
            for c in result["inventoryAdjustmentGroup"]["changes"]
            if c["name"] == "available"
        ]
        self.assertEqual(
            available,
            [
                {
                    "name": "available",
                    "delta": -3,
                    "quantityAfterChange": 7,
                    "item": {"id": self.item},
                    "location": {"id": self.location},
                }
            ],
        )
        self.assertEqual(self.sim.available(self.item, self.location), 7)
        webhook = self.sim.outbox[-1]
        self.assertEqual(webhook.topic, "inventory_levels/update")
        self.assertEqual(
            set(webhook.payload),
            {
                "inventory_item_id",
                "location_id",
                "available",
                "updated_at",
                "admin_graphql_api_id",
            },
        )
        self.assertEqual(webhook.payload["available"], 7)

    def test_stale_change_from_quantity_changes_nothing(self):
        result = self.set_quantities("key-1", 9)
        self.assertIsNone(result["inventoryAdjustmentGroup"])
        self.assertEqual(
            [e["code"] for e in result["userErrors"]], ["CHANGE_FROM_QUANTITY_STALE"]
        )
        self.assertEqual(self.sim.available(self.item, self.location), 10)
        self.assertEqual(self.sim.outbox, [])

    def test_change_from_quantity_is_required(self):
        result = self.set_quantities("key-1", ...)
        self.assertEqual(
            [e["code"] for e in result["userErrors"]], ["COMPARE_QUANTITY_REQUIRED"]
        )
        self.assertEqual(self.sim.available(self.item, self.location), 10)

    def test_repeated_idempotency_key_is_not_applied_twice(self):
        first = self.set_quantities("key-1", 10, quantity=4)
        again = self.set_quantities("key-1", 10, quantity=4)
        self.assertEqual(first, again)
        self.assertEqual(self.sim.available(self.item, self.location), 4)
        self.assertEqual(len(self.sim.outbox), 1)
        other = self.set_quantities("key-1", 4, quantity=2)
        self.assertEqual(
            [e["code"] for e in other["userErrors"]],
            ["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"],
        )
        self.assertEqual(self.sim.available(self.item, self.location), 4)

    def test_idempotency_key_is_required(self):
        status, body = self.post(
            "mutation NoKey($input: InventorySetQuantitiesInput!) { "
            "inventorySetQuantities(input: $input) { userErrors { code } } }",
            {
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": [
                        {
                            "inventoryItemId": self.item,
                            "locationId": self.location,
                            "quantity": 1,
                            "changeFromQuantity": 10,
                        }
                    ],
                }
            },
        )
        self.assertEqual(status, 200)
        self.assertIsNone(body["data"]["inventorySetQuantities"])
        self.assertIn("idempotency key", body["errors"][0]["message"])
        self.assertEqual(self.sim.available(self.item, self.location), 10)

    def test_inventory_levels_read_back(self):
        data = self.run_operation(
            "InventoryLevels", {"ids": [self.item], "locationId": self.location}
        )
        self.assertEqual(
            data["nodes"],
            [
                {
                    "id": self.item,
                    "inventoryLevel": {
                        "quantities": [{"name": "available", "quantity": 10}]
                    },
                }
            ],
        )


class TestOrdersAndFulfilment(SimulatorCase):
    def place_order(self, quantity=2, **kwargs):
        return self.sim.create_order(
            [{"variant_gid": self.variant["id"], "quantity": quantity}], **kwargs
        )

    def test_order_commits_stock_and_records_webhooks(self):
        payload = self.place_order(
            tax_lines=[{"title": "NY State Tax", "rate": "0.04"}],
            shipping={"title": "Standard", "price": "5.00"},
        )
        self.assertEqual(self.sim.available(self.item, self.location), 8)
        self.assertEqual(self.sim.quantity(self.item, self.location, "committed"), 2)
        self.assertEqual(
            [w.topic for w in self.sim.outbox],
            ["orders/create", "orders/paid", "inventory_levels/update"],
        )
        self.assertTrue(
            payload["admin_graphql_api_id"].startswith("gid://shopify/Order/")
        )
        self.assertEqual(payload["financial_status"], "paid")
        self.assertEqual(payload["subtotal_price"], "25.00")
        self.assertEqual(payload["total_tax"], "1.00")
        self.assertEqual(payload["total_price"], "31.00")
        self.assertEqual(
            payload["total_price_set"]["shop_money"],
            {"amount": "31.00", "currency_code": "USD"},
        )
        self.assertEqual(payload["line_items"][0]["sku"], "MUG-1")
        self.assertEqual(payload["line_items"][0]["tax_lines"][0]["price"], "1.00")

    def test_order_read_back_through_order_by_id(self):
        payload = self.place_order(
            discount_code="WELCOME",
            tax_lines=[{"title": "NY State Tax", "rate": "0.04"}],
        )
        payload_line = payload["line_items"][0]
        self.sim.update_order(payload["admin_graphql_api_id"], note="gift")
        order = self.run_operation(
            "OrderById", {"id": payload["admin_graphql_api_id"]}
        )["order"]
        self.assertEqual(order["name"], payload["name"])
        self.assertEqual(order["displayFinancialStatus"], "PAID")
        self.assertEqual(order["note"], "gift")
        self.assertEqual(order["totalPriceSet"]["shopMoney"]["amount"], "26.0")
        line = order["lineItems"]["nodes"][0]
        self.assertEqual(line["id"], payload_line["admin_graphql_api_id"])
        self.assertEqual((line["sku"], line["quantity"]), ("MUG-1", 2))
        self.assertEqual(line["variant"]["id"], self.variant["id"])
        self.assertEqual(line["taxLines"][0]["priceSet"]["shopMoney"]["amount"], "1.0")
        self.assertGreater(order["updatedAt"], order["createdAt"])

    def test_orders_updated_since(self):
        first = self.place_order()
        second = self.place_order()
        self.sim.update_order(first["admin_graphql_api_id"], note="changed")
        query = f"updated_at:>='{second['updated_at']}'"
        data = self.run_operation(
            "OrderStampsUpdatedSince", {"first": 5, "query": query}
        )
        edges = data["orders"]["edges"]
        gids = [edge["node"]["id"] for edge in edges]
        self.assertEqual(
            gids, [second["admin_graphql_api_id"], first["admin_graphql_api_id"]]
        )
        self.assertLess(edges[0]["node"]["updatedAt"], edges[1]["node"]["updatedAt"])
        # each edge's cursor resumes the listing after it
        rest = self.run_operation(
            "OrderStampsUpdatedSince",
            {"first": 5, "query": query, "after": edges[0]["cursor"]},
        )["orders"]
        self.assertEqual([e["node"]["id"] for e in rest["edges"]], gids[1:])
        self.assertFalse(rest["pageInfo"]["hasNextPage"])

    def test_orders_by_ids(self):
        first = self.place_order()
        second = self.place_order()
        gids = [second["admin_graphql_api_id"], first["admin_graphql_api_id"]]
        nodes = self.run_operation("OrdersByIds", {"ids": gids})["nodes"]
        self.assertEqual(
            [node["name"] for node in nodes], [second["name"], first["name"]]
        )
        self.assertEqual(nodes[0]["lineItems"]["nodes"][0]["sku"], "MUG-1")
        # an order that does not exist (deleted) answers null in its place
        missing = "gid://shopify/Order/999999999"
        self.assertEqual(
            self.run_operation("OrdersByIds", {"ids": [missing, gids[0]]})["nodes"][0],
            None,
        )

    def test_nodes_take_at_most_250_ids(self):
        ids = [f"gid://shopify/Order/{n}" for n in range(1, 252)]
        query = "query Ids($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        _status, body = self.post(query, {"ids": ids})
        self.assertIn(
            "greater than the maximum allowed of 250", body["errors"][0]["message"]
        )

    def fulfillment_order(self, order_gid):
        data = self.run_operation("FulfillmentOrdersForOrder", {"id": order_gid})
        return data["order"]["fulfillmentOrders"]["nodes"][0]

    def create_fulfillment(self, fulfillment_order, quantity):
        line = fulfillment_order["lineItems"]["nodes"][0]
        variables = {
            "fulfillment": {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fulfillment_order["id"],
                        "fulfillmentOrderLineItems": [
                            {"id": line["id"], "quantity": quantity}
                        ],
                    }
                ],
                "trackingInfo": {
                    "number": "1Z999",
                    "company": "UPS",
                    "url": "https://tracking.example.com/1Z999",
                },
                "notifyCustomer": True,
            }
        }
        return self.run_operation("FulfillmentCreate", variables)["fulfillmentCreate"]

    def test_fulfillment_create_and_tracking_update(self):
        gid = self.place_order()["admin_graphql_api_id"]
        fulfillment_order = self.fulfillment_order(gid)
        self.assertEqual(fulfillment_order["status"], "OPEN")
        self.assertEqual(
            fulfillment_order["assignedLocation"]["location"]["id"], self.location
        )
        line = fulfillment_order["lineItems"]["nodes"][0]
        self.assertEqual(
            (line["remainingQuantity"], line["lineItem"]["sku"]), (2, "MUG-1")
        )

        too_many = self.create_fulfillment(fulfillment_order, 3)
        self.assertIsNone(too_many["fulfillment"])
        self.assertEqual(len(too_many["userErrors"]), 1)
        self.assertEqual(
            self.fulfillment_order(gid)["lineItems"]["nodes"][0]["remainingQuantity"], 2
        )

        created = self.create_fulfillment(fulfillment_order, 2)
        self.assertEqual(created["userErrors"], [])
        fulfillment = created["fulfillment"]
        self.assertEqual(fulfillment["status"], "SUCCESS")
        self.assertEqual(fulfillment["trackingInfo"][0]["number"], "1Z999")
        self.assertEqual(self.fulfillment_order(gid)["status"], "CLOSED")
        self.assertEqual(
            self.sim.order_payloads[gid]["fulfillment_status"], "fulfilled"
        )
        self.assertEqual(self.sim.quantity(self.item, self.location, "committed"), 0)
        self.assertEqual(self.sim.quantity(self.item, self.location, "on_hand"), 8)

        updated = self.run_operation(
            "FulfillmentTrackingInfoUpdate",
            {
                "fulfillmentId": fulfillment["id"],
                "trackingInfoInput": {"number": "1Z1000", "company": "UPS"},
            },
        )["fulfillmentTrackingInfoUpdate"]
        self.assertEqual(updated["userErrors"], [])
        self.assertEqual(updated["fulfillment"]["trackingInfo"][0]["number"], "1Z1000")
        missing = self.run_operation(
            "FulfillmentTrackingInfoUpdate",
            {
                "fulfillmentId": "gid://shopify/Fulfillment/1",
                "trackingInfoInput": {"number": "X"},
            },
        )["fulfillmentTrackingInfoUpdate"]
        self.assertEqual(missing["userErrors"][0]["field"], ["fulfillmentId"])
        topics = [w.topic for w in self.sim.outbox]
        self.assertIn("fulfillments/create", topics)
        self.assertIn("fulfillments/update", topics)

    def test_cancel_order_restocks(self):
        gid = self.place_order()["admin_graphql_api_id"]
        payload = self.sim.cancel_order(gid)
        self.assertEqual(payload["cancel_reason"], "customer")
        self.assertEqual(payload["financial_status"], "refunded")
        self.assertEqual(self.sim.available(self.item, self.location), 10)
        self.assertEqual(self.fulfillment_order(gid)["status"], "CANCELLED")
        self.assertIn("orders/cancelled", [w.topic for w in self.sim.outbox])


class TestProductsAndBulk(SimulatorCase):
    def test_product_set_creates_then_updates(self):
        created = self.run_operation(
            "ProductSet",
            {
                "input": {
                    "title": "Linen apron",
                    "productOptions": [
                        {
                            "name": "Color",
                            "values": [{"name": "Sand"}, {"name": "Navy"}],
                        }
                    ],
                    "variants": [
                        {
                            "sku": "APRON-SND",
                            "price": "39.00",
                            "optionValues": [{"optionName": "Color", "name": "Sand"}],
                        },
                        {
                            "sku": "APRON-NVY",
                            "price": "39.00",
                            "optionValues": [{"optionName": "Color", "name": "Navy"}],
                        },
                    ],
                }
            },
        )["productSet"]
        self.assertEqual(created["userErrors"], [])
        product = created["product"]
        self.assertEqual(product["handle"], "linen-apron")
        skus = [v["sku"] for v in product["variants"]["nodes"]]
        self.assertEqual(skus, ["APRON-SND", "APRON-NVY"])
        sand = product["variants"]["nodes"][0]
        updated = self.run_operation(
            "ProductSet",
            {
                "identifier": {"id": product["id"]},
                "input": {
                    "variants": [
                        {
                            "id": sand["id"],
                            "sku": "APRON-SAND",
                            "barcode": "0012345000055",
                            "optionValues": [{"optionName": "Color", "name": "Sand"}],
                        }
                    ]
                },
            },
        )["productSet"]
        self.assertEqual(updated["userErrors"], [])
        self.assertEqual(
            updated["product"]["variants"]["nodes"],
            [
                {
                    "id": sand["id"],
                    "sku": "APRON-SAND",
                    "barcode": "0012345000055",
                    "inventoryItem": sand["inventoryItem"],
                }
            ],
        )
        duplicate = self.run_operation(
            "ProductSet", {"input": {"title": "Other", "handle": "linen-apron"}}
        )["productSet"]
        self.assertEqual(
            [e["code"] for e in duplicate["userErrors"]], ["HANDLE_NOT_UNIQUE"]
        )

    def test_bulk_operation_produces_jsonl(self):
        started = self.run_operation(
            "BulkOperationRunQuery", {"query": document("BulkProductVariants")}
        )["bulkOperationRunQuery"]
        self.assertEqual(started["userErrors"], [])
        operation = started["bulkOperation"]
        self.assertEqual(operation["status"], "CREATED")
        statuses = []
        while operation["status"] != "COMPLETED":
            operation = self.run_operation(
                "BulkOperationById", {"id": operation["id"]}
            )["node"]
            statuses.append(operation["status"])
            self.assertLess(len(statuses), 5)
        self.assertEqual(statuses, ["RUNNING", "COMPLETED"])
        self.assertEqual(operation["objectCount"], "2")
        session = requests.Session()
        session.mount(f"https://{SHOP}", SimulatorAdapter(self.sim))
        response = session.get(operation["url"], timeout=5)
        self.assertEqual(response.status_code, 200)
        lines = [json.loads(line) for line in response.text.splitlines()]
        self.assertEqual(lines[0]["id"], self.product["id"])
        self.assertNotIn("variants", lines[0])
        self.assertEqual(
            lines[1],
            {
                "id": self.variant["id"],
                "sku": "MUG-1",
                "barcode": "0012345000048",
                "price": "12.50",
                "inventoryItem": {"id": self.item},
                "__parentId": self.product["id"],
            },
        )
        self.assertEqual(self.sim.outbox[-1].topic, "bulk_operations/finish")

    def test_bulk_query_must_be_valid(self):
        result = self.run_operation(
            "BulkOperationRunQuery", {"query": "{ shop { name } }"}
        )["bulkOperationRunQuery"]
        self.assertIsNone(result["bulkOperation"])
        self.assertEqual(result["userErrors"][0]["code"], "INVALID")


class TestWebhooks(SimulatorCase):
    def test_signature_verifies_with_the_client_secret(self):
        headers, body = self.sim.signed_webhook(
            "orders/create", {"id": 1, "name": "#1001"}, event_id="event-1"
        )
        signature = headers["X-Shopify-Hmac-Sha256"]
        self.assertTrue(verify_hmac_sha256(SECRET, body, signature))
        self.assertFalse(verify_hmac_sha256(SECRET, body + b" ", signature))
        self.assertFalse(verify_hmac_sha256("another-secret", body, signature))
        self.assertEqual(headers["X-Shopify-Topic"], "orders/create")
        self.assertEqual(headers["X-Shopify-Shop-Domain"], SHOP)
        self.assertEqual(headers["X-Shopify-API-Version"], API_VERSION)
        self.assertEqual(headers["X-Shopify-Event-Id"], "event-1")
        for name in ("X-Shopify-Webhook-Id", "X-Shopify-Triggered-At"):
            self.assertTrue(headers[name])

    def test_subscriptions_crud(self):
        created = self.run_operation(
            "WebhookSubscriptionCreate",
            {
                "topic": "ORDERS_CREATE",
                "webhookSubscription": {"uri": "https://odoo.example.com/hook/1"},
            },
        )["webhookSubscriptionCreate"]
        self.assertEqual(created["userErrors"], [])
        gid = created["webhookSubscription"]["id"]
        twice = self.run_operation(
            "WebhookSubscriptionCreate",
            {
                "topic": "ORDERS_CREATE",
                "webhookSubscription": {"uri": "https://odoo.example.com/hook/1"},
            },
        )["webhookSubscriptionCreate"]
        self.assertEqual(len(twice["userErrors"]), 1)
        self.run_operation(
            "WebhookSubscriptionUpdate",
            {
                "id": gid,
                "webhookSubscription": {"uri": "https://odoo.example.com/hook/2"},
            },
        )
        listed = self.run_operation("WebhookSubscriptions", {"first": 10})
        self.assertEqual(
            [(n["topic"], n["uri"]) for n in listed["webhookSubscriptions"]["nodes"]],
            [("ORDERS_CREATE", "https://odoo.example.com/hook/2")],
        )
        deleted = self.run_operation("WebhookSubscriptionDelete", {"id": gid})
        self.assertEqual(
            deleted["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"], gid
        )

    def test_failed_delivery_is_retried_with_the_same_event_id(self):
        self.sim.create_order([{"sku": "MUG-1", "quantity": 1}])
        receiver = Receiver([503, 200, 200, 200], base_url="https://odoo.example.com")
        session = mount(requests.Session(), receiver)
        url = "https://odoo.example.com/retail/shopify/webhook/1"
        self.assertEqual(len(self.sim.outbox), 3)
        delivered = self.sim.deliver(url, session)
        self.assertEqual(
            [w.topic for w in delivered], ["orders/paid", "inventory_levels/update"]
        )
        self.assertEqual([w.attempts for w in self.sim.outbox], [1])
        self.assertEqual(self.sim.deliver(url, session), [])  # not due before 5 s
        self.clock.advance(5)
        retried = self.sim.deliver(url, session)
        self.assertEqual([w.topic for w in retried], ["orders/create"])
        self.assertEqual(self.sim.outbox, [])
        first, last = receiver.requests[0], receiver.requests[-1]
        self.assertEqual(
            first.headers["X-Shopify-Event-Id"], last.headers["X-Shopify-Event-Id"]
        )
        self.assertEqual(first.body, last.body)
        self.assertTrue(
            verify_hmac_sha256(SECRET, last.body, last.headers["X-Shopify-Hmac-Sha256"])
        )
        self.assertEqual([d.status for d in self.sim.deliveries], [503, 200, 200, 200])


class TestTransports(SimulatorCase):
    def test_adapter_on_a_requests_session(self):
        payload = self.sim.create_order([{"sku": "MUG-1", "quantity": 1}])
        session = requests.Session()
        session.mount(f"https://{SHOP}", SimulatorAdapter(self.sim))
        response = session.post(
            f"https://{SHOP}{ENDPOINT}",
            json={
                "query": "query One($id: ID!) { order(id: $id) { name "
                "lineItems(first: 5) { nodes { sku quantity } } } }",
                "variables": {"id": payload["admin_graphql_api_id"]},
            },
            headers={"X-Shopify-Access-Token": TOKEN},
            timeout=5,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json()["data"]["order"],
            {
                "name": payload["name"],
                "lineItems": {"nodes": [{"sku": "MUG-1", "quantity": 1}]},
            },
        )
        denied = session.post(
            f"https://{SHOP}{ENDPOINT}", json={"query": "{ shop { id } }"}, timeout=5
        )
        self.assertEqual(denied.status_code, 401)
        with self.assertRaises(requests.ConnectionError):
            session.get("https://another-shop.myshopify.com/", timeout=5)
        other = requests.Session()
        other.mount("https://", SimulatorAdapter(self.sim))
        with self.assertRaises(requests.ConnectionError):
            other.get("https://another-shop.myshopify.com/", timeout=5)

    def test_server_on_loopback(self):
        with self.assertRaises(ValueError):
            serve(self.sim, host="0.0.0.0")
        server, base_url = serve(self.sim)
        self.addCleanup(server.shutdown)
        self.assertTrue(base_url.startswith("http://127.0.0.1:"))
        response = requests.post(
            f"{base_url}{ENDPOINT}",
            json={"query": document("ShopInfo")},
            headers={"X-Shopify-Access-Token": TOKEN},
            timeout=5,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["data"]["shop"]["myshopifyDomain"], SHOP)

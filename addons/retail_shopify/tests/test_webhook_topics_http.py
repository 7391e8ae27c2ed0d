"""Every webhook topic through the real controller, then its job.

Each test posts a delivery built by the Shopify simulator (or shaped like
Shopify's own samples) and signed like Shopify signs it, checks the
acknowledgement (200, stored once, a job queued, a re-delivery counted as a
duplicate), then runs the job and checks what the topic does in Odoo.
"""

import json
import uuid

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services.timeutils import (
    parse_remote_datetime,
)

from ..services.webhooks import TOPICS
from .common import SHOP, ShopifyHttpCase

#: states a processed delivery may end in
PROCESSED_STATES = ("done", "ignored", "failed")


def topic_test_name(topic):
    return "test_" + topic.replace("/", "_")


@tagged("post_install", "-at_install")
class TestWebhookTopicsHttp(ShopifyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_catalog()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        # the tote is known to Odoo by its barcode only
        self.variants = {
            spec["sku"]: self.sim.add_product(title, variants=[spec])["variants"][0]
            for title, spec in (
                ("Organic tee", {"sku": "TEE-ORG-NAV-M", "price": "25.00"}),
                (
                    "Canvas tote",
                    {
                        "sku": "TOTE-CNV-NAT",
                        "barcode": "TOTE-CNV-NAT",
                        "price": "18.50",
                    },
                ),
            )
        }

    # ------------------------------------------------------------------
    # transport
    # ------------------------------------------------------------------
    def post(self, topic, payload, event_id):
        headers, body = self.sim.signed_webhook(topic, payload, event_id=event_id)
        return self.post_body(body, headers)

    def acknowledge(self, topic, payload, trap):
        """Post a delivery twice; check it is stored and queued once."""
        event_id = str(uuid.uuid4())
        response = self.post(topic, payload, event_id)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "accepted")
        event = self.events(event_id)
        self.assertEqual(len(event), 1)
        self.assertEqual(response.json()["event_id"], event.id)
        self.assertEqual(event.topic, topic)
        self.assertEqual(event.state, "queued")
        self.assertEqual(json.loads(event.payload), payload)
        self.assertEqual(event.headers["X-Shopify-Topic"], topic)
        self.assertEqual(event.headers["X-Shopify-Shop-Domain"], SHOP)
        self.assertEqual(event.headers["X-Shopify-API-Version"], "2026-10")
        self.assertTrue(event.headers["X-Shopify-Triggered-At"])
        self.assertNotIn("X-Shopify-Hmac-Sha256", event.headers)
        trap.assert_jobs_count(1, only=event._process)
        # Shopify did not get the answer in time and sends the event again
        again = self.post(topic, payload, event_id)
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json(), {"status": "duplicate", "event_id": event.id})
        self.assertEqual(len(self.events(event_id)), 1)
        self.assertEqual(event.duplicate_count, 1)
        trap.assert_jobs_count(1, only=event._process)
        return event

    def roundtrip(self, topic, payload):
        """Acknowledge the delivery, then run its job; return the event and
        the jobs the processing queued."""
        with trap_jobs() as trap:
            event = self.acknowledge(topic, payload, trap)
            queued = trap.jobs_count()
            event._process()
            event.invalidate_recordset()
            self.assertIn(event.state, PROCESSED_STATES)
            if event.state == "failed":
                self.assertTrue(event.error)
            processing_jobs = trap.enqueued_jobs[queued:]
        return event, processing_jobs

    # ------------------------------------------------------------------
    # fixtures of the scenarios
    # ------------------------------------------------------------------
    def shopify_order(self, tee=2, tote=1, **kwargs):
        lines = [
            {"sku": sku, "quantity": quantity, "price": price}
            for sku, quantity, price in (
                ("TEE-ORG-NAV-M", tee, "25.00"),
                ("TOTE-CNV-NAT", tote, "18.50"),
            )
            if quantity
        ]
        return self.sim.create_order(
            lines,
            customer={
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace.hopper@example.org",
                "phone": "+12125550142",
            },
            notify=False,
            **kwargs,
        )

    def import_order(self, payload):
        """Import an order the way an earlier delivery would have."""
        event = self.deliver("orders/create", payload, event_id=str(uuid.uuid4()))
        with trap_jobs():
            event._process()
        self.assertEqual(event.state, "done", event.error)
        return event.result_ref

    def binding(self, payload):
        return self.Binding._retail_get(self.backend, payload["admin_graphql_api_id"])

    def emitted(self, topic):
        return [w.payload for w in self.sim.outbox if w.topic == topic]

    def ship_tote_order(self):
        """An imported order of one tote, delivered in Odoo and fulfilled in
        Shopify by the connector; return its payload and delivery."""
        payload = self.shopify_order(tee=0, tote=1)
        sale = self.import_order(payload)
        picking = sale.picking_ids
        picking.carrier_tracking_ref = "1Z999AA10123456784"
        picking.move_ids.write({"quantity": 1, "picked": True})
        with trap_jobs():
            picking.button_validate()
        self.backend._retail_export_job("fulfillments")
        return payload, picking

    # ------------------------------------------------------------------
    # every topic has its test
    # ------------------------------------------------------------------
    def test_every_topic_has_an_http_test(self):
        missing = [t for t in TOPICS if not hasattr(self, topic_test_name(t))]
        self.assertFalse(missing, "topics without an HTTP test")

    # ------------------------------------------------------------------
    # orders
    # ------------------------------------------------------------------
    def test_orders_create(self):
        payload = self.shopify_order()
        event, _jobs = self.roundtrip("orders/create", payload)
        self.assertEqual(event.state, "done", event.error)
        sale = event.result_ref
        self.assertEqual(sale._name, "sale.order")
        self.assertEqual(sale.client_order_ref, payload["name"])
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.partner_id.email, "grace.hopper@example.org")
        self.assertEqual(sale.order_line.product_id, self.tee | self.tote)
        self.assertAlmostEqual(sale.amount_total, 68.5)
        self.assertEqual(self.binding(payload).odoo_id, sale)

    def test_orders_updated(self):
        payload = self.shopify_order()
        sale = self.import_order(payload)
        updated = self.sim.update_order(
            payload["admin_graphql_api_id"], note="Leave at the door", notify=False
        )
        event, _jobs = self.roundtrip("orders/updated", updated)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref, sale)
        self.assertEqual(
            self.binding(payload).external_updated_at,
            parse_remote_datetime(updated["updated_at"]),
        )
        # the same version again changes nothing
        again, _jobs = self.roundtrip("orders/updated", updated)
        self.assertEqual(again.state, "ignored")

    def test_orders_paid(self):
        payload = self.shopify_order(financial_status="pending")
        self.assertFalse(self.binding(payload))
        paid = self.sim.update_order(
            payload["admin_graphql_api_id"], financial_status="paid", notify=False
        )
        event, _jobs = self.roundtrip("orders/paid", paid)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref.state, "sale")
        self.assertEqual(self.binding(payload).financial_status, "paid")

    def test_orders_cancelled(self):
        payload = self.shopify_order()
        sale = self.import_order(payload)
        cancelled = self.sim.cancel_order(payload["admin_graphql_api_id"], notify=False)
        event, _jobs = self.roundtrip("orders/cancelled", cancelled)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(sale.state, "cancel")

    def test_orders_edited(self):
        payload = self.shopify_order(tee=2, tote=1)
        sale = self.import_order(payload)
        tee_line = sale.order_line.filtered(lambda line: line.product_id == self.tee)
        # the merchant adds a tee: Shopify sends what the edit changed
        self.sim.outbox.clear()
        self.sim.update_order(
            payload["admin_graphql_api_id"],
            lines=[
                {"sku": "TEE-ORG-NAV-M", "quantity": 3, "price": "25.00"},
                {"sku": "TOTE-CNV-NAT", "quantity": 1, "price": "18.50"},
            ],
        )
        (edit,) = [w.payload for w in self.sim.outbox if w.topic == "orders/edited"]
        self.assertEqual(
            edit["order_edit"]["line_items"]["additions"],
            [{"id": int(tee_line.shopify_line_gid.rsplit("/", 1)[-1]), "delta": 1}],
        )
        event, _jobs = self.roundtrip("orders/edited", edit)
        self.assertEqual(event.state, "done", event.error)
        # the order was read again: same line, one unit more, no new line
        self.assertEqual(tee_line.product_uom_qty, 3)
        self.assertEqual(
            len(sale.order_line.filtered(lambda line: line.product_id == self.tee)), 1
        )
        self.assertIn("OrderById", [call.operation for call in self.sim.calls])

    # ------------------------------------------------------------------
    # refunds and products
    # ------------------------------------------------------------------
    def test_refunds_create(self):
        self.import_order(self.fixture("order_paid_tax_excluded"))
        event, _jobs = self.roundtrip("refunds/create", self.fixture("refund_partial"))
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertEqual(refund._name, "shopify.refund")
        self.assertEqual(
            refund.external_id, self.fixture("refund_partial")["admin_graphql_api_id"]
        )
        self.assertTrue(refund.odoo_id, "the refund has its credit note")

    def test_products_update(self):
        variant_gid = self.variants["TEE-ORG-NAV-M"]["id"]
        product = next(
            p
            for p in self.sim.products.values()
            if any(v["id"] == variant_gid for v in p["variants"])
        )
        event, _jobs = self.roundtrip(
            "products/update", self.sim._rest_product(product)
        )
        # a product Odoo does not publish: its variants are linked by SKU
        self.assertEqual(event.state, "done", event.error)
        binding = self.env["shopify.product.variant"]._retail_get(
            self.backend, variant_gid
        )
        self.assertEqual(binding.odoo_id, self.tee)

    def test_products_delete(self):
        # Shopify sends only the id of a deleted product
        product_gid = next(iter(self.sim.products))
        payload = {"id": int(product_gid.rsplit("/", 1)[-1])}
        event, _jobs = self.roundtrip("products/delete", payload)
        self.assertEqual(event.state, "ignored")
        self.assertIn("is not linked to Odoo", event.reason)

    # ------------------------------------------------------------------
    # stock, fulfilments, products link
    # ------------------------------------------------------------------
    def test_inventory_levels_update(self):
        location = self.sim.add_location("Main warehouse")
        self.backend.write(
            {
                "location_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Main warehouse",
                            "external_id": location,
                            "warehouse_id": self.warehouse.id,
                        },
                    )
                ]
            }
        )
        with trap_jobs():
            gid = self.backend._shopify_link_products_start()
            self.sim.complete_bulk_operations()
            self.backend._shopify_link_products_collect(gid)
            self.env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": self.tee.id,
                    "location_id": self.warehouse.lot_stock_id.id,
                    "inventory_quantity": 7,
                }
            ).action_apply_inventory()
        self.sim.set_available("TEE-ORG-NAV-M", location, 1)
        self.backend._retail_export_job("inventory")
        self.assertEqual(self.sim.available("TEE-ORG-NAV-M", location), 7)
        # someone changes the quantity in the Shopify admin
        self.sim.set_available("TEE-ORG-NAV-M", location, 2, notify=True)
        payload = self.emitted("inventory_levels/update")[-1]
        event, jobs = self.roundtrip("inventory_levels/update", payload)
        self.assertEqual(event.state, "done", event.error)
        level = event.result_ref
        self.assertEqual(level.variant_binding_id.odoo_id, self.tee)
        self.assertEqual(level.remote_quantity, 2)
        self.assertTrue(level.dirty)
        # Odoo's figure is published again
        self.assertEqual(
            [job.func.__name__ for job in jobs], ["_retail_export_job"], jobs
        )

    def test_fulfillments_create(self):
        payload = self.shopify_order(tee=0, tote=1)
        sale = self.import_order(payload)
        # fulfilled in the Shopify admin while the Odoo delivery is open
        client = self.backend._shopify_client()
        order = client.execute(
            "FulfillmentOrdersForOrder", {"id": payload["admin_graphql_api_id"]}
        )["order"]
        fulfillment_order = order["fulfillmentOrders"]["nodes"][0]
        client.mutate(
            "FulfillmentCreate",
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": [
                        {"fulfillmentOrderId": fulfillment_order["id"]}
                    ],
                    "trackingInfo": {"number": "9400111899223197428490"},
                }
            },
            result_key="fulfillmentCreate",
        )
        fulfillment = self.emitted("fulfillments/create")[-1]
        event, _jobs = self.roundtrip("fulfillments/create", fulfillment)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref, sale)
        self.assertEqual(self.binding(payload).fulfillment_status, "fulfilled")
        exc = self.Exception.search(
            [("remote_ref", "=", fulfillment["admin_graphql_api_id"])]
        )
        self.assertEqual(exc.category, "conflict")
        self.assertEqual(exc.state, "open")
        self.assertEqual(exc.record_ref, sale.picking_ids)
        self.assertIn(sale.picking_ids.name, exc.message)

    def test_fulfillments_update(self):
        _payload, picking = self.ship_tote_order()
        binding = self.env["shopify.fulfillment"].search([("odoo_id", "=", picking.id)])
        self.assertEqual(binding.sync_state, "synced")
        # the tracking number changes in Odoo, then Shopify cancels the
        # fulfilment: the update carries both
        with trap_jobs():
            picking.carrier_tracking_ref = "1Z999AA10123456799"
        self.backend._retail_export_job("fulfillments")
        update = dict(self.emitted("fulfillments/update")[-1], status="cancelled")
        self.assertEqual(update["admin_graphql_api_id"], binding.external_id)
        event, _jobs = self.roundtrip("fulfillments/update", update)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref, picking)
        self.assertEqual(binding.remote_status, "cancelled")
        self.assertEqual(binding.sync_state, "error")
        exc = self.Exception.search([("remote_ref", "=", binding.external_id)])
        self.assertEqual(exc.state, "open")
        self.assertIn("cancelled in Shopify", exc.message)

    def test_bulk_operations_finish(self):
        with trap_jobs():
            gid = self.backend._shopify_link_products_start()
        self.sim.complete_bulk_operations()
        payload = self.emitted("bulk_operations/finish")[-1]
        self.assertEqual(payload["admin_graphql_api_id"], gid)
        event, _jobs = self.roundtrip("bulk_operations/finish", payload)
        self.assertEqual(event.state, "done", event.error)
        linked = self.env["shopify.product.variant"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(linked.odoo_id, self.tee | self.tote)
        self.assertFalse(self.backend.bulk_operation_gid)

    # ------------------------------------------------------------------
    # the app and privacy
    # ------------------------------------------------------------------
    def test_app_uninstalled(self):
        payload = {
            "id": 548380009,
            "name": "Retail Test",
            "email": f"owner@{SHOP}",
            "domain": SHOP,
            "myshopify_domain": SHOP,
            "country_code": "US",
            "currency": "USD",
            "plan_name": "basic",
            "created_at": "2026-01-12T10:04:18-05:00",
        }
        event, _jobs = self.roundtrip("app/uninstalled", payload)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.backend.state, "paused")
        self.assertIn("uninstalled", self.backend.state_message)
        # further deliveries are kept, and wait until the backend is activated
        with trap_jobs():
            response = self.post("orders/create", self.shopify_order(), "after")
        self.assertEqual(response.status_code, 200, response.text)
        after = self.events("after")
        self.assertEqual(after.state, "queued")
        with self.assertRaises(RetryableJobError):
            after._process()
        self.assertEqual(after.state, "queued")
        self.assertFalse(after.attempts)

    def privacy_request(self):
        """An imported order and the start of a privacy request about its
        customer."""
        payload = self.shopify_order()
        self.import_order(payload)
        customer = payload["customer"]
        return payload, {
            "shop_id": 548380009,
            "shop_domain": SHOP,
            "customer": {
                "id": customer["id"],
                "email": customer["email"],
                "phone": customer["phone"],
            },
        }

    def test_customers_data_request(self):
        order, request = self.privacy_request()
        request.update(orders_requested=[order["id"]], data_request={"id": 9999})
        event, _jobs = self.roundtrip("customers/data_request", request)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.payload, "[redacted after processing]")
        export = json.loads(event.result_ref.raw)
        self.assertEqual(export["orders"][0]["shopify_order"], order["name"])
        self.assertIn("data request", self.backend.activity_ids.summary)

    def test_customers_redact(self):
        order, request = self.privacy_request()
        request["orders_to_redact"] = [order["id"]]
        event, _jobs = self.roundtrip("customers/redact", request)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.payload, "[redacted after processing]")
        partner = self.binding(order).odoo_id.partner_id
        self.assertFalse(partner.email)
        self.assertIn("redacted", partner.name)
        self.assertFalse(
            self.events().filtered(lambda e: "grace.hopper" in (e.payload or ""))
        )

    def test_shop_redact(self):
        self.privacy_request()
        event, _jobs = self.roundtrip(
            "shop/redact", {"shop_id": 548380009, "shop_domain": SHOP}
        )
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.backend.state, "paused")
        self.assertTrue(all("redacted" in e.payload for e in self.events()))

    # ------------------------------------------------------------------
    # what the connector does not know, and what it refuses
    # ------------------------------------------------------------------
    def test_unknown_topic_is_stored_and_ignored(self):
        payload = {"id": "eeaa2c18e2d4", "token": "eeaa2c18e2d4", "line_items": []}
        event, _jobs = self.roundtrip("carts/update", payload)
        self.assertEqual(event.state, "ignored")
        self.assertIn("Unknown topic 'carts/update'", event.reason)

    def test_oversized_delivery_is_refused_unread(self):
        payload = self.shopify_order()
        self.backend.inbound_max_bytes = 1024
        self.assertGreater(len(json.dumps(payload)), 1024)
        with trap_jobs() as trap:
            response = self.post("orders/create", payload, "big")
            trap.assert_jobs_count(0)
        self.assertEqual(response.status_code, 413)
        self.assertIn("1024 bytes", response.json()["error"])
        self.assertFalse(self.events())

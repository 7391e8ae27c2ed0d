"""A paid Shopify order shipped by a 3PL in two parcels, end to end.

:class:`ShopifyThreeplFlowMixin` holds the scenario and its checks; a
concrete test case combines it with :class:`ShopifyThreeplHttpCase` and one
adapter's hooks (:class:`GenericProviderHooks` is the generic contract's).
Everything goes through the real paths:

1. the Shopify simulator places a paid order; its signed webhooks reach
   ``/retail/shopify/webhook/<id>`` over HTTP (the subscriptions the
   connector registered) and their jobs import and confirm the sale order;
2. the delivery, in the warehouse the provider operates, becomes a
   fulfilment request the provider simulator accepts (the 3PL send job);
3. the provider ships the order in two parcels, one confirmation each, sent
   signed to the provider's message endpoint over HTTP; their jobs validate
   the delivery, then its backorder, with carrier and tracking number;
4. the fulfilment export jobs create one Shopify fulfilment per done
   delivery, each with its tracking number, which the simulated shop shows
   through its Admin API; the echoes Shopify sends back are delivered too.

The jobs are trapped and performed as the job runner would
(:meth:`ShopifyThreeplFlowMixin.run_jobs`), the dispatcher of the intake
is called where the cron woken by a request's commit would run.

An adapter's hooks: :meth:`make_provider` (the ``retail.3pl.provider``
operating ``self.warehouse``, its carrier ``UPS``/``Ground`` mapped to
``self.carrier``), :meth:`make_provider_simulator` (the provider side,
reached by every outgoing call of the test), :meth:`fulfilment_requests`
(what the provider was asked to fulfil), :meth:`provider_lines` (the SKUs and
quantities of one request), :meth:`provider_shipped` (the SKUs and quantities
the provider shows shipped), :meth:`ship_parcel` (one shipment confirmation of
one parcel, left in the simulator's outbox), :meth:`deliver_provider_messages`
(the outbox posted to Odoo over HTTP) and
:meth:`deliver_provider_message_again` (one message posted once more).
:class:`ShipbobProviderHooks` runs
the same scenario on the ShipBob adapter: its webhooks, signed as ShipBob
signs them, reach ``/retail/3pl/v1/providers/<id>/shipbob`` and their jobs
read the order again from the ShipBob simulator and fan it out into the
contract's messages.
"""

import itertools
import time

import requests

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_3pl.services import shipbob_webhooks
from odoo.addons.retail_3pl.services import signing as threepl_signing
from odoo.addons.retail_3pl.simulator import (
    GenericProviderSimulator,
    ShipbobSimulator,
)
from odoo.addons.retail_3pl.simulator.generic_provider import BASE_URL
from odoo.addons.retail_3pl.simulator.shipbob import BASE_URL as SHIPBOB_URL
from odoo.addons.retail_connector_base.simulator import (
    SimulatorAdapter,
    intercept,
    json_body,
)
from odoo.addons.retail_shopify.tests.common import SHOP, TOKEN, ShopifyHttpCase

#: the two parcels of the order: SKU, quantity, tracking number
FIRST_PARCEL = ("E2E-TEE", 2, "1ZE2E0000000000001")
SECOND_PARCEL = ("E2E-MUG", 1, "1ZE2E0000000000002")

#: how the shop is looked at: its Admin API, as the merchant's screens do
SHOP_FULFILMENTS = """
query ShopFulfilments($id: ID!) {
  order(id: $id) {
    name
    displayFulfillmentStatus
    fulfillments {
      name
      status
      trackingInfo { number company }
      fulfillmentLineItems(first: 10) {
        nodes { quantity lineItem { sku } }
      }
    }
  }
}
"""

#: rounds of jobs performed before a test gives up (jobs queue jobs)
MAX_JOB_ROUNDS = 20


class ShopifyThreeplHttpCase(ShopifyHttpCase):
    """The Shopify store backend (``self.backend``) selling from a warehouse
    a 3PL provider operates (``self.provider``), with both simulators."""

    provider_token = "e2e-3pl-token"
    provider_secret = "e2e-3pl-signing-secret"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.warehouse = env["stock.warehouse"].create(
            {"name": "3PL E2E", "code": "E2E"}
        )
        cls.carrier = env["delivery.carrier"].create(
            {
                "name": "UPS Ground",
                "product_id": env["product.product"]
                .create({"name": "UPS Ground shipping", "type": "service"})
                .id,
            }
        )
        cls.provider = cls.make_provider()
        cls.backend.warehouse_id = cls.warehouse
        Product = env["product.product"]
        Quant = env["stock.quant"].with_context(inventory_mode=True)
        cls.products = {}
        for sku, name, price in (
            ("E2E-TEE", "Organic tee, navy M", "25.00"),
            ("E2E-MUG", "Stoneware mug", "14.00"),
        ):
            product = Product.create(
                {
                    "name": name,
                    "default_code": sku,
                    "is_storable": True,
                    "list_price": float(price),
                }
            )
            Quant._update_available_quantity(product, cls.warehouse.lot_stock_id, 10)
            cls.products[sku] = (product, price)

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.shop = self.sim
        self.provider_sim = self.make_provider_simulator()
        self.enterContext(intercept(self.provider_sim))
        # the store's webhooks point at the test server, as the clerk's
        # "Register webhooks" does
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", self.base_url()
        )
        self.backend._shopify_register_webhooks()
        self.variants = {
            sku: self.shop.add_product(product.name, [{"sku": sku, "price": price}])[
                "variants"
            ][0]
            for sku, (product, price) in self.products.items()
        }
        self.performed = []

    # -- adapter hooks -----------------------------------------------------
    @classmethod
    def make_provider(cls):
        """The provider operating ``cls.warehouse`` (an adapter's own)."""
        raise NotImplementedError

    def make_provider_simulator(self):
        """The provider side, answering the provider's outgoing calls."""
        raise NotImplementedError

    def fulfilment_requests(self):
        """The provider's references of the orders it was asked to fulfil,
        one per request it accepted."""
        raise NotImplementedError

    def provider_lines(self, order_ref):
        """``{sku: quantity}`` of the request ``order_ref`` at the provider."""
        raise NotImplementedError

    def provider_shipped(self, order_ref):
        """``{sku: quantity}`` the provider shows shipped of ``order_ref``."""
        raise NotImplementedError

    def ship_parcel(self, order_ref, sku, qty, tracking_number, *, final):
        """The provider ships one parcel of ``order_ref``; its confirmation
        waits in the simulator's outbox. Returns what identifies the
        message to deliver it again."""
        raise NotImplementedError

    def deliver_provider_messages(self):
        """Post the provider simulator's pending messages to Odoo over HTTP;
        return how many were delivered."""
        raise NotImplementedError

    def deliver_provider_message_again(self, message):
        """Post one message ``ship_parcel`` sent, once more, as a provider
        retrying a delivery does; return the HTTP response."""
        raise NotImplementedError

    # -- the job runner and the intake's dispatcher ------------------------
    def dispatch(self):
        """What the dispatcher cron woken by a request's commit does."""
        self.env.invalidate_all()
        self.env["retail.event"]._retail_dispatch()

    def run_jobs(self, func=None):
        """Run ``func()`` with its jobs trapped, then perform them and the
        jobs they queue until none is left; return ``func``'s result."""
        with trap_jobs() as trap:
            result = func() if func else None
            for _round in range(MAX_JOB_ROUNDS):
                if not trap.enqueued_jobs:
                    break
                jobs = list(trap.enqueued_jobs)
                trap.perform_enqueued_jobs()
                self.performed.extend(jobs)
            else:
                self.fail(f"jobs still queued after {MAX_JOB_ROUNDS} rounds")
        self.env.invalidate_all()
        return result

    # -- Shopify -------------------------------------------------------------
    def deliver_shop_webhooks(self):
        """Post the shop's pending webhooks to their subscriptions (the
        test server); every one must be acknowledged."""
        pending = len(self.shop.outbox)
        delivered = self.shop.deliver(session=self.opener)
        self.assertEqual(len(delivered), pending, self.shop.deliveries[-pending:])
        self.dispatch()
        return delivered

    def shop_order(self, gid):
        """The order as the shop shows it (its Admin GraphQL API)."""
        http = requests.Session()
        http.mount(f"https://{SHOP}", SimulatorAdapter(self.shop))
        response = http.post(
            f"https://{SHOP}/admin/api/{self.shop.api_version}/graphql.json",
            json={"query": SHOP_FULFILMENTS, "variables": {"id": gid}},
            headers={"X-Shopify-Access-Token": TOKEN},
            timeout=10,
        )
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()
        self.assertFalse(data.get("errors"), data)
        return data["data"]["order"]

    def place_paid_order(self):
        lines = [
            {"variant_gid": self.variants[sku]["id"], "quantity": qty, "price": price}
            for sku, qty in (FIRST_PARCEL[:2], SECOND_PARCEL[:2])
            for price in [self.products[sku][1]]
        ]
        return self.shop.create_order(
            lines,
            customer={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada.lovelace@example.org",
            },
        )


class ShopifyThreeplFlowMixin:
    """The scenario, for any adapter (see the module's docstring)."""

    def test_paid_order_ships_in_two_parcels_and_fulfils_shopify_twice(self):
        payload = self.place_paid_order()
        sale = self.step_import_the_paid_order(payload)
        order = self.step_send_the_delivery(sale)
        picking = order.odoo_id
        first, backorder = self.step_ship_the_first_parcel(payload, order)
        self.step_ship_the_second_parcel(payload, order, backorder)
        self.step_deliver_and_run_everything_again(payload, first)
        self.assertEqual(sale.picking_ids, picking | backorder)

    # -- the steps -------------------------------------------------------------
    def step_import_the_paid_order(self, payload):
        """The shop's webhooks are acknowledged, the order imported and
        confirmed in the operated warehouse."""
        topics = [w.topic for w in self.shop.outbox]
        self.assertIn("orders/create", topics)
        self.assertIn("orders/paid", topics)
        self.run_jobs(self.deliver_shop_webhooks)
        sale = self.order_binding(payload).odoo_id
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.warehouse_id, self.warehouse)
        self.assertEqual(sale.client_order_ref, payload["name"])
        self.assertEqual(len(sale.picking_ids), 1)
        self.assertEqual(sale.picking_ids.picking_type_id.warehouse_id, self.warehouse)
        return sale

    def step_send_the_delivery(self, sale):
        """The delivery is a fulfilment request the provider accepted."""
        picking = sale.picking_ids
        order = self.threepl_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.odoo_id, picking)
        self.assertEqual(order.remote_state, "accepted")
        self.assertEqual(picking.threepl_state, "accepted")
        self.assertEqual(self.fulfilment_requests(), [order.external_id])
        self.assertEqual(
            self.provider_lines(order.external_id),
            {FIRST_PARCEL[0]: FIRST_PARCEL[1], SECOND_PARCEL[0]: SECOND_PARCEL[1]},
        )
        return order

    def step_ship_the_first_parcel(self, payload, order):
        """The delivery is done with the first parcel's carrier and tracking,
        the rest waits in a backorder; Shopify shows one fulfilment."""
        picking = order.odoo_id
        first = self.ship_parcel(order.external_id, *FIRST_PARCEL, final=False)
        self.assertEqual(self.run_jobs(self.deliver_provider_messages), 1)
        self.assertEqual(
            self.provider_shipped(order.external_id), {FIRST_PARCEL[0]: FIRST_PARCEL[1]}
        )
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_id, self.carrier)
        self.assertEqual(picking.carrier_tracking_ref, FIRST_PARCEL[2])
        self.assertEqual(
            {(m.product_id.default_code, m.quantity) for m in picking.move_ids},
            {FIRST_PARCEL[:2]},
        )
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.state, "assigned")
        self.assertEqual(order.odoo_id, backorder)
        self.assertEqual(order.remote_state, "partial")
        self.assertEqual(backorder.threepl_state, "partial")
        shown = self.shop_order(payload["admin_graphql_api_id"])
        self.assertEqual(shown["displayFulfillmentStatus"], "PARTIALLY_FULFILLED")
        self.assertEqual(
            [f["trackingInfo"][0]["number"] for f in shown["fulfillments"]],
            [FIRST_PARCEL[2]],
        )
        # Shopify's echoes of the fulfilment reach Odoo too
        self.run_jobs(self.deliver_shop_webhooks)
        return first, backorder

    def step_ship_the_second_parcel(self, payload, order, backorder):
        """The backorder is done; Shopify shows the two fulfilments."""
        self.ship_parcel(order.external_id, *SECOND_PARCEL, final=True)
        self.assertEqual(self.run_jobs(self.deliver_provider_messages), 1)
        self.assertEqual(backorder.state, "done")
        self.assertEqual(backorder.carrier_id, self.carrier)
        self.assertEqual(backorder.carrier_tracking_ref, SECOND_PARCEL[2])
        self.assertEqual(order.remote_state, "shipped")
        self.assertEqual(
            set(order.tracking_numbers.split(",")), {FIRST_PARCEL[2], SECOND_PARCEL[2]}
        )
        self.run_jobs(self.deliver_shop_webhooks)
        self.assert_fulfilled(payload)

    def step_deliver_and_run_everything_again(self, payload, first):
        """Shopify delivers the paid order again, the provider its first
        confirmation, every job performed runs again: nothing is made or
        sent twice."""
        paid = self.env["retail.event"].search(
            [
                ("backend_model", "=", self.backend._name),
                ("backend_id", "=", self.backend.id),
                ("topic", "=", "orders/paid"),
            ]
        )
        self.assertEqual(len(paid), 1)
        self.run_jobs(lambda: self.redeliver_shop_webhook(paid))
        self.assertEqual(paid.duplicate_count, 1)
        again = self.run_jobs(lambda: self.deliver_provider_message_again(first))
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["status"], "duplicate")
        performed, self.performed = self.performed, []
        self.assertTrue(performed)
        self.run_jobs(lambda: [job.perform() for job in performed])
        self.assertEqual(
            self.env["shopify.sale.order"].search_count(
                [("backend_id", "=", self.backend.id)]
            ),
            1,
        )
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("client_order_ref", "=", payload["name"])]
            ),
            1,
        )
        order = self.threepl_orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(self.fulfilment_requests(), [order.external_id])
        self.assertEqual(len(order.shipment_ids), 2)
        self.assertEqual(
            self.provider_shipped(order.external_id),
            {FIRST_PARCEL[0]: FIRST_PARCEL[1], SECOND_PARCEL[0]: SECOND_PARCEL[1]},
        )
        self.assertEqual(order.picking_ids.mapped("state"), ["done", "done"])
        self.assert_fulfilled(payload)
        created = [c for c in self.shop.calls if c.operation == "FulfillmentCreate"]
        self.assertEqual([c.outcome for c in created], ["ok", "ok"])
        self.assert_events_settled()

    # -- checks ----------------------------------------------------------------
    def order_binding(self, payload):
        return self.env["shopify.sale.order"]._retail_get(
            self.backend, payload["admin_graphql_api_id"]
        )

    def threepl_orders(self):
        return self.env["retail.3pl.picking"].search(
            [("backend_id", "=", self.provider.id)]
        )

    def assert_fulfilled(self, payload):
        """Shopify shows two fulfilments, one per parcel with its tracking
        number and carrier; Odoo recorded both, with no exception open."""
        self.assert_shop_fulfilled(payload["admin_graphql_api_id"])
        fulfillments = self.env["shopify.fulfillment"].search(
            [("order_binding_id", "=", self.order_binding(payload).id)]
        )
        self.assertEqual(fulfillments.odoo_id, self.threepl_orders().picking_ids)
        self.assertEqual(set(fulfillments.mapped("sync_state")), {"synced"})
        self.assertEqual(
            set(fulfillments.mapped("tracking_number")),
            {FIRST_PARCEL[2], SECOND_PARCEL[2]},
        )
        self.assertFalse(self.backend._retail_open_exceptions())
        self.assertFalse(self.provider._retail_open_exceptions())

    def assert_events_settled(self):
        """Every delivery of both remotes was processed: done, or ignored
        with its reason (an echo, a version already applied)."""
        for backend in (self.backend, self.provider):
            events = self.env["retail.event"].search(
                [
                    ("backend_model", "=", backend._name),
                    ("backend_id", "=", backend.id),
                ]
            )
            self.assertTrue(events)
            self.assertEqual(
                {
                    (e.topic, e.state, e.error or "")
                    for e in events
                    if e.state not in ("done", "ignored")
                },
                set(),
            )

    def redeliver_shop_webhook(self, event):
        """Shopify sends the delivery of ``event`` again (same event id)."""
        webhook = next(w for w in self.shop.deliveries if w.event_id == event.event_key)
        headers, body = self.shop.signed_webhook(
            webhook.topic, event._load_json(), event_id=webhook.event_id
        )
        response = self.post_body(body, headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "duplicate")
        return response

    def assert_shop_fulfilled(self, gid):
        shown = self.shop_order(gid)
        self.assertEqual(shown["displayFulfillmentStatus"], "FULFILLED")
        self.assertEqual(len(shown["fulfillments"]), 2)
        self.assertEqual(
            [
                (
                    f["trackingInfo"][0]["number"],
                    f["trackingInfo"][0]["company"],
                    [
                        (n["lineItem"]["sku"], n["quantity"])
                        for n in f["fulfillmentLineItems"]["nodes"]
                    ],
                )
                for f in shown["fulfillments"]
            ],
            [
                (tracking, self.carrier.name, [(sku, qty)])
                for sku, qty, tracking in (FIRST_PARCEL, SECOND_PARCEL)
            ],
        )


class GenericProviderHooks:
    """The hooks of the generic contract's adapter and its simulator."""

    @classmethod
    def make_provider(cls):
        return cls.env["retail.3pl.provider"].create(
            {
                "name": "E2E generic 3PL",
                "adapter_type": "generic",
                "state": "active",
                "api_url": BASE_URL,
                "api_token": cls.provider_token,
                "signing_secret": cls.provider_secret,
                "warehouse_ids": [(6, 0, cls.warehouse.ids)],
                "carrier_map_ids": [
                    (
                        0,
                        0,
                        {
                            "code": "UPS",
                            "service": "Ground",
                            "carrier_id": cls.carrier.id,
                        },
                    )
                ],
            }
        )

    def make_provider_simulator(self):
        sim = GenericProviderSimulator(
            self.provider_token,
            self.provider_secret,
            warehouse_code=self.warehouse.code,
        )
        sim.subscribe(
            self.base_url() + f"/retail/3pl/v1/providers/{self.provider.id}/messages"
        )
        return sim

    def fulfilment_requests(self):
        accepted = [
            call
            for call in self.provider_sim.calls.where(operation="order.create")
            if call.status == 201
        ]
        self.assertEqual(len(accepted), len(self.provider_sim.orders))
        return sorted(self.provider_sim.orders)

    def provider_lines(self, order_ref):
        lines = self.provider_sim.order(order_ref)["order"]["lines"]
        return {line["sku"]: line["qty"] for line in lines}

    def provider_shipped(self, order_ref):
        order = self.provider_sim.order(order_ref)
        skus = {line["line_ref"]: line["sku"] for line in order["order"]["lines"]}
        return {skus[ref]: qty for ref, qty in order["shipped"].items() if qty}

    def ship_parcel(self, order_ref, sku, qty, tracking_number, *, final):
        lines = self.provider_sim.order(order_ref)["order"]["lines"]
        (line,) = [line for line in lines if line["sku"] == sku]
        self.provider_sim.pick(order_ref)
        return self.provider_sim.ship(
            order_ref,
            [
                {
                    "tracking_number": tracking_number,
                    "lines": [{"line_ref": line["line_ref"], "qty": qty}],
                }
            ],
            final=final,
        )

    def deliver_provider_messages(self):
        delivered = self.provider_sim.deliver(session=self.opener)
        self.assertFalse(self.provider_sim.outbox, self.provider_sim.deliveries)
        self.dispatch()
        return len(delivered)

    def deliver_provider_message_again(self, message):
        body = json_body(message)
        return self.post_body(
            body,
            {
                "Content-Type": "application/json",
                threepl_signing.HEADER: threepl_signing.sign(
                    self.provider_secret, body
                ),
            },
            path=f"/retail/3pl/v1/providers/{self.provider.id}/messages",
        )


class ShipbobProviderHooks:
    """The hooks of the ShipBob adapter and its simulator: ShipBob's order
    is created by ``reference_id`` (the fulfilment order's reference), each
    shipment sends its own ``order.shipped`` webhook, signed with the
    subscription's ``whsec_`` secret (Standard Webhooks headers)."""

    shipbob_channel = 100102
    shipbob_webhook_secret = "whsec_ZTJlLXNoaXBib2Itd2ViaG9vay1zZWNy"

    @classmethod
    def make_provider(cls):
        return cls.env["retail.3pl.provider"].create(
            {
                "name": "E2E ShipBob",
                "adapter_type": "shipbob",
                "state": "active",
                "api_url": SHIPBOB_URL,
                "api_token": cls.provider_token,
                "shipbob_channel_id": cls.shipbob_channel,
                "shipbob_webhook_secret": cls.shipbob_webhook_secret,
                "warehouse_ids": [(6, 0, cls.warehouse.ids)],
                "carrier_map_ids": [
                    (
                        0,
                        0,
                        {
                            "code": "UPS",
                            "service": "Ground",
                            "carrier_id": cls.carrier.id,
                        },
                    )
                ],
            }
        )

    def make_provider_simulator(self):
        sim = ShipbobSimulator(
            self.provider_token,
            self.shipbob_webhook_secret,
            channel_id=self.shipbob_channel,
        )
        sim.subscribe(
            self.base_url() + f"/retail/3pl/v1/providers/{self.provider.id}/shipbob"
        )
        self.shipbob_webhook_ids = (f"msg_e2e_{n}" for n in itertools.count(1))
        return sim

    def fulfilment_requests(self):
        accepted = [
            call
            for call in self.provider_sim.calls.where(operation="order.create")
            if call.status == 201
        ]
        self.assertEqual(len(accepted), len(self.provider_sim.orders))
        return sorted(self.provider_sim.by_reference)

    def provider_lines(self, order_ref):
        products = self.provider_sim.order(order_ref)["products"]
        return {p["reference_id"]: p["quantity"] for p in products}

    def provider_shipped(self, order_ref):
        shipped = {}
        for shipment in self.provider_sim.order(order_ref)["shipments"]:
            if shipment["status"] not in shipbob_webhooks.SHIPPED:
                continue
            for product in shipment["products"]:
                for item in product["inventory_items"]:
                    sku = product["reference_id"]
                    shipped[sku] = shipped.get(sku, 0) + item["quantity"]
        return shipped

    def ship_parcel(self, order_ref, sku, qty, tracking_number, *, final):
        products = self.provider_sim.order(order_ref)["products"]
        (product,) = [p for p in products if p["reference_id"] == sku]
        self.provider_sim.pick(order_ref)
        webhook_id = next(self.shipbob_webhook_ids)
        sent = self.provider_sim.ship(
            order_ref,
            [
                {
                    "tracking_number": tracking_number,
                    "lines": [{"line_ref": product["external_line_id"], "qty": qty}],
                }
            ],
            final=final,
            carrier="UPS",
            service="Ground",
            message_id=webhook_id,
        )
        # one parcel, one shipment, one order.shipped
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["tracking"]["tracking_id"], tracking_number)
        (webhook,) = [w for w in self.provider_sim.outbox if w.event_id == webhook_id]
        return webhook

    def deliver_provider_messages(self):
        delivered = self.provider_sim.deliver(session=self.opener)
        self.assertFalse(self.provider_sim.outbox, self.provider_sim.deliveries)
        self.dispatch()
        return len(delivered)

    def step_deliver_and_run_everything_again(self, payload, first):
        """ShipBob fires ``order.shipped`` again under a new webhook id too
        (per order as well as per shipment, depending on the account): its
        job reads the order again, finds both shipments recorded and
        changes nothing. Then the checks every adapter runs."""
        webhook_id = next(self.shipbob_webhook_ids)
        self.provider_sim.send_webhook(
            "order.shipped", first.payload, webhook_id=webhook_id
        )
        self.assertEqual(self.run_jobs(self.deliver_provider_messages), 1)
        event = self.env["retail.event"].search(
            [
                ("backend_model", "=", self.provider._name),
                ("backend_id", "=", self.provider.id),
                ("event_key", "=", webhook_id),
            ]
        )
        self.assertEqual(
            (event.topic, event.state), ("shipbob:order.shipped", "ignored")
        )
        self.assertIn("already recorded", event.reason)
        self.assertFalse(event.child_ids)
        super().step_deliver_and_run_everything_again(payload, first)

    def deliver_provider_message_again(self, message):
        # ShipBob retries with the same webhook-id, a new timestamp
        body = json_body(message.payload)
        timestamp = int(time.time())
        return self.post_body(
            body,
            {
                "Content-Type": "application/json",
                shipbob_webhooks.ID_HEADER: message.event_id,
                shipbob_webhooks.TIMESTAMP_HEADER: str(timestamp),
                shipbob_webhooks.SIGNATURE_HEADER: shipbob_webhooks.sign(
                    self.shipbob_webhook_secret, message.event_id, timestamp, body
                ),
                shipbob_webhooks.TOPIC_HEADER: message.topic,
            },
            path=f"/retail/3pl/v1/providers/{self.provider.id}/shipbob",
        )

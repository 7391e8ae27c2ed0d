import copy

from odoo.tests import Form, TransactionCase

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ShopifyTestMixin


class TestFulfillmentWebhook(ShopifyTestMixin, TransactionCase):
    """fulfillments/create and fulfillments/update against Odoo's deliveries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        Product = cls.env["product.product"]
        cls.mug = Product.create(
            {"name": "Stoneware mug", "default_code": "MUG-STONE", "type": "consu"}
        )
        cls.tote = Product.create(
            {"name": "Canvas tote", "default_code": "TOTE-NAT", "type": "consu"}
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        variants = [
            self.sim.add_product(title, variants=[{"sku": sku, "price": "14.00"}])[
                "variants"
            ][0]
            for title, sku in (("Stoneware mug", "MUG-STONE"), ("Tote", "TOTE-NAT"))
        ]
        self.payload = self.sim.create_order(
            [
                {"variant_gid": variants[0]["id"], "quantity": 3, "price": "14.00"},
                {"variant_gid": variants[1]["id"], "quantity": 1, "price": "14.00"},
            ],
            customer={
                "first_name": "Ada",
                "last_name": "Byron",
                "email": "ada@example.org",
            },
            notify=False,
        )
        imported = self.process("orders/create", self.payload, "o1")
        self.assertEqual(imported.state, "done", imported.error)
        self.sale = imported.result_ref
        self.picking = self.sale.picking_ids
        self.order_binding = self.Binding._retail_get(
            self.backend, self.payload["admin_graphql_api_id"]
        )
        self.sim.outbox.clear()

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def process(self, topic, payload, event_id):
        event = self.deliver(topic, payload, event_id=event_id)
        event._process()
        return event

    def emitted(self, topic):
        return [copy.deepcopy(w.payload) for w in self.sim.outbox if w.topic == topic]

    def validate_delivery(self, quantities=None):
        """Ship the delivery in Odoo: all of it, or ``{product: quantity}``
        with a backorder for the rest."""
        self.picking.carrier_tracking_ref = "1Z999AA10123456784"
        for move in self.picking.move_ids:
            move.quantity = (
                move.product_uom_qty
                if quantities is None
                else quantities.get(move.product_id, 0)
            )
            move.picked = True
        with trap_jobs():
            action = self.picking.button_validate()
            if quantities is not None:
                wizard = Form(
                    self.env[action["res_model"]].with_context(**action["context"])
                ).save()
                wizard.process()
        self.assertEqual(self.picking.state, "done")
        return self.env["shopify.fulfillment"].search(
            [("odoo_id", "=", self.picking.id)]
        )

    def ship_from_odoo(self):
        """Validate the delivery and create its Shopify fulfilment."""
        binding = self.validate_delivery()
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "synced")
        return binding

    def fulfil_in_shopify(self, quantities=None, tracking="9400111899223197428490"):
        """Someone fulfils the order in Shopify, outside Odoo: everything, or
        ``{sku: quantity}``."""
        client = self.backend._shopify_client()
        data = client.execute(
            "FulfillmentOrdersForOrder", {"id": self.payload["admin_graphql_api_id"]}
        )
        fulfillment_order = data["order"]["fulfillmentOrders"]["nodes"][0]
        items = [
            {
                "id": item["id"],
                "quantity": item["remainingQuantity"]
                if quantities is None
                else quantities[item["lineItem"]["sku"]],
            }
            for item in fulfillment_order["lineItems"]["nodes"]
            if quantities is None or item["lineItem"]["sku"] in quantities
        ]
        client.mutate(
            "FulfillmentCreate",
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": [
                        {
                            "fulfillmentOrderId": fulfillment_order["id"],
                            "fulfillmentOrderLineItems": items,
                        }
                    ],
                    "trackingInfo": {"number": tracking, "company": "USPS"},
                    "notifyCustomer": False,
                }
            },
            result_key="fulfillmentCreate",
        )
        return self.emitted("fulfillments/create")[-1]

    def conflicts(self, gid):
        return self.Exception.search(
            [
                ("backend_model", "=", "shopify.backend"),
                ("backend_id", "=", self.backend.id),
                ("category", "=", "conflict"),
                ("remote_ref", "=", gid),
            ]
        )

    # ------------------------------------------------------------------
    # fulfilments created by Odoo
    # ------------------------------------------------------------------
    def test_echo_of_own_fulfilment_is_ignored(self):
        binding = self.ship_from_odoo()
        self.assertEqual(binding.remote_status, "success")
        echo = self.emitted("fulfillments/create")
        self.assertEqual(len(echo), 1)
        self.assertEqual(echo[0]["admin_graphql_api_id"], binding.external_id)
        event = self.process("fulfillments/create", echo[0], "f1")
        self.assertEqual(event.state, "ignored")
        self.assertIn("Echo of fulfilment", event.reason)
        self.assertIn(self.picking.name, event.reason)
        self.assertFalse(self.conflicts(binding.external_id))
        self.assertEqual(binding.sync_state, "synced")

    def test_tracking_echo_after_odoo_change_is_ignored(self):
        binding = self.ship_from_odoo()
        with trap_jobs():
            self.picking.carrier_tracking_ref = "1Z999AA10123456799"
        self.backend._retail_export_job("fulfillments")
        update = self.emitted("fulfillments/update")[-1]
        self.assertEqual(update["tracking_number"], "1Z999AA10123456799")
        event = self.process("fulfillments/update", update, "f2")
        self.assertEqual(event.state, "ignored")
        self.assertEqual(binding.tracking_number, "1Z999AA10123456799")

    def test_shopify_side_changes_of_own_fulfilment_are_recorded(self):
        binding = self.ship_from_odoo()
        update = self.emitted("fulfillments/create")[-1]
        update.update(
            shipment_status="in_transit",
            tracking_number="1Z999AA10123456700",
            tracking_numbers=["1Z999AA10123456700"],
            updated_at="2099-01-01T10:00:00+00:00",
        )
        event = self.process("fulfillments/update", update, "f3")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref, self.picking)
        self.assertEqual(binding.shipment_status, "in_transit")
        self.assertEqual(binding.tracking_number, "1Z999AA10123456700")
        self.assertEqual(binding.sync_state, "synced")
        # an older version delivered late changes nothing
        older = dict(
            update, shipment_status="confirmed", updated_at="2098-12-31T10:00:00Z"
        )
        late = self.process("fulfillments/update", older, "f4")
        self.assertEqual(late.state, "ignored")
        self.assertIn("newer version", late.reason)
        self.assertEqual(binding.shipment_status, "in_transit")

    def test_cancelled_own_fulfilment_marks_binding_and_tells_the_clerk(self):
        binding = self.ship_from_odoo()
        cancelled = dict(self.emitted("fulfillments/create")[-1], status="cancelled")
        event = self.process("fulfillments/update", cancelled, "f5")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(binding.remote_status, "cancelled")
        self.assertEqual(binding.sync_state, "error")
        self.assertIn("cancelled in Shopify", binding.last_error)
        exc = self.conflicts(binding.external_id)
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.state, "open")
        self.assertEqual(exc.record_ref, self.picking)
        self.assertIn(self.order_binding.shopify_name, exc.message)
        self.assertIn(self.picking.name, exc.message)
        self.assertIn("fulfil the order again", exc.hint)
        self.assertIn(f"return {self.picking.name} in Odoo", exc.hint)
        # Shopify delivers the same news again: nothing more to tell
        again = self.process("fulfillments/update", cancelled, "f6")
        self.assertEqual(again.state, "ignored")
        self.assertIn("already recorded", again.reason)
        self.assertEqual(exc.occurrence_count, 1)
        self.assertEqual(exc.state, "open")

    # ------------------------------------------------------------------
    # fulfilments made in Shopify
    # ------------------------------------------------------------------
    def test_foreign_fulfilment_with_open_delivery_is_a_conflict(self):
        payload = self.fulfil_in_shopify()
        event = self.process("fulfillments/create", payload, "f7")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref, self.sale)
        self.assertEqual(self.order_binding.fulfillment_status, "fulfilled")
        self.assertNotIn(self.picking.state, ("done", "cancel"))
        exc = self.conflicts(payload["admin_graphql_api_id"])
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.state, "open")
        self.assertEqual(exc.flow, "inbound")
        self.assertEqual(exc.record_ref, self.picking)
        self.assertIn(f"Shopify order {self.order_binding.shopify_name}", exc.message)
        self.assertIn(self.picking.name, exc.message)
        self.assertIn("shipped twice", exc.message)
        self.assertIn("9400111899223197428490", exc.message)
        self.assertIn(f"Validate the delivery {self.picking.name}", exc.hint)
        self.assertIn(f"cancel the fulfilment {payload['name']}", exc.hint)
        # the tracking update of the same fulfilment counts as the same problem
        update = dict(payload, shipment_status="in_transit")
        self.process("fulfillments/update", update, "f8")
        self.assertEqual(exc.occurrence_count, 2)

    def test_delivery_validated_after_a_foreign_fulfilment_sends_nothing(self):
        payload = self.fulfil_in_shopify()
        self.process("fulfillments/create", payload, "f9")
        (conflict,) = self.conflicts(payload["admin_graphql_api_id"])
        # the parcel did leave: the clerk validates the delivery
        binding = self.validate_delivery()
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "synced")
        self.assertFalse(binding.external_id)
        self.assertEqual(len(self.emitted("fulfillments/create")), 1)
        self.assertIn("already fulfilled in Shopify", self.picking.message_ids[0].body)
        self.assertFalse(
            self.Exception.search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("state", "=", "open"),
                    ("id", "!=", conflict.id),
                ]
            )
        )

    def test_partial_foreign_fulfilment_records_partial(self):
        payload = self.fulfil_in_shopify({"MUG-STONE": 1})
        event = self.process("fulfillments/create", payload, "f9")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.order_binding.fulfillment_status, "partial")
        self.assertTrue(self.conflicts(payload["admin_graphql_api_id"]))

    def test_foreign_fulfilment_of_lines_already_shipped_is_not_a_conflict(self):
        # the clerk fulfilled the mugs by hand in Shopify, then validated them
        # in Odoo; the tote waits in a backorder
        payload = self.fulfil_in_shopify({"MUG-STONE": 3})
        self.validate_delivery({self.mug: 3})
        backorder = self.sale.picking_ids - self.picking
        self.assertEqual(backorder.move_ids.product_id, self.tote)
        self.backend._retail_export_job("fulfillments")
        event = self.process("fulfillments/create", payload, "f10")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.order_binding.fulfillment_status, "partial")
        self.assertFalse(self.conflicts(payload["admin_graphql_api_id"]))

    def test_foreign_fulfilment_without_its_lines_checks_every_open_delivery(self):
        # a subscription restricted with includeFields sends no line items
        payload = self.fulfil_in_shopify({"TOTE-NAT": 1})
        del payload["line_items"]
        event = self.process("fulfillments/create", payload, "f19")
        self.assertEqual(event.state, "done", event.error)
        exc = self.conflicts(payload["admin_graphql_api_id"])
        self.assertEqual(exc.record_ref, self.picking)
        self.assertNotIn("item(s)", exc.message)
        # it shipped something, what is unknown: the order is partly fulfilled
        self.assertEqual(self.order_binding.fulfillment_status, "partial")

    def test_cancelled_foreign_fulfilment_settles_the_conflict(self):
        payload = self.fulfil_in_shopify()
        self.process("fulfillments/create", payload, "f11")
        exc = self.conflicts(payload["admin_graphql_api_id"])
        self.assertEqual(exc.state, "open")
        event = self.process(
            "fulfillments/update", dict(payload, status="cancelled"), "f12"
        )
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(exc.state, "resolved")
        self.assertIn("cancelled in Shopify", exc.resolution)
        # a cancelled fulfilment without an open problem needs nothing
        again = self.process(
            "fulfillments/update", dict(payload, status="cancelled"), "f13"
        )
        self.assertEqual(again.state, "ignored")
        self.assertIn("nothing to do", again.reason)

    def test_foreign_fulfilment_waits_for_a_delivery_being_sent(self):
        payload = self.fulfil_in_shopify()
        event = self.process("fulfillments/create", payload, "f14")
        exc = self.conflicts(payload["admin_graphql_api_id"])
        # the parcel left: the clerk validates the delivery in Odoo
        binding = self.validate_delivery()
        self.assertEqual(binding.sync_state, "pending")
        update = dict(payload, shipment_status="in_transit")
        later = self.deliver("fulfillments/update", update, event_id="f15")
        # it could be the echo of the fulfilment Odoo is about to create
        with self.assertRaises(RetryableJobError):
            later._process()
        self.assertEqual(exc.state, "open")
        # Shopify expects nothing more: the export sends nothing, then the
        # webhook is processed again and finds the delivery done
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "synced")
        later._process()
        self.assertEqual(later.state, "done", later.error)
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(exc.resolution, "The delivery is done in Odoo.")
        self.assertEqual(event.state, "done")

    def test_foreign_fulfilment_after_the_delivery_is_done_is_recorded(self):
        payload = self.fulfil_in_shopify()
        binding = self.validate_delivery()
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "synced")
        event = self.process("fulfillments/create", payload, "f16")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.order_binding.fulfillment_status, "fulfilled")
        self.assertFalse(self.conflicts(payload["admin_graphql_api_id"]))

    def test_fulfilment_of_an_order_not_imported_is_ignored(self):
        payload = self.fulfil_in_shopify()
        payload["order_id"] = 999999999
        event = self.process("fulfillments/create", payload, "f17")
        self.assertEqual(event.state, "ignored")
        self.assertIn("gid://shopify/Order/999999999", event.reason)
        self.assertIn("not imported", event.reason)
        self.assertFalse(self.conflicts(payload["admin_graphql_api_id"]))

    def test_malformed_payload_fails_naming_the_field(self):
        payload = dict(self.fulfil_in_shopify(), status="shipped")
        event = self.process("fulfillments/create", payload, "f18")
        self.assertEqual(event.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.category, "validation")
        self.assertIn("status is invalid", exc.message)
        self.assertIn("'shipped'", exc.message)

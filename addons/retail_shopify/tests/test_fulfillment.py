from unittest.mock import patch

from odoo.tests import TransactionCase

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services import errors

from ..services.graphql_client import ShopifyGraphQLClient
from .common import ShopifyTestMixin


class TestFulfillmentExport(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.mug = cls.env["product.product"].create(
            {"name": "Stoneware mug", "default_code": "MUG-STONE", "type": "consu"}
        )
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "UPS Ground",
                "product_id": cls.env["product.product"]
                .create({"name": "UPS", "type": "service"})
                .id,
            }
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        variant = self.sim.add_product(
            "Stoneware mug", variants=[{"sku": "MUG-STONE", "price": "14.00"}]
        )["variants"][0]
        self.payload = self.sim.create_order(
            [{"variant_gid": variant["id"], "quantity": 3, "price": "14.00"}],
            customer={
                "first_name": "Ada",
                "last_name": "Byron",
                "email": "ada@example.org",
            },
            notify=False,
        )
        event = self.deliver("orders/create", self.payload, event_id="o1")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.sale = event.result_ref
        self.picking = self.sale.picking_ids

    def ship(self, quantity, tracking="1Z999AA10123456784"):
        self.picking.write(
            {"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking}
        )
        move = self.picking.move_ids
        move.quantity = quantity
        move.picked = True
        with trap_jobs() as trap:
            self.picking.with_context(
                skip_backorder=True, picking_ids_not_to_backorder=self.picking.ids
            ).button_validate()
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        self.assertEqual(self.picking.state, "done")
        return self.env["shopify.fulfillment"].search(
            [("odoo_id", "=", self.picking.id)]
        )

    def test_done_delivery_fulfils_the_order_with_tracking(self):
        binding = self.ship(3)
        self.assertEqual(binding.sync_state, "pending")
        result = self.backend._retail_export_job("fulfillments")
        self.assertIn("1 of 1", result)
        self.assertEqual(binding.sync_state, "synced")
        self.assertTrue(binding.external_id.startswith("gid://shopify/Fulfillment/"))
        self.assertEqual(binding.tracking_number, "1Z999AA10123456784")
        order = self.backend._shopify_client().execute(
            "OrderById", {"id": self.payload["admin_graphql_api_id"]}
        )["order"]
        self.assertEqual(order["displayFulfillmentStatus"], "FULFILLED")
        sent = [c for c in self.sim.calls if c.operation == "FulfillmentCreate"]
        tracking = sent[0].variables["fulfillment"]["trackingInfo"]
        self.assertEqual(tracking["company"], "UPS Ground")

    def test_parcels_of_one_delivery_are_sent_as_their_numbers(self):
        # a 3PL confirmation of two parcels, or a carrier's multi-package
        # label: one reference, numbers joined by commas
        binding = self.ship(3, tracking="1ZPARCEL0001,1ZPARCEL0002")
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "synced")
        sent = [c for c in self.sim.calls if c.operation == "FulfillmentCreate"]
        tracking = sent[0].variables["fulfillment"]["trackingInfo"]
        self.assertEqual(tracking["numbers"], ["1ZPARCEL0001", "1ZPARCEL0002"])
        self.assertNotIn("number", tracking)
        # the shop lists both numbers on its fulfilment
        record = self.sim.fulfillments[binding.external_id]
        self.assertEqual(
            [info["number"] for info in record["_tracking"]],
            ["1ZPARCEL0001", "1ZPARCEL0002"],
        )

    def test_partial_delivery_sends_the_shipped_quantity(self):
        self.ship(2)
        self.backend._retail_export_job("fulfillments")
        sent = [c for c in self.sim.calls if c.operation == "FulfillmentCreate"]
        items = sent[0].variables["fulfillment"]["lineItemsByFulfillmentOrder"]
        self.assertEqual(items[0]["fulfillmentOrderLineItems"][0]["quantity"], 2)

    def test_delivery_already_fulfilled_in_shopify_sends_nothing(self):
        binding = self.ship(3)
        self.backend._retail_export_job("fulfillments")
        # the same delivery registered again (e.g. restored): Shopify has
        # fulfilled every line already, nothing is left to send
        binding.write({"sync_state": "pending", "external_id": False})
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "synced")
        sent = [c for c in self.sim.calls if c.operation == "FulfillmentCreate"]
        self.assertEqual(len(sent), 1)
        self.assertIn("already fulfilled in Shopify", self.picking.message_ids[0].body)

    def test_order_cancelled_in_shopify_is_an_exception(self):
        binding = self.ship(3)
        self.sim.cancel_order(self.payload["admin_graphql_api_id"], notify=False)
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "error")
        exc = self.Exception.search(
            [
                ("flow", "=", "outbound"),
                ("res_model", "=", "stock.picking"),
                ("res_id", "=", self.picking.id),
            ]
        )
        self.assertEqual(exc.category, "conflict")
        self.assertIn("already fulfilled or cancelled", exc.message)

    def test_tracking_change_updates_the_fulfillment(self):
        binding = self.ship(3)
        self.backend._retail_export_job("fulfillments")
        with trap_jobs() as trap:
            self.picking.carrier_tracking_ref = "1Z999AA10123456799"
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        self.assertEqual(binding.sync_state, "outdated")
        result = self.backend._retail_export_job("fulfillments")
        self.assertIn("1 tracking numbers updated", result)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.tracking_number, "1Z999AA10123456799")
        update = [
            c for c in self.sim.calls if c.operation == "FulfillmentTrackingInfoUpdate"
        ]
        self.assertEqual(update[0].outcome, "ok")
        self.assertEqual(
            update[0].variables["trackingInfoInput"]["number"], "1Z999AA10123456799"
        )

    def test_a_full_batch_of_deliveries_queues_the_next_one(self):
        binding = self.ship(3)
        with (
            patch.object(type(self.backend), "FULFILLMENT_BATCH", 1),
            trap_jobs() as trap,
        ):
            result = self.backend._retail_export_job("fulfillments")
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
        self.assertIn("1 of 1", result)
        self.assertEqual(binding.sync_state, "synced")
        with trap_jobs() as trap:
            result = self.backend._retail_export_job("fulfillments")
            trap.assert_jobs_count(0, only=self.backend._retail_export_job)
        self.assertIn("0 of 0", result)

    def test_shopify_unreachable_keeps_the_delivery_to_send(self):
        binding = self.ship(3)
        self.sim.fail_next(3, status=503)
        with self.assertRaises(RetryableJobError):
            self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "pending")
        self.assertFalse(self.Exception.search([("flow", "=", "outbound")]))
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(binding.sync_state, "synced")

    def test_refused_tracking_is_an_exception_naming_the_delivery(self):
        binding = self.ship(3)
        self.backend._retail_export_job("fulfillments")
        with trap_jobs():
            self.picking.carrier_tracking_ref = "NOT A NUMBER"
        original = ShopifyGraphQLClient.mutate

        def refuse(client, operation, variables=None, *, result_key):
            if operation == "FulfillmentTrackingInfoUpdate":
                raise errors.RemoteRejectedError("Tracking number is invalid")
            return original(client, operation, variables, result_key=result_key)

        with patch.object(ShopifyGraphQLClient, "mutate", refuse):
            result = self.backend._retail_export_job("fulfillments")
        self.assertIn("0 tracking numbers updated", result)
        self.assertEqual(binding.sync_state, "error")
        self.assertEqual(binding.tracking_number, "1Z999AA10123456784")
        exc = self.Exception.search([("flow", "=", "outbound")])
        self.assertEqual(exc.record_ref, self.picking)
        self.assertEqual(exc.remote_ref, binding.external_id)
        self.assertIn(f"tracking of delivery {self.picking.name}", exc.message)
        self.assertIn("Tracking number is invalid", exc.message)
        self.assertIn("tracking number", exc.hint)

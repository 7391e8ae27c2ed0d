from odoo.exceptions import UserError, ValidationError

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from ..services import shipbob_client
from .common import ShipbobTestCase


class TestShipbobOutbound(ShipbobTestCase):
    def test_provider_is_limited_to_shipbob_s_rate(self):
        self.assertEqual(
            (self.backend.rate_limit_capacity, self.backend.rate_limit_per_second),
            (shipbob_client.LIMITER_CAPACITY, shipbob_client.LIMITER_PER_SECOND),
        )
        # no minute sees more calls than ShipBob allows
        self.assertLessEqual(
            self.backend.rate_limit_capacity + 60 * self.backend.rate_limit_per_second,
            shipbob_client.RATE_PER_MINUTE,
        )

    def test_shipbob_hosts_are_allowed_others_not(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.allow_simulator_endpoints", "0"
        )
        self.backend.api_url = shipbob_client.BASE_URL
        self.backend.api_url = shipbob_client.SANDBOX_URL
        with self.assertRaises(ValidationError):
            self.backend.api_url = "https://shipbob.example.com/2026-07"
        self.backend.adapter_type = "generic"
        with self.assertRaises(ValidationError):
            self.backend.api_url = shipbob_client.BASE_URL

    def test_webhook_secret_must_be_shipbob_s_form(self):
        with self.assertRaises(ValidationError):
            self.backend.shipbob_webhook_secret = "not-a-secret"
        self.backend.with_user(self.manager).action_generate_shipbob_webhook_secret()
        secret = self.backend.sudo().shipbob_webhook_secret
        self.assertRegex(secret, r"^whsec_[A-Za-z0-9+/]{32}$")
        self.assertIn(secret, self.backend._retail_secrets())
        with self.assertRaises(UserError):
            self.backend.with_user(self.user).action_generate_shipbob_webhook_secret()

    def test_order_is_created_with_its_reference_id(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        self.assertEqual(order.remote_state, "accepted")
        remote = self.sim.order(order.external_id)
        self.assertEqual(remote["reference_id"], order.external_id)
        self.assertEqual(remote["recipient"]["address"]["country"], "US")
        self.assertEqual(
            [(p["reference_id"], p["quantity"]) for p in remote["products"]],
            [("TOTE", 2)],
        )
        self.assertEqual(remote["shipping_method"], "Standard")

    def test_job_run_twice_and_shipbob_s_duplicate_count_as_sent(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        self.assertEqual(order._threepl_job("send"), "Already accepted: nothing sent.")
        # a first run that reached ShipBob but rolled back in Odoo
        order.remote_state = "queued"
        order._threepl_job("send")
        self.assertEqual(order.remote_state, "accepted")
        self.assertEqual(
            self.sim.calls.outcomes(operation="order.create"), ["ok", "duplicate"]
        )
        self.assertEqual(len(self.sim.orders), 1)
        self.assertIn("already had it", order.odoo_id.message_ids[:1].body)

    def test_order_shipbob_refuses_is_an_exception(self):
        tote = self.product("TOTE")
        self.customer.street = False
        order = self.send(lines=[(tote, 1)])
        self.assertEqual(order.sync_state, "error")
        self.assertEqual(order.remote_state, "queued")
        exc = self.backend._retail_open_exceptions()
        self.assertIn("recipient.address.address1", exc.message)
        self.assertFalse(self.sim.orders)

    def test_cancel_accepted(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        picking = order.odoo_id
        self.perform_jobs(picking.action_cancel)
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(order.remote_state, "cancelled")
        self.assertEqual(self.sim.order(order.external_id)["status"], "Cancelled")

    def test_cancel_refused_once_picked(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        picking = order.odoo_id
        self.sim.pick(order.external_id)
        self.perform_jobs(picking.action_cancel)
        self.assertNotEqual(picking.state, "cancel")
        self.assertEqual(order.remote_state, "cancel_refused")
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(exc.category, "remote_rejected")
        self.assertIn("already picked", exc.message)
        # it ships anyway: ShipBob's shipment validates the delivery
        self.sim.ship(order.external_id)
        self.receive()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.remote_state, "shipped")

    def test_rate_limit_postpones_the_job_with_shipbob_s_delay(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        self.sim.rate_limit = len(self.sim.calls)
        with trap_jobs():
            order.odoo_id.action_cancel()
        with self.assertRaises(RetryableJobError) as caught:
            order._threepl_job("cancel")
        self.assertEqual(self.sim.calls.outcomes()[-1], "rate_limited")
        # ShipBob's x-retry-after (a minute's window) and one second more
        self.assertGreaterEqual(caught.exception.seconds, 55)
        self.assertLessEqual(caught.exception.seconds, 61)
        self.assertEqual(order.remote_state, "cancel_requested")

    def test_calls_take_the_provider_s_limiter_tokens(self):
        tote = self.product("TOTE")
        self.backend.write({"rate_limit_capacity": 1, "rate_limit_per_second": 0.001})
        order = self.send(lines=[(tote, 1)])
        self.assertEqual(order.remote_state, "accepted")
        with trap_jobs():
            order.odoo_id.action_cancel()
        with self.assertRaises(RetryableJobError):
            order._threepl_job("cancel")
        # refused by the local limiter: ShipBob saw no second call
        self.assertEqual(len(self.sim.calls), 1)

    def test_inventory_of_the_fulfillment_center(self):
        self.product("TOTE", qty=5)
        self.sim.set_stock("TOTE", 5, 4)
        self.sim.set_stock("TOTE", 9, location_id=99)
        self.warehouse.shipbob_location_id = 22
        answer = self.backend.shipbob_fetch_inventory(self.warehouse)
        self.assertEqual(
            [(i.sku, i.on_hand, i.available) for i in answer.items], [("TOTE", 5, 4)]
        )
        self.backend.action_pull_inventory()
        self.assertEqual(self.warehouse.threepl_last_check_state, "matched")


class TestShipbobInbound(ShipbobTestCase):
    def setUp(self):
        super().setUp()
        self.tote = self.product("TOTE", qty=10)
        self.mug = self.product("MUG", qty=10)
        self.order = self.send(lines=[(self.tote, 3), (self.mug, 1)])
        self.picking = self.order.odoo_id
        self.ref = self.order.external_id

    def test_shipment_in_parts(self):
        tote_line = self.line_ref(self.picking, self.tote)
        mug_line = self.line_ref(self.picking, self.mug)
        self.sim.ship(
            self.ref,
            [{"tracking_number": "1ZA", "lines": [{"line_ref": tote_line, "qty": 2}]}],
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "done")
        (child,) = event.child_ids
        self.assertEqual((child.topic, child.state), ("shipment.confirmed", "done"))
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.order.remote_state, "partial")
        backorder = self.order.odoo_id
        self.assertNotEqual(backorder, self.picking)
        self.assertEqual(self.picking.carrier_id, self.carrier)
        self.assertEqual(self.picking.carrier_tracking_ref, "1ZA")
        # the rest ships: the order is shipped
        lines = [{"line_ref": tote_line, "qty": 1}, {"line_ref": mug_line, "qty": 1}]
        self.sim.ship(self.ref, [{"tracking_number": "1ZB", "lines": lines}])
        (second,) = self.receive()
        self.assertEqual(second.state, "done")
        self.assertEqual(backorder.state, "done")
        self.assertEqual(self.order.remote_state, "shipped")
        self.assertEqual(self.order.tracking_numbers, "1ZA,1ZB")
        self.assertEqual(len(self.order.shipment_ids), 2)

    def test_webhooks_of_two_shipments_out_of_order(self):
        tote_line = self.line_ref(self.picking, self.tote)
        mug_line = self.line_ref(self.picking, self.mug)
        self.sim.ship(
            self.ref,
            [{"tracking_number": "1ZA", "lines": [{"line_ref": tote_line, "qty": 3}]}],
        )
        self.sim.ship(
            self.ref,
            [{"tracking_number": "1ZB", "lines": [{"line_ref": mug_line, "qty": 1}]}],
            final=True,
        )
        # the second shipment's webhook arrives first: ShipBob's order, read
        # again, holds both shipments, applied in the order they left
        self.sim._outbox.pending.reverse()
        second, first = self.receive()
        self.assertEqual(
            [(c.topic, c.state) for c in second.child_ids],
            [("shipment.confirmed", "done")] * 2,
        )
        self.assertEqual(first.state, "ignored")
        self.assertIn("already recorded", first.reason)
        backorder = self.picking.backorder_ids
        self.assertEqual(
            [
                (p.state, p.carrier_tracking_ref, p.move_ids.product_id.default_code)
                for p in self.picking | backorder
            ],
            [("done", "1ZA", "TOTE"), ("done", "1ZB", "MUG")],
        )
        self.assertEqual(self.order.remote_state, "shipped")
        self.assertEqual(len(self.order.shipment_ids), 2)
        self.assertFalse(self.backend._retail_open_exceptions())

    def test_webhook_delivered_again_changes_nothing(self):
        self.sim.ship(self.ref)
        webhook = self.sim.outbox[0]
        (event,) = self.receive()
        self.assertEqual(self.order.remote_state, "shipped")
        # ShipBob fires order.shipped again (another id): the same shipment
        self.sim._outbox.pending.append(webhook)
        webhook.event_id = "msg_again"
        (again,) = self.receive()
        self.assertEqual(again.state, "ignored")
        self.assertIn("already recorded", again.reason)
        self.assertEqual(len(self.order.shipment_ids), 1)

    def test_cancelled_by_shipbob(self):
        self.sim.cancel_by_provider(self.ref, reason="Out of stock")
        (event,) = self.receive()
        self.assertEqual(event.child_ids.topic, "order.cancelled")
        self.assertEqual(self.picking.state, "cancel")
        self.assertEqual(self.order.remote_state, "cancelled")

    def test_on_hold_is_an_exception(self):
        self.sim.hold(self.ref, reason="Missing tariff code")
        (event,) = self.receive()
        self.assertEqual(event.state, "done")
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(len(exc), 1)
        self.assertIn("OnHold: Missing tariff code", exc.message)
        self.assertEqual(exc.res_id, self.picking.id)
        self.assertNotEqual(self.picking.state, "done")

    def test_order_of_another_channel_is_ignored(self):
        self.sim.send_webhook("order.shipped", {"order_id": 123, "shipment_id": 4})
        (event,) = self.receive()
        self.assertEqual(event.state, "ignored")
        self.assertIn("no order of this channel", event.reason)

    def test_unused_topic_is_ignored(self):
        self.sim.send_webhook("billing.charge.created", {"id": 1})
        (event,) = self.receive()
        self.assertEqual(event.state, "ignored")

    def test_return_comes_back_to_stock_damaged_scrapped(self):
        self.sim.ship(self.ref)
        self.receive()
        self.assertEqual(self.picking.state, "done")
        before = self.tote.with_context(warehouse_id=self.warehouse.id).qty_available
        self.sim.receive_return(
            self.ref,
            [
                {"sku": "TOTE", "qty": 2, "action": "Restock"},
                {"sku": "TOTE", "qty": 1, "action": "Dispose"},
            ],
            reference_id="RMA-9",
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "done")
        (child,) = event.child_ids
        self.assertEqual((child.topic, child.state), ("return.received", "done"))
        record = self.env["retail.3pl.return"].search(
            [("provider_id", "=", self.backend.id)]
        )
        self.assertEqual(record.rma_ref, "RMA-9")
        self.assertEqual(record.order_id, self.order)
        after = self.tote.with_context(warehouse_id=self.warehouse.id).qty_available
        self.assertEqual(after - before, 2)

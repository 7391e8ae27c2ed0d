from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ThreeplTestCase


class TestShipment(ThreeplTestCase):
    def setUp(self):
        super().setUp()
        self.tote = self.product("TOTE")
        self.mug = self.product("MUG")

    def ship(self, order, *packages, **options):
        self.sim.ship(order.external_id, list(packages) or None, **options)
        return self.receive()

    def package(self, picking, tracking, *lines):
        return {
            "tracking_number": tracking,
            "lines": [
                {"line_ref": self.line_ref(picking, product), "qty": qty, **extra}
                for product, qty, *more in lines
                for extra in [more[0] if more else {}]
            ],
        }

    def test_whole_shipment_validates_with_carrier_and_tracking(self):
        order = self.send(lines=[(self.tote, 2), (self.mug, 1)])
        picking = order.odoo_id
        seen = {}
        Picking = type(self.env["stock.picking"])
        action_done = Picking._action_done

        def spy(pickings):
            # what a shop's fulfilment export reads when the delivery is done
            seen.update(
                tracking=pickings.carrier_tracking_ref, carrier=pickings.carrier_id
            )
            return action_done(pickings)

        with patch.object(Picking, "_action_done", spy):
            events = self.ship(
                order,
                self.package(picking, "1ZA", (self.tote, 2)),
                self.package(picking, "1ZB", (self.mug, 1)),
            )
        self.assertEqual(events.state, "done")
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "1ZA,1ZB")
        self.assertEqual(picking.carrier_id, self.carrier)
        self.assertEqual(seen, {"tracking": "1ZA,1ZB", "carrier": self.carrier})
        self.assertEqual(
            {(m.product_id, m.quantity) for m in picking.move_ids},
            {(self.tote, 2), (self.mug, 1)},
        )
        self.assertEqual(order.remote_state, "shipped")
        self.assertEqual(order.shipment_ids.tracking_numbers, "1ZA,1ZB")
        self.assertEqual(order.shipment_ids.package_count, 2)
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(events.result_id, picking.id)

    def test_shipment_of_what_odoo_could_not_reserve_validates(self):
        """The provider's shelves are the truth: what Odoo holds none of
        (nothing reserved) is shipped all the same, and partly reserved
        quantities are completed."""
        cap = self.product("CAP", qty=0)
        hat = self.product("HAT", qty=1)
        order = self.send(lines=[(cap, 2), (hat, 3)])
        picking = order.odoo_id
        self.assertEqual(picking.move_ids.mapped("quantity"), [0.0, 1.0])
        events = self.ship(order)
        self.assertEqual(events.state, "done", events.error)
        self.assertEqual(picking.state, "done")
        self.assertEqual(
            {(m.product_id, m.quantity) for m in picking.move_ids},
            {(cap, 2), (hat, 3)},
        )
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(order.remote_state, "shipped")

    def test_two_shipments_make_a_backorder_then_close_it(self):
        order = self.send(lines=[(self.tote, 3), (self.mug, 1)])
        picking = order.odoo_id
        self.ship(order, self.package(picking, "1ZA", (self.tote, 2)))
        self.assertEqual(picking.state, "done")
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertEqual(
            {(m.product_id, m.product_uom_qty) for m in backorder.move_ids},
            {(self.tote, 1), (self.mug, 1)},
        )
        self.assertEqual(order.odoo_id, backorder)
        self.assertEqual(order.remote_state, "partial")
        self.assertEqual(backorder.threepl_state, "partial")
        # the backorder is the rest of the same order: never sent again
        self.assertEqual(len(self.sim.calls.where(operation="order.create")), 1)
        self.ship(order)
        self.assertEqual(backorder.state, "done")
        self.assertEqual(order.remote_state, "shipped")
        self.assertEqual(picking.carrier_tracking_ref, "1ZA")
        self.assertTrue(backorder.carrier_tracking_ref)
        self.assertNotIn("1ZA", backorder.carrier_tracking_ref)
        self.assertEqual(
            order.tracking_numbers, f"1ZA,{backorder.carrier_tracking_ref}"
        )
        self.assertEqual(order.picking_ids, picking | backorder)
        self.assertFalse(self.backend._retail_open_exceptions())

    def test_final_short_shipment_cancels_the_rest_by_policy(self):
        self.backend.short_shipment_policy = "cancel"
        order = self.send(lines=[(self.tote, 3), (self.mug, 1)])
        picking = order.odoo_id
        self.ship(order, self.package(picking, "1ZA", (self.tote, 2)), final=True)
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.backorder_ids.filtered(lambda p: p.state != "cancel"))
        tote_move = picking.move_ids.filtered(lambda m: m.product_id == self.tote)
        self.assertEqual(tote_move.quantity, 2)
        self.assertEqual(order.remote_state, "shipped")
        self.assertIn("the rest is cancelled", picking.message_ids[0].body)

    def test_final_short_shipment_keeps_a_backorder_by_policy(self):
        order = self.send(lines=[(self.tote, 3)])
        picking = order.odoo_id
        self.ship(order, self.package(picking, "1ZA", (self.tote, 2)), final=True)
        backorder = picking.backorder_ids
        self.assertEqual(backorder.move_ids.product_uom_qty, 1)
        self.assertEqual(order.remote_state, "shipped")
        exc = self.backend._retail_open_exceptions()
        self.assertIn(f"in backorder {backorder.name}", exc.message)
        self.assertEqual(exc.res_id, backorder.id)
        # the provider ships nothing more: cancelling the rest needs no request
        backorder.action_cancel()
        self.assertEqual(backorder.state, "cancel")
        self.assertFalse(self.sim.calls.where(operation="order.cancel"))

    def test_shipments_out_of_order_never_move_back(self):
        order = self.send(lines=[(self.tote, 3)])
        picking = order.odoo_id
        ref = self.line_ref(picking, self.tote)
        first = self.sim.ship(
            order.external_id,
            [{"tracking_number": "1ZA", "lines": [{"line_ref": ref, "qty": 1}]}],
            final=False,
            occurred_at="2026-11-30T10:00:00Z",
        )
        second = self.sim.ship(
            order.external_id,
            [{"tracking_number": "1ZB", "lines": [{"line_ref": ref, "qty": 2}]}],
            final=True,
            occurred_at="2026-11-30T11:00:00Z",
        )
        self.sim._outbox.pending.reverse()  # the later one arrives first
        events = self.receive()
        self.assertEqual(events.mapped("state"), ["done", "done"])
        self.assertEqual(picking.state, "done")
        backorder = picking.backorder_ids
        self.assertEqual(backorder.state, "done")
        self.assertEqual(order.remote_state, "shipped")
        self.assertEqual(picking.carrier_tracking_ref, "1ZB")
        self.assertEqual(backorder.carrier_tracking_ref, "1ZA")
        self.assertEqual(str(order.last_message_at), "2026-11-30 11:00:00")
        self.assertTrue(first and second)

    def test_a_shipment_sent_again_updates_only_newer_tracking(self):
        order = self.send(lines=[(self.tote, 1)])
        picking = order.odoo_id
        ref = self.line_ref(picking, self.tote)
        payload = {
            "order_ref": order.external_id,
            "shipment_ref": "S-1",
            "shipped_at": "2026-11-30T10:00:00Z",
            "carrier": "UPS",
            "service": "Ground",
            "final": True,
            "packages": [
                {
                    "package_ref": "P1",
                    "tracking_number": "1ZOLD",
                    "lines": [{"line_ref": ref, "sku": "TOTE", "qty": 1}],
                }
            ],
        }
        self.sim.send_message(
            "shipment.confirmed", payload, occurred_at="2026-11-30T10:00:00Z"
        )
        self.receive()
        self.assertEqual(picking.carrier_tracking_ref, "1ZOLD")
        # a correction of the tracking number, then a late copy of the first
        payload["packages"][0]["tracking_number"] = "1ZNEW"
        self.sim.send_message(
            "shipment.confirmed", payload, occurred_at="2026-11-30T12:00:00Z"
        )
        payload["packages"][0]["tracking_number"] = "1ZOLD"
        self.sim.send_message(
            "shipment.confirmed", payload, occurred_at="2026-11-30T10:00:00Z"
        )
        correction, late = self.receive()
        self.assertEqual(correction.state, "done")
        self.assertEqual(late.state, "ignored")
        self.assertEqual(picking.carrier_tracking_ref, "1ZNEW")
        self.assertEqual(order.tracking_numbers, "1ZNEW")
        self.assertEqual(len(order.shipment_ids), 1)
        # the same shipment with other quantities is a conflict
        payload["packages"][0]["lines"][0]["qty"] = 2
        self.sim.send_message(
            "shipment.confirmed", payload, occurred_at="2026-11-30T13:00:00Z"
        )
        (conflict,) = self.receive()
        self.assertEqual(conflict.state, "failed")
        self.assertIn("other quantities", conflict.error)

    def test_same_message_twice_is_a_duplicate(self):
        order = self.send(lines=[(self.tote, 1)])
        message = self.sim.ship(order.external_id)
        (event,) = self.receive()
        again, created = self.store_event(
            "shipment.confirmed", message, key=message["message_id"]
        )
        self.assertFalse(created)
        self.assertEqual(again, event)
        self.assertEqual(len(order.shipment_ids), 1)

    def test_unknown_sku_or_line_is_an_exception(self):
        order = self.send(lines=[(self.tote, 1)])
        picking = order.odoo_id
        self.sim.ship(
            order.external_id,
            [
                {
                    "tracking_number": "1Z",
                    "lines": [
                        {
                            "line_ref": self.line_ref(picking, self.tote),
                            "qty": 1,
                            "sku": "HAT",
                        },
                        {"line_ref": "999999", "qty": 1, "sku": "SCARF"},
                    ],
                }
            ],
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "failed")
        self.assertNotEqual(picking.state, "done")
        exc = event.exception_ids
        self.assertIn("HAT instead of TOTE", exc.message)
        self.assertIn("999999 (SCARF)", exc.message)
        self.assertEqual(exc.category, "mapping")
        self.assertEqual(exc.remote_ref, f"order:{order.external_id}")

    def test_more_than_open_is_an_exception(self):
        order = self.send(lines=[(self.tote, 1)])
        picking = order.odoo_id
        self.sim.ship(
            order.external_id,
            [self.package(picking, "1Z", (self.tote, 3))],
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "failed")
        self.assertIn("only 1 are open", event.error)
        self.assertEqual(picking.move_ids.quantity, 1)  # the reservation
        self.assertNotEqual(picking.state, "done")

    def test_unknown_order_waits_until_odoo_recorded_it(self):
        with trap_jobs() as trap:
            picking = self.delivery((self.tote, 1))
            order = self.order_of(picking)
            # the provider ships before Odoo recorded the acceptance
            self.sim.orders[order.external_id] = {
                "order": {
                    "lines": [
                        {
                            "line_ref": self.line_ref(picking, self.tote),
                            "sku": "TOTE",
                            "qty": 1,
                        }
                    ]
                },
                "status": "accepted",
                "shipped": {},
                "keys": [],
            }
            self.sim.ship(order.external_id)
            (event,) = self.receive()
            self.assertEqual(event.state, "failed")
            self.assertEqual(
                event.wait_ids.mapped("key"), [f"3pl-order:{order.external_id}"]
            )
            self.assertEqual(
                event.waiting_for,
                f"the fulfilment order {order.external_id} accepted by the provider",
            )
            self.assertIn("has not sent", event.error)
            trap.perform_enqueued_jobs()  # sends the order: releases the event
            trap.perform_enqueued_jobs()  # processes the event again
        self.assertEqual(event.state, "done")
        self.assertEqual(picking.state, "done")

    def test_order_ref_never_sent_is_an_exception(self):
        self.sim.send_message(
            "order.cancelled", {"order_ref": "elsewhere-1", "reason": "x"}
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "failed")
        self.assertIn("elsewhere-1", event.exception_ids.message)
        self.assertIn("ask the provider", event.exception_ids.hint)

    def test_warehouse_not_operated_is_an_exception(self):
        order = self.send(lines=[(self.tote, 1)])
        self.sim.warehouse_code = "OTHER"
        self.sim.ship(order.external_id)
        (event,) = self.receive()
        self.assertEqual(event.state, "failed")
        self.assertIn("does not operate", event.error)

    def test_unmapped_carrier_still_ships_and_asks_for_a_mapping(self):
        order = self.send(lines=[(self.tote, 1)])
        picking = order.odoo_id
        self.sim.ship(order.external_id, carrier="DHL", service="Express")
        (event,) = self.receive()
        self.assertEqual(event.state, "done")
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.carrier_id)
        self.assertTrue(picking.carrier_tracking_ref)
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(exc.category, "mapping")
        self.assertIn("DHL", exc.message)

    def test_service_row_and_carrier_row(self):
        express = self.carrier.copy({"name": "UPS Express"})
        self.backend.carrier_map_ids = [
            (0, 0, {"code": "UPS", "carrier_id": express.id}),
        ]
        self.assertEqual(self.backend._threepl_carrier("UPS", "Ground"), self.carrier)
        self.assertEqual(self.backend._threepl_carrier("UPS", "Next day"), express)
        self.assertFalse(self.backend._threepl_carrier("FedEx", "Ground"))


class TestCancelledByProvider(ThreeplTestCase):
    def test_provider_cancel_cancels_the_delivery(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        picking = order.odoo_id
        self.sim.cancel_by_provider(order.external_id, "Damaged in the warehouse")
        (event,) = self.receive()
        self.assertEqual(event.state, "done")
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(order.remote_state, "cancelled")
        exc = self.backend._retail_open_exceptions()
        self.assertIn("Damaged in the warehouse", exc.message)
        self.assertIn("will not ship", exc.hint)
        # a shipment after it is a conflict
        self.sim.ship(order.external_id)
        (late,) = self.receive()
        self.assertEqual(late.state, "failed")
        self.assertIn("after the order was cancelled", late.error)

    def test_older_cancel_never_undoes_a_shipment(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        picking = order.odoo_id
        ref = self.line_ref(picking, tote)
        self.sim.ship(
            order.external_id,
            [{"lines": [{"line_ref": ref, "qty": 1}]}],
            final=False,
            occurred_at="2026-11-30T12:00:00Z",
        )
        self.sim.send_message(
            "order.cancelled",
            {"order_ref": order.external_id},
            occurred_at="2026-11-30T11:00:00Z",
        )
        shipped, cancel = self.receive()
        self.assertEqual(shipped.state, "done")
        self.assertEqual(cancel.state, "ignored")
        self.assertEqual(order.remote_state, "partial")
        self.assertEqual(order.odoo_id.state, "assigned")


class TestLotsAndSerials(ThreeplTestCase):
    def test_lots_shipped_are_the_lots_validated(self):
        honey = self.product("HONEY", tracking="lot", lots={"L1": 5, "L2": 5})
        order = self.send(lines=[(honey, 4)])
        picking = order.odoo_id
        ref = self.line_ref(picking, honey)
        self.sim.ship(
            order.external_id,
            [
                {
                    "tracking_number": "1Z",
                    "lines": [
                        {
                            "line_ref": ref,
                            "qty": 4,
                            "lots": [{"lot": "L2", "qty": 3}, {"lot": "L3", "qty": 1}],
                        }
                    ],
                }
            ],
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(picking.state, "done")
        self.assertEqual(
            sorted((ml.lot_id.name, ml.quantity) for ml in picking.move_line_ids),
            [("L2", 3), ("L3", 1)],
        )

    def test_lot_tracked_without_lots_is_refused(self):
        honey = self.product("HONEY", tracking="lot", lots={"L1": 5})
        order = self.send(lines=[(honey, 1)])
        self.sim.ship(order.external_id)
        (event,) = self.receive()
        self.assertEqual(event.state, "failed")
        self.assertIn("tracked by lot", event.error)
        self.assertNotEqual(order.odoo_id.state, "done")

    def test_serials_make_one_line_each(self):
        phone = self.product(
            "PHONE", tracking="serial", lots={"SN1": 1, "SN2": 1, "SN3": 1}
        )
        order = self.send(lines=[(phone, 2)])
        picking = order.odoo_id
        ref = self.line_ref(picking, phone)
        self.sim.ship(
            order.external_id,
            [{"lines": [{"line_ref": ref, "qty": 2, "serials": ["SN3", "SN1"]}]}],
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(
            sorted(picking.move_line_ids.mapped("lot_id.name")), ["SN1", "SN3"]
        )
        self.assertEqual(picking.move_line_ids.mapped("quantity"), [1, 1])

    def test_serials_must_match_the_quantity(self):
        phone = self.product("PHONE", tracking="serial", lots={"SN1": 1, "SN2": 1})
        order = self.send(lines=[(phone, 2)])
        ref = self.line_ref(order.odoo_id, phone)
        self.sim.ship(
            order.external_id,
            [{"lines": [{"line_ref": ref, "qty": 2, "serials": ["SN1"]}]}],
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "failed")
        self.assertIn("1 serial numbers for 2 units", event.error)

"""The demo's provider warehouse: what it accepted ships after a delay."""

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from odoo.addons.retail_connector_base.simulator import ManualClock

from ..simulator.server import DemoWarehouse, demo_routes, demo_state
from .common import TOKEN, ThreeplTestCase


class TestDemoWarehouse(ThreeplTestCase):
    def setUp(self):
        super().setUp()
        self.clock = ManualClock()
        numbers = iter(f"1ZDEMO{n:010d}" for n in range(1, 100))
        self.warehouse_sim = DemoWarehouse(
            self.sim,
            30,
            clock=self.clock,
            carrier="UPS",
            service="Ground",
            tracking_number=lambda: next(numbers),
        )
        self.tote = self.product("TOTE")
        self.mug = self.product("MUG")

    def test_several_lines_ship_in_two_parcels_after_the_delay(self):
        order = self.send(lines=[(self.tote, 2), (self.mug, 1)])
        picking = order.odoo_id
        self.assertEqual(self.warehouse_sim.tick(), [])
        self.clock.advance(29)
        self.assertEqual(self.warehouse_sim.tick(), [])
        self.assertFalse(self.sim.outbox)
        self.clock.advance(1)
        messages = self.warehouse_sim.tick()
        self.assertEqual([m["payload"]["final"] for m in messages], [False, True])
        events = self.receive()
        self.assertEqual(events.mapped("state"), ["done", "done"])
        backorder = picking.backorder_ids
        self.assertEqual((picking | backorder).mapped("state"), ["done", "done"])
        self.assertEqual(picking.carrier_tracking_ref, "1ZDEMO0000000001")
        self.assertEqual(backorder.carrier_tracking_ref, "1ZDEMO0000000002")
        self.assertEqual(picking.carrier_id, self.carrier)
        self.assertEqual(order.remote_state, "shipped")
        # shipped once: later ticks send nothing more
        self.clock.advance(60)
        self.assertEqual(self.warehouse_sim.tick(), [])

    def test_one_line_ships_in_one_parcel(self):
        order = self.send(lines=[(self.tote, 3)])
        self.warehouse_sim.tick()
        self.clock.advance(30)
        (message,) = self.warehouse_sim.tick()
        self.assertTrue(message["payload"]["final"])
        self.assertEqual(len(message["payload"]["packages"]), 1)
        self.receive()
        self.assertEqual(order.odoo_id.state, "done")
        self.assertFalse(order.odoo_id.backorder_ids)

    def test_an_order_cancelled_meanwhile_is_not_shipped(self):
        order = self.send(lines=[(self.tote, 1), (self.mug, 1)])
        self.warehouse_sim.tick()
        self.perform_jobs(order.odoo_id.action_cancel)
        self.assertEqual(order.odoo_id.state, "cancel")
        self.clock.advance(30)
        self.assertEqual(self.warehouse_sim.tick(), [])
        self.assertFalse(self.sim.outbox)

    def test_demo_state_lists_orders_and_needs_the_token(self):
        order = self.send(lines=[(self.tote, 1)])
        state = demo_state(self.sim)
        self.assertEqual(
            state["orders"][0],
            {
                "order_ref": order.external_id,
                "status": "accepted",
                "lines": [{"sku": "TOTE", "qty": 1.0}],
                "shipped": {},
            },
        )
        routes = demo_routes(self.sim)

        def get(token):
            return routes(
                Request(
                    EnvironBuilder(
                        path="/simulator/demo/state",
                        headers={"Authorization": f"Bearer {token}"},
                    ).get_environ()
                )
            )

        self.assertEqual(get("wrong").status_code, 401)
        answer = get(TOKEN)
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json["orders"][0]["order_ref"], order.external_id)

from datetime import timedelta

from odoo import fields

from .common import ThreeplTestCase


class TestThreeplKpis(ThreeplTestCase):
    def setUp(self):
        super().setUp()
        self.tote = self.product("TOTE", qty=10)
        self.mug = self.product("MUG", qty=4)

    def figures(self):
        day = self.backend._retail_kpi_today()
        return {
            figure["code"]: figure
            for figure in self.backend._retail_kpis_of_day(day, True)
        }

    def backdate(self, order, **delta):
        self.env.cr.execute(
            "UPDATE retail_3pl_picking SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(**delta), order.id),
        )
        order.invalidate_recordset()

    def test_handover_in_flight_and_shipping_against_the_service_level(self):
        order = self.send(lines=[(self.tote, 2)])
        self.assertEqual(order.remote_state, "accepted")
        figures = self.figures()
        handover = figures["threepl_handover"]
        self.assertEqual((handover["count"], handover["breaches"]), (1, 0))
        self.assertEqual(handover["value"], 100.0)
        self.assertEqual(figures["threepl_in_flight"]["value"], 1)
        self.sim.ship(order.external_id)
        events = self.receive()
        self.assertEqual(events.mapped("state"), ["done"], events.mapped("error"))
        figures = self.figures()
        self.assertEqual(figures["threepl_in_flight"]["value"], 0)
        shipped = figures["threepl_ship_time"]
        self.assertEqual((shipped["count"], shipped["breaches"]), (1, 0))
        # released 30 hours before it shipped: the 24 hours are missed
        self.backdate(order, hours=30)
        shipped = self.figures()["threepl_ship_time"]
        self.assertEqual((shipped["breaches"], shipped["value"]), (1, 0.0))
        self.assertGreater(shipped["p50"], 29.9)

    def test_order_not_accepted_in_time_alerts_until_sent(self):
        order = self.send(lines=[(self.mug, 1)])
        # as an order the provider has not accepted yet
        order.remote_state = "queued"
        self.backend._retail_check_alerts()
        self.assertNotIn("sla:not_sent", self.backend._retail_open_alerts())
        self.backdate(order, minutes=45)
        self.backend._retail_check_alerts()
        alert = self.backend._retail_open_alerts()["sla:not_sent"]
        self.assertIn(order.external_id, alert.note)
        self.assertEqual(self.figures()["threepl_handover"]["breaches"], 1)
        order.remote_state = "accepted"
        self.backend._retail_check_alerts()
        self.assertFalse(alert.active)

    def test_stock_accuracy_of_the_snapshots_compared(self):
        self.sim.send_message(
            "inventory.snapshot",
            {
                "as_of": "2026-11-30T06:00:00Z",
                "items": [
                    {"sku": "TOTE", "on_hand": 10, "available": 10},
                    {"sku": "MUG", "on_hand": 3, "available": 3},
                ],
            },
        )
        (event,) = self.receive()
        self.assertEqual(event.state, "done", event.error)
        figures = self.figures()
        accuracy = figures["stock_accuracy"]
        self.assertEqual((accuracy["count"], accuracy["breaches"]), (2, 1))
        self.assertEqual(accuracy["value"], 50.0)
        check = self.warehouse.threepl_last_check_id
        self.assertEqual(figures["stock_adjusted"]["value"], check.adjusted_count)
        flows = {flow.flow: flow for flow in self.backend._retail_freshness()}
        self.assertTrue(flows["snapshot"].last)

    def test_shipment_without_tracking_alerts_until_entered(self):
        order = self.send(lines=[(self.tote, 1)])
        picking = order.odoo_id
        self.sim.ship(
            order.external_id,
            [
                {
                    "tracking_number": None,
                    "lines": [
                        {"line_ref": self.line_ref(picking, self.tote), "qty": 1}
                    ],
                }
            ],
        )
        events = self.receive()
        self.assertEqual(events.mapped("state"), ["done"], events.mapped("error"))
        self.assertFalse(picking.carrier_tracking_ref)
        self.backend._retail_check_alerts()
        alert = self.backend._retail_open_alerts()["sla:no_tracking"]
        self.assertIn(order.shipment_ids.shipment_ref, alert.note)
        picking.carrier_tracking_ref = "1ZLATE0001"
        self.backend._retail_check_alerts()
        self.assertNotIn("sla:no_tracking", self.backend._retail_open_alerts())
        self.assertFalse(alert.active)

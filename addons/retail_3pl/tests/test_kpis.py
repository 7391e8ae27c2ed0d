import importlib.util
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.modules.module import get_module_path

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ThreeplTestCase


def _acceptance_migration():
    path = (
        Path(get_module_path("retail_3pl")) / "migrations/19.0.1.1.0/post-migration.py"
    )
    spec = importlib.util.spec_from_file_location("accepted_at_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


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

    def figures_on(self, moment):
        """The figures of the provider's day of ``moment`` (naive UTC)."""
        backend = self.backend
        day = fields.Date.context_today(
            backend.with_context(tz=backend._retail_kpi_tz()), timestamp=moment
        )
        return {
            figure["code"]: figure
            for figure in backend._retail_kpis_of_day(
                day, day == backend._retail_kpi_today()
            )
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
        order.write({"remote_state": "queued", "accepted_at": False})
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

    def test_handover_is_measured_to_the_acceptance_not_the_last_exchange(self):
        before = fields.Datetime.now()
        order = self.send(lines=[(self.tote, 2)])
        self.assertGreaterEqual(order.accepted_at, before)
        # released two hours ago, accepted by the provider 12 minutes later
        released = fields.Datetime.now() - timedelta(hours=2)
        accepted = released + timedelta(minutes=12)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE retail_3pl_picking SET create_date = %s, accepted_at = %s "
            "WHERE id = %s",
            (released, accepted, order.id),
        )
        self.env.invalidate_all()
        # it ships now: the order's last exchange, not its hand-over
        self.sim.ship(order.external_id)
        events = self.receive()
        self.assertEqual(events.mapped("state"), ["done"], events.mapped("error"))
        self.assertEqual(order.remote_state, "shipped")
        self.assertEqual(order.accepted_at, accepted)
        self.assertGreater(order.sync_date, released + timedelta(hours=1))
        handover = self.figures_on(released)["threepl_handover"]
        self.assertEqual((handover["count"], handover["breaches"]), (1, 0))
        self.assertAlmostEqual(handover["p50"], 12.0, places=3)

    def test_an_order_cancelled_before_it_was_sent_is_not_handed_over(self):
        with trap_jobs() as trap:
            picking = self.delivery((self.mug, 1))
            # cancelled in Odoo before its request left
            picking.action_cancel()
            trap.perform_enqueued_jobs()
        order = self.order_of(picking)
        self.assertIn(order.remote_state, ("cancel_requested", "cancelled"))
        self.assertFalse(order.accepted_at)
        self.backdate(order, minutes=45)
        self.assertNotIn("threepl_handover", self.figures_on(order.create_date))

    def test_upgrade_takes_the_last_exchange_of_the_orders_sent(self):
        migrate = _acceptance_migration()
        with trap_jobs():
            waiting = self.order_of(self.delivery((self.mug, 1)))
        with trap_jobs() as trap:
            picking = self.delivery((self.mug, 1))
            picking.action_cancel()
            trap.perform_enqueued_jobs()
        never_sent = self.order_of(picking)
        self.assertTrue(never_sent.sync_date)
        sent = self.send(lines=[(self.tote, 1)])
        last_exchange = fields.Datetime.now() - timedelta(minutes=9)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE retail_3pl_picking SET accepted_at = NULL, sync_date = %s "
            "WHERE id = %s",
            (last_exchange, sent.id),
        )
        migrate(self.env.cr, "19.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(sent.accepted_at, last_exchange)
        self.assertEqual(waiting.remote_state, "queued")
        self.assertFalse(waiting.accepted_at)
        self.assertFalse(never_sent.accepted_at)

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

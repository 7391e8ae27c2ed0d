from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ThreeplTestCase


class TestInventory(ThreeplTestCase):
    def setUp(self):
        super().setUp()
        self.tote = self.product("TOTE", qty=10)
        self.mug = self.product("MUG", qty=4)

    def snapshot(self, items, as_of="2026-11-30T06:00:00Z"):
        self.sim.send_message(
            "inventory.snapshot",
            {
                "as_of": as_of,
                "items": [
                    {"sku": sku, "on_hand": qty, "available": qty}
                    for sku, qty in items.items()
                ],
            },
        )
        (event,) = self.receive()
        return event

    def qty(self, product):
        return product.with_context(warehouse_id=self.warehouse.id).qty_available

    def test_matching_snapshot(self):
        event = self.snapshot({"TOTE": 10, "MUG": 4})
        self.assertEqual(event.state, "done", event.error)
        check = self.warehouse.threepl_last_check_id
        self.assertEqual(event.result_id, check.id)
        self.assertEqual(check.state, "matched")
        self.assertEqual((check.sku_count, check.matched_count), (2, 2))
        self.assertFalse(check.line_ids)
        self.assertEqual(check.source, "push")
        self.assertFalse(self.backend._retail_open_exceptions())

    def test_within_tolerance_is_adjusted_with_a_reason(self):
        self.backend.stock_tolerance = 2
        self.snapshot({"TOTE": 9, "MUG": 5})
        check = self.warehouse.threepl_last_check_id
        self.assertEqual(check.state, "adjusted")
        self.assertEqual(check.adjusted_count, 2)
        self.assertEqual(self.qty(self.tote), 9)
        self.assertEqual(self.qty(self.mug), 5)
        move = self.env["stock.move"].search(
            [("product_id", "=", self.tote.id), ("is_inventory", "=", True)],
            order="id desc",
            limit=1,
        )
        self.assertIn("3PL inventory of East 3PL", move.reference or move.name)
        self.assertFalse(self.backend._retail_open_exceptions())

    def test_adjustments_in_one_comparison_apply_to_each_product(self):
        """Several adjustments at once, one of a product Odoo holds none of:
        each product gets its own quantity."""
        self.backend.stock_tolerance = 2
        cap = self.product("CAP", qty=0)
        self.snapshot({"TOTE": 11, "MUG": 3, "CAP": 2})
        check = self.warehouse.threepl_last_check_id
        self.assertEqual((check.state, check.adjusted_count), ("adjusted", 3))
        self.assertEqual(
            [self.qty(p) for p in (self.tote, self.mug, cap)], [11.0, 3.0, 2.0]
        )
        self.assertEqual(
            {(line.sku, line.unexplained_qty) for line in check.line_ids},
            {("TOTE", 1.0), ("MUG", -1.0), ("CAP", 2.0)},
        )

    def test_above_tolerance_is_an_exception_listing_the_skus(self):
        self.backend.stock_tolerance = 1
        self.snapshot({"TOTE": 6, "MUG": 4, "SCARF": 3})
        check = self.warehouse.threepl_last_check_id
        self.assertEqual(check.state, "exception")
        self.assertEqual(check.exception_count, 2)
        self.assertEqual(self.qty(self.tote), 10)  # not adjusted
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(exc.category, "stock_drift")
        self.assertIn("TOTE (-4)", exc.message)
        self.assertIn("SCARF (unknown in Odoo)", exc.message)
        self.assertEqual((exc.res_model, exc.res_id), (check._name, check.id))
        lines = {line.sku: line for line in check.line_ids}
        self.assertEqual(lines["TOTE"].unexplained_qty, -4)
        self.assertEqual(lines["SCARF"].outcome, "unknown")

    def test_in_flight_quantities_are_left_out(self):
        order = self.send(lines=[(self.tote, 3)])
        self.assertEqual(order.remote_state, "accepted")
        # the provider shipped the three, Odoo does not know yet
        self.snapshot({"TOTE": 7, "MUG": 4})
        check = self.warehouse.threepl_last_check_id
        self.assertEqual(check.state, "matched")
        # one more missing is drift, what is in flight does not explain it
        self.snapshot({"TOTE": 6, "MUG": 4}, as_of="2026-11-30T07:00:00Z")
        check = self.warehouse.threepl_last_check_id
        self.assertEqual(check.state, "exception")
        self.assertEqual(check.line_ids.in_flight_qty, 3)
        self.assertEqual(check.line_ids.unexplained_qty, -1)

    def test_a_snapshot_older_than_the_last_is_ignored(self):
        self.snapshot({"TOTE": 10, "MUG": 4}, as_of="2026-11-30T08:00:00Z")
        event = self.snapshot({"TOTE": 1, "MUG": 4}, as_of="2026-11-30T07:00:00Z")
        self.assertEqual(event.state, "ignored")
        self.assertEqual(self.warehouse.threepl_last_check_id.state, "matched")
        self.assertEqual(len(self.backend.stock_check_ids), 1)

    def test_pull_reads_and_compares(self):
        self.backend.stock_tolerance = 5
        self.sim.set_stock("TOTE", 8)
        self.sim.set_stock("MUG", 4)
        self.backend.action_pull_inventory()
        check = self.warehouse.threepl_last_check_id
        self.assertEqual(check.source, "pull")
        self.assertEqual(check.state, "adjusted")
        self.assertEqual(self.qty(self.tote), 8)
        self.assertEqual(self.sim.calls.outcomes(operation="inventory.get"), ["ok"])

    def test_cron_queues_one_pull_per_warehouse(self):
        self.backend.inventory_pull = True
        self.sim.set_stock("TOTE", 10)
        self.sim.set_stock("MUG", 4)
        with trap_jobs() as trap:
            self.env["retail.3pl.provider"]._threepl_cron_pull_inventory()
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual(self.warehouse.threepl_last_check_id.state, "matched")

    def test_last_per_warehouse_filter(self):
        self.snapshot({"TOTE": 10, "MUG": 4}, as_of="2026-11-30T06:00:00Z")
        self.snapshot({"TOTE": 10, "MUG": 4}, as_of="2026-11-30T07:00:00Z")
        Check = self.env["retail.3pl.stock.check"]
        self.assertEqual(len(Check.search([("provider_id", "=", self.backend.id)])), 2)
        last = Check.search(
            [("provider_id", "=", self.backend.id), ("is_last", "=", True)]
        )
        self.assertEqual(last, self.warehouse.threepl_last_check_id)
        self.assertEqual(str(last.as_of), "2026-11-30 07:00:00")

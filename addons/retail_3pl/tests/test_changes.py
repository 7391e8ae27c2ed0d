from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ThreeplTestCase


class TestChanges(ThreeplTestCase):
    """A delivery changed after it was sent: the change is sent while the
    provider has not picked the order, refused (and said what to do) once it
    has."""

    def sent(self):
        self.tote, self.mug = self.product("TOTE"), self.product("MUG")
        order = self.send(lines=[(self.tote, 2), (self.mug, 1)])
        self.assertEqual(order.remote_state, "accepted")
        self.assertTrue(order.sent_digest)
        return order, order.odoo_id

    def updates(self):
        return self.sim.calls.where(operation="order.update")

    def test_a_new_address_is_sent(self):
        order, picking = self.sent()
        new_address = self.env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "street": "12 Harbour Road",
                "city": "Shelbyville",
                "zip": "62565",
                "country_id": self.country.id,
            }
        )
        with trap_jobs() as trap:
            picking.partner_id = new_address
            self.assertEqual(order.change_state, "to_send")
            self.assertEqual(picking.threepl_change_state, "to_send")
            trap.assert_jobs_count(1, only=order._threepl_job)
            trap.perform_enqueued_jobs()
        self.assertFalse(order.change_state)
        self.assertEqual(order.revision, 1)
        self.assertEqual(len(self.updates()), 1)
        kept = self.sim.order(order.external_id)
        self.assertEqual(kept["order"]["ship_to"]["street"], "12 Harbour Road")
        self.assertEqual(kept["revision"], 1)
        # still one order at the provider, under the same reference
        self.assertEqual(len(self.sim.calls.where(operation="order.create")), 1)
        self.assertIn("revision 1", picking.message_ids[0].body)

    def test_the_partners_corrected_address_is_sent(self):
        order, _picking = self.sent()
        self.perform_jobs(lambda: self.customer.write({"street": "2 Main Street"}))
        self.assertEqual(
            self.sim.order(order.external_id)["order"]["ship_to"]["street"],
            "2 Main Street",
        )

    def test_changed_and_added_lines_are_sent(self):
        order, picking = self.sent()
        tee = self.product("TEE")
        move = picking.move_ids.filtered(lambda m: m.product_id == self.tote)

        def change():
            move.product_uom_qty = 3
            self.env["stock.move"].create(
                {
                    "picking_id": picking.id,
                    "product_id": tee.id,
                    "product_uom_qty": 4,
                    "product_uom": tee.uom_id.id,
                    "location_id": picking.location_id.id,
                    "location_dest_id": picking.location_dest_id.id,
                }
            )._action_confirm()

        self.perform_jobs(change)
        # two changes, one job: one request with both
        self.assertEqual(len(self.updates()), 1)
        lines = {
            line["sku"]: line["qty"]
            for line in self.sim.order(order.external_id)["order"]["lines"]
        }
        self.assertEqual(lines, {"TOTE": 3, "MUG": 1, "TEE": 4})
        self.assertEqual(
            {line["sku"] for line in order.sent_lines.values()}, {"TOTE", "MUG", "TEE"}
        )
        # what the provider ships of the new line is read with it
        tee_ref = self.line_ref(picking, tee)
        self.sim.ship(order.external_id)
        self.receive()
        self.assertEqual(picking.state, "done")
        self.assertEqual(
            picking.move_ids.filtered(lambda m: str(m.id) == tee_ref).quantity, 4
        )

    def test_a_cancelled_line_is_sent(self):
        order, picking = self.sent()
        move = picking.move_ids.filtered(lambda m: m.product_id == self.mug)
        self.perform_jobs(move._action_cancel)
        skus = [
            line["sku"] for line in self.sim.order(order.external_id)["order"]["lines"]
        ]
        self.assertEqual(skus, ["TOTE"])

    def test_no_difference_sends_nothing(self):
        order, picking = self.sent()
        self.perform_jobs(lambda: picking.write({"partner_id": self.customer.id}))
        self.assertFalse(self.updates())
        self.assertFalse(order.change_state)
        self.assertEqual(order.revision, 0)

    def test_job_run_twice_sends_the_change_once(self):
        order, picking = self.sent()
        with trap_jobs() as trap:
            self.customer.city = "Capital City"
            trap.perform_enqueued_jobs()
        order._threepl_job("update")
        self.assertEqual(len(self.updates()), 1)
        self.assertEqual(order.revision, 1)

    def test_a_change_sent_again_is_answered_alike(self):
        order, _picking = self.sent()
        with trap_jobs():
            self.customer.city = "Capital City"
        message_id = order.change_message_id
        lost = {
            "change_state": "to_send",
            "change_message_id": message_id,
            "revision": 0,
            "sent_digest": order.sent_digest,
        }
        order._threepl_job("update")
        # the provider applied it, but the answer was lost: the job's
        # transaction rolled back, and the job runs again
        order.write(lost)
        order._threepl_job("update")
        self.assertEqual(order.revision, 1)
        self.assertEqual(self.updates()[-1].outcome, "duplicate")
        kept = self.sim.order(order.external_id)
        self.assertEqual(kept["revision"], 1)
        self.assertEqual(kept["keys"].count(message_id), 1)

    def test_refused_once_picked_says_what_to_do(self):
        order, picking = self.sent()
        self.sim.pick(order.external_id)
        sent_lines = order.sent_lines
        move = picking.move_ids.filtered(lambda m: m.product_id == self.tote)
        self.perform_jobs(lambda: move.write({"product_uom_qty": 5}))
        self.assertEqual(order.change_state, "refused")
        self.assertEqual(order.revision, 0)
        # what the provider has is what it was sent first
        self.assertEqual(order.sent_lines, sent_lines)
        self.assertEqual(
            self.sim.order(order.external_id)["order"]["lines"][0]["qty"], 2
        )
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.category, "conflict")
        self.assertIn("refused the change", exc.message)
        self.assertIn(picking.name, exc.message)
        self.assertIn("ships as it was first sent", exc.hint)
        self.assertEqual(exc.res_id, picking.id)

    def test_no_change_is_sent_once_shipping_started(self):
        order, picking = self.sent()
        self.sim.ship(
            order.external_id,
            [{"lines": [{"line_ref": self.line_ref(picking, self.tote), "qty": 2}]}],
        )
        self.receive()
        self.assertEqual(order.remote_state, "partial")
        backorder = order.odoo_id
        with trap_jobs() as trap:
            backorder.partner_id = self.env["res.partner"].create(
                {"name": "Elsewhere", "country_id": self.country.id}
            )
            trap.assert_jobs_count(0)
        self.assertFalse(self.updates())

    def test_what_the_provider_reports_is_not_sent_back(self):
        order, picking = self.sent()
        with trap_jobs() as trap:
            self.sim.ship(order.external_id)
            self.receive()
            trap.assert_jobs_count(0, only=order._threepl_job)
        self.assertEqual(picking.state, "done")
        self.assertFalse(order.change_state)

    def test_an_adapter_without_changes_says_so(self):
        order, picking = self.sent()
        provider = self.backend
        # an adapter type that implements no update_order
        with (
            trap_jobs() as trap,
            patch.object(type(provider), "generic_update_order", None),
        ):
            self.customer.city = "Capital City"
            trap.perform_enqueued_jobs()
        exc = provider._retail_open_exceptions()
        self.assertEqual(len(exc), 1)
        self.assertIn("cannot update order", exc.message)
        self.assertIn("cancel the delivery and make a new one", exc.hint)

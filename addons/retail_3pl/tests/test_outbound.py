from odoo.addons.queue_job.tests.common import trap_jobs

from .common import ThreeplTestCase


class TestRelease(ThreeplTestCase):
    def test_confirmed_delivery_is_queued_once(self):
        tote = self.product("TOTE")
        with trap_jobs() as trap:
            picking = self.delivery((tote, 2))
            order = self.order_of(picking)
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                order._threepl_job,
                args=("send",),
                properties={"identity_key": f"retail.3pl.order:{order.id}:send"},
            )
            # reserving it again releases nothing more
            picking.action_assign()
            trap.assert_jobs_count(1)
        self.assertEqual(order.remote_state, "queued")
        self.assertEqual(order.odoo_id, picking)
        self.assertEqual(order.warehouse_id, self.warehouse)
        self.assertTrue(order.external_id.endswith(f"-{picking.id}"))
        self.assertEqual(picking.threepl_state, "queued")

    def test_other_warehouses_are_not_sent(self):
        tote = self.product("TOTE")
        own = self.env["stock.warehouse"].create({"name": "Own", "code": "OWN"})
        with trap_jobs() as trap:
            picking = self.delivery((tote, 1), warehouse=own)
            trap.assert_jobs_count(0)
        self.assertFalse(self.order_of(picking))

    def test_reserved_policy_waits_for_the_reservation(self):
        self.backend.release_policy = "reserved"
        tote = self.product("TOTE", qty=0)
        picking = self.delivery((tote, 2))
        self.assertEqual(picking.state, "confirmed")
        self.assertFalse(self.order_of(picking))
        self.env["stock.quant"]._update_available_quantity(
            tote, self.warehouse.lot_stock_id, 5
        )
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        self.assertTrue(self.order_of(picking))


class TestSend(ThreeplTestCase):
    def test_request_follows_the_contract(self):
        tote, mug = self.product("TOTE"), self.product("MUG")
        self.carrier.name = "UPS Ground"
        order = self.send(lines=[(tote, 2), (mug, 1)])
        picking = order.odoo_id
        self.assertEqual(order.remote_state, "accepted")
        self.assertEqual(order.sync_state, "synced")
        kept = self.sim.order(order.external_id)
        document = kept["order"]
        self.assertEqual(document["message_id"], order.message_id)
        self.assertEqual(document["warehouse_code"], "TPL")
        self.assertEqual(document["ship_to"]["country_code"], "US")
        self.assertEqual(document["ship_to"]["city"], "Springfield")
        self.assertEqual(
            sorted((line["sku"], line["qty"]) for line in document["lines"]),
            [("MUG", 1.0), ("TOTE", 2.0)],
        )
        self.assertEqual(
            {line["line_ref"] for line in document["lines"]},
            {str(move.id) for move in picking.move_ids},
        )
        self.assertEqual(self.sim.calls.outcomes(operation="order.create"), ["ok"])

    def test_job_run_twice_sends_once(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        self.assertEqual(order._threepl_job("send"), "Already accepted: nothing sent.")
        self.assertEqual(len(self.sim.calls.where(operation="order.create")), 1)

    def test_provider_already_has_it_counts_as_sent(self):
        """The first run reached the provider but rolled back in Odoo: the
        second sends the same request, answered already_accepted."""
        tote = self.product("TOTE")
        with trap_jobs() as trap:
            picking = self.delivery((tote, 1))
            order = self.order_of(picking)
            document = order._threepl_order_document()
            self.sim.handle(
                "POST",
                "/v1/fulfillment-orders",
                {
                    "Authorization": "Bearer tpl-api-token",
                    "Idempotency-Key": document.message_id,
                    "X-Retail-Signature": self._sign_document(document),
                },
                self._body(document),
            )
            trap.perform_enqueued_jobs()
        self.assertEqual(order.remote_state, "accepted")
        self.assertEqual(
            self.sim.calls.outcomes(operation="order.create"), ["ok", "duplicate"]
        )
        self.assertEqual(len(self.sim.orders), 1)
        self.assertIn("already had it", picking.message_ids[:1].body)

    def test_conflict_answer_is_already_accepted_too(self):
        self.sim.duplicate_status = 409
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        order.remote_state = "queued"
        order._threepl_job("send")
        self.assertEqual(order.remote_state, "accepted")
        self.assertEqual(
            self.sim.calls.outcomes(operation="order.create"), ["ok", "duplicate"]
        )

    def test_every_attempt_carries_the_same_key(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        order.remote_state = "queued"
        order._threepl_job("send")
        self.assertEqual(
            self.sim.orders[order.external_id]["keys"], [order.message_id] * 2
        )

    def test_missing_sku_is_an_exception_saying_what_to_do(self):
        tote = self.product("TOTE")
        tote.default_code = False
        order = self.send(lines=[(tote, 1)])
        self.assertEqual(order.sync_state, "error")
        self.assertEqual(order.remote_state, "queued")
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(len(exc), 1)
        self.assertIn("internal reference", exc.message)
        self.assertIn("internal reference", exc.hint)
        self.assertEqual(exc.res_model, "stock.picking")
        self.assertFalse(self.sim.calls.where(operation="order.create"))

    def test_address_without_country_names_the_field(self):
        self.customer.country_id = False
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        exc = self.backend._retail_open_exceptions()
        self.assertIn("ship_to.country_code", exc.message)
        self.assertIn("ship_to.country_code", exc.hint)
        self.assertEqual(order.sync_state, "error")

    def test_provider_down_retries_later(self):
        from odoo.addons.queue_job.exception import RetryableJobError

        tote = self.product("TOTE")
        with trap_jobs():
            picking = self.delivery((tote, 1))
        order = self.order_of(picking)
        self.sim.fail_next(3, 503)
        with self.assertRaises(RetryableJobError):
            order._threepl_job("send")
        self.assertEqual(order.remote_state, "queued")

    def test_paused_provider_waits_without_spending_tries(self):
        from odoo.addons.queue_job.exception import RetryableJobError

        tote = self.product("TOTE")
        with trap_jobs():
            picking = self.delivery((tote, 1))
        self.backend.action_pause()
        with self.assertRaises(RetryableJobError) as caught:
            self.order_of(picking)._threepl_job("send")
        self.assertTrue(caught.exception.ignore_retry)
        self.assertFalse(self.sim.calls.where(operation="order.create"))

    def test_request_is_signed(self):
        self.sim.signing_secret = "another secret"
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        self.assertEqual(
            self.sim.calls.outcomes(operation="order.create"), ["bad_signature"]
        )
        self.assertEqual(order.sync_state, "error")

    # helpers
    @staticmethod
    def _body(document):
        from ..services.generic_client import body_of

        return body_of(document)

    def _sign_document(self, document):
        from ..services import signing

        return signing.sign("tpl-signing-secret", self._body(document))


class TestCancel(ThreeplTestCase):
    def test_cancel_before_sending_tells_the_provider_anyway(self):
        tote = self.product("TOTE")
        with trap_jobs() as trap:
            picking = self.delivery((tote, 1))
            picking.action_cancel()
            self.assertEqual(picking.state, "cancel")
            trap.perform_enqueued_jobs()
        order = self.order_of(picking)
        # the provider never had it: answered 404, taken as cancelled
        self.assertEqual(order.remote_state, "cancelled")
        self.assertEqual(
            self.sim.calls.outcomes(operation="order.cancel"), ["not_found"]
        )
        self.assertFalse(self.sim.calls.where(operation="order.create"))

    def test_cancel_accepted(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        picking = order.odoo_id
        with trap_jobs() as trap:
            picking.action_cancel()
            # only a request until the provider answers
            self.assertNotEqual(picking.state, "cancel")
            self.assertEqual(picking.threepl_state, "cancel_requested")
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(order.remote_state, "cancelled")
        self.assertEqual(self.sim.order(order.external_id)["status"], "cancelled")

    def test_cancel_refused_once_picked(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        picking = order.odoo_id
        self.sim.pick(order.external_id)
        self.perform_jobs(picking.action_cancel)
        self.assertNotEqual(picking.state, "cancel")
        self.assertEqual(order.remote_state, "cancel_refused")
        self.assertEqual(picking.threepl_state, "cancel_refused")
        exc = self.backend._retail_open_exceptions()
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.category, "remote_rejected")
        self.assertIn("refused to cancel", exc.message)
        self.assertIn("will ship", exc.hint)
        # the parcel ships anyway: its confirmation validates the delivery
        self.sim.ship(order.external_id)
        self.receive()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.remote_state, "shipped")
        self.assertEqual(exc.state, "resolved")

    def test_cancel_partial_lowers_the_demand(self):
        tote, mug = self.product("TOTE"), self.product("MUG")
        order = self.send(lines=[(tote, 3), (mug, 1)])
        picking = order.odoo_id
        tote_ref = self.line_ref(picking, tote)
        self.sim.ship(
            order.external_id,
            [{"lines": [{"line_ref": tote_ref, "qty": 1}]}],
        )
        self.receive()
        backorder = order.odoo_id
        self.assertNotEqual(backorder, picking)
        self.perform_jobs(backorder.action_cancel)
        self.assertEqual(order.remote_state, "cancelled")
        self.assertEqual(backorder.state, "cancel")
        self.assertEqual(picking.state, "done")

    def test_cancel_partial_keeps_what_still_ships(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 3)])
        picking = order.odoo_id
        # the provider answers partial: two of three cancelled
        self.env["retail.3pl.picking"].browse(order.id)
        from ..services import contract

        order.remote_state = "cancel_requested"
        order._threepl_apply_cancel_answer(
            contract.CancelAnswer(
                status="partial",
                lines=[{"line_ref": self.line_ref(picking, tote), "qty_cancelled": 2}],
                reason="One unit is packed.",
            )
        )
        self.assertEqual(picking.move_ids.product_uom_qty, 1)
        self.assertEqual(order.remote_state, "partial")
        exc = self.backend._retail_open_exceptions()
        self.assertIn("only part", exc.message)
        self.assertIn("2 x TOTE", exc.message)

    def test_sale_order_cancel_sends_a_cancel(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        picking = order.odoo_id
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [(0, 0, {"product_id": tote.id, "product_uom_qty": 1})],
            }
        )
        # the delivery of a sale order cancelled with the order
        picking.sale_id = sale
        sale.state = "sale"
        self.perform_jobs(sale._action_cancel)
        self.assertEqual(
            self.sim.calls.outcomes(operation="order.cancel"), ["cancelled"]
        )
        self.assertEqual(picking.state, "cancel")


class TestSentByOtherUsers(ThreeplTestCase):
    def test_a_stock_user_confirming_and_cancelling_sends_as_the_system(self):
        """The job runner runs a job as the user who queued it, without
        superuser rights: the clerk may not edit 3PL orders, the job may."""
        from odoo.tests import new_test_user

        clerk = new_test_user(
            self.env, login="tpl_clerk", groups="base.group_user,stock.group_stock_user"
        )
        tote = self.product("TOTE")
        with trap_jobs() as trap:
            picking = self.delivery((tote, 1), confirm=False).with_user(clerk)
            picking.action_confirm()
            trap.assert_jobs_count(1)
        order = self.order_of(picking).with_user(clerk)
        order._threepl_job("send")
        self.assertEqual(order.remote_state, "accepted")
        self.assertEqual(picking.threepl_state, "accepted")
        with trap_jobs() as trap:
            picking.action_cancel()
            trap.assert_jobs_count(1)
        order._threepl_job("cancel")
        self.assertEqual(order.remote_state, "cancelled")
        self.assertEqual(picking.state, "cancel")

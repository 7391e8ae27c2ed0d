"""The sync history of a point of sale order made from a till's ticket."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import PosTestCase


class TestPosOrderSyncHistory(PosTestCase):
    def test_the_ticket_and_its_batch_are_in_the_order_history(self):
        first = self.import_tickets(self.ticket())
        second = self.import_tickets(self.ticket("T1-000002", number=2))
        order = self.env["pos.order"].search(
            [("retail_pos_ticket_id", "=", "T1-000001")]
        )
        self.assertEqual(first.result_ref, order)
        items = self.env["retail.sync.history"]._retail_sync_history(order)
        deliveries = {
            item["source_id"]: item for item in items if item["kind"] == "delivery"
        }
        # the ticket, and the batch it came in, each with an id of its own
        self.assertEqual(set(deliveries), {first.id, first.parent_id.id})
        self.assertEqual(deliveries[first.id]["correlation_id"], first.correlation_id)
        self.assertNotEqual(first.correlation_id, first.parent_id.correlation_id)
        self.assertNotIn(
            second.correlation_id, {item["correlation_id"] for item in items}
        )
        self.assertEqual(deliveries[first.id]["state"], "Done")

    def test_the_button_opens_it_for_retail_users_only(self):
        self.import_tickets(self.ticket())
        order = self.env["pos.order"].search(
            [("retail_pos_ticket_id", "=", "T1-000001")]
        )
        # a retail user who may read the order
        clerk = new_test_user(
            self.env,
            login="pos_retail_clerk",
            groups="point_of_sale.group_pos_user,"
            "retail_connector_base.group_retail_user",
        )
        action = order.with_user(clerk).action_retail_sync_history()
        self.assertEqual(action["res_model"], "retail.sync.history")
        rows = self.env["retail.sync.history"].with_user(clerk).search(action["domain"])
        self.assertIn("delivery", rows.mapped("kind"))
        cashier = new_test_user(
            self.env, login="pos_cashier", groups="point_of_sale.group_pos_user"
        )
        # a cashier reads the order, not its sync history
        order.with_user(cashier).check_access("read")
        # a cashier reads the order, not its sync history
        order.with_user(cashier).check_access("read")
        with self.assertRaises(AccessError):
            order.with_user(cashier).action_retail_sync_history()

    def test_the_form_shows_the_button(self):
        arch = self.env["pos.order"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="action_retail_sync_history"', arch)

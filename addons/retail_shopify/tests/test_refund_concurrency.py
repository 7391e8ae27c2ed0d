import json
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name

from .common import ConcurrentDeliveryMixin

FIXTURES = Path(__file__).parent / "fixtures"
ORDER = json.loads((FIXTURES / "order_guest_no_customer.json").read_text())
REFUND = {
    "id": 1042871427121,
    "admin_graphql_api_id": "gid://shopify/Refund/1042871427121",
    "created_at": "2026-11-16T09:30:00-05:00",
    "note": "Class cancelled by the bakery",
    "order_id": ORDER["id"],
    "restock": False,
    "order_adjustments": [],
    "refund_shipping_lines": [],
    "refund_line_items": [
        {
            "id": 741964005425,
            "line_item_id": 15873074774321,
            "quantity": 1,
            "restock_type": "no_restock",
            "subtotal": "39.00",
            "subtotal_set": {
                "shop_money": {"amount": "39.00", "currency_code": "USD"},
                "presentment_money": {"amount": "39.00", "currency_code": "USD"},
            },
            "total_tax": "0.00",
            "total_tax_set": {
                "shop_money": {"amount": "0.00", "currency_code": "USD"},
                "presentment_money": {"amount": "0.00", "currency_code": "USD"},
            },
            "line_item": {
                "admin_graphql_api_id": "gid://shopify/LineItem/15873074774321",
                "name": "Sourdough baking class",
                "sku": "DIG-SOURDOUGH-01",
            },
        }
    ],
    "transactions": [
        {"kind": "refund", "status": "success", "amount": "39.00", "currency": "USD"}
    ],
}


class TestConcurrentRefundDelivery(ConcurrentDeliveryMixin, BaseCase):
    """Two workers process deliveries of the same refund at the same time.

    Real, separately committed transactions; what they create is removed.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["shopify.backend"].create(
                {
                    "name": "Refund concurrency store",
                    "shop_domain": "refund-concurrency-test.myshopify.com",
                    "state": "active",
                    # drafts only: what the test creates can be removed
                    "refund_auto_post": False,
                }
            )
            product = env["product.product"].create(
                {"name": "Class", "default_code": "DIG-SOURDOUGH-01", "type": "service"}
            )
            events = env["retail.event"]
            for key, topic, payload in (
                ("o1", "orders/create", ORDER),
                ("r1", "refunds/create", REFUND),
                ("r2", "refunds/create", REFUND),
            ):
                event, _created = events._accept(
                    backend,
                    topic=topic,
                    event_key=key,
                    payload=json.dumps(payload),
                    headers={},
                )
                events |= event
            events[0]._process()
            self.assertEqual(events[0].state, "done", events[0].error)
            self.backend_id, self.product_id = backend.id, product.id
            self.event_ids = events.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["shopify.backend"].browse(self.backend_id)
            orders = backend.order_binding_ids.odoo_id
            partners = orders.partner_id
            moves = orders.invoice_ids
            env["shopify.refund"].search([("backend_id", "=", backend.id)]).unlink()
            moves.unlink()
            orders._action_cancel()
            orders.unlink()
            env["retail.event"].browse(self.event_ids).unlink()
            env["retail.sync.exception"].search(
                [
                    ("backend_model", "=", "shopify.backend"),
                    ("backend_id", "=", self.backend_id),
                ]
            ).unlink()
            backend.unlink()
            env["product.product"].browse(self.product_id).unlink()
            partners.unlink()

    def credit_note_count(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM account_move WHERE move_type = 'out_refund'"
                " AND invoice_origin = (SELECT name FROM sale_order"
                " WHERE client_order_ref = %s)",
                (ORDER["name"],),
            )
            return cr.fetchone()[0]

    def test_same_refund_twice_at_once_gives_one_credit_note(self):
        outcome = self.race_while_the_first_holds_the_lock(
            self.event_ids[1], self.event_ids[2]
        )
        self.assertTrue(outcome["first"].startswith("done"), outcome)
        # the first worker holds the lock: the second one must wait
        self.assertEqual(outcome["second"], "retry")
        self.assertTrue(outcome["retry"].startswith("ignored"), outcome)
        self.assertEqual(self.credit_note_count(), 1)

    def test_second_worker_started_before_the_first_committed(self):
        """The lock is free again, but the second transaction's snapshot
        predates the first one's commit: the unique index catches it and the
        delivery is retried instead of crediting twice."""
        outcome = self.race_with_a_snapshot_before_the_commit(
            self.event_ids[1], self.event_ids[2]
        )
        self.assertTrue(outcome["first"].startswith("done"), outcome)
        self.assertEqual(outcome["second"], "retry")
        self.assertTrue(outcome["retry"].startswith("ignored"), outcome)
        self.assertEqual(self.credit_note_count(), 1)

import json
from pathlib import Path

from .common import ShopifyCommittedCase

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


class TestConcurrentRefundDelivery(ShopifyCommittedCase):
    """Two workers process deliveries of the same refund at the same time.

    Real, separately committed transactions; what they create is removed.
    """

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.create_committed(
                env,
                "product.product",
                {
                    "name": "Class",
                    "default_code": "DIG-SOURDOUGH-01",
                    "type": "service",
                },
            )
            backend = self.create_backend(
                env,
                name="Refund concurrency store",
                shop_domain="refund-concurrency-test.myshopify.com",
                # drafts only: what the test creates can be removed
                refund_auto_post=False,
            )
            events = env["retail.event"]
            for key, topic, payload in (
                ("o1", "orders/create", ORDER),
                ("r1", "refunds/create", REFUND),
                ("r2", "refunds/create", REFUND),
            ):
                events |= self.deliver(topic, payload, key=key, backend=backend)
            events[0]._process()
            self.assertEqual(events[0].state, "done", events[0].error)
            self.event_ids = events.ids
        self.add_committed_cleanup(self._cleanup, backend)

    @staticmethod
    def _cleanup(env, backend):
        backend = backend.with_env(env)
        orders = backend.order_binding_ids.odoo_id
        partners = orders.partner_id
        moves = orders.invoice_ids
        env["shopify.refund"].search([("backend_id", "=", backend.id)]).unlink()
        moves.unlink()
        orders._action_cancel()
        orders.unlink()
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

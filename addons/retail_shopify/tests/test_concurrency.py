import json
from pathlib import Path

from .common import ShopifyCommittedCase

PAYLOAD = json.loads(
    (Path(__file__).parent / "fixtures" / "order_guest_no_customer.json").read_text()
)


class TestConcurrentOrderDelivery(ShopifyCommittedCase):
    """Two workers process deliveries of the same order at the same time.

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
                name="Concurrency store",
                shop_domain="concurrency-test.myshopify.com",
                auto_confirm=False,
            )
            self.event_ids = [
                self.deliver(topic, PAYLOAD, key=key, backend=backend).id
                for key, topic in (("c1", "orders/create"), ("c2", "orders/paid"))
            ]
        self.add_committed_cleanup(self._cleanup, backend)

    @staticmethod
    def _cleanup(env, backend):
        orders = backend.with_env(env).order_binding_ids.odoo_id
        partners = orders.partner_id
        orders.unlink()
        partners.unlink()

    def assert_one_sale_order(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM sale_order WHERE client_order_ref = %s",
                (PAYLOAD["name"],),
            )
            self.assertEqual(cr.fetchone()[0], 1)

    def test_same_order_twice_at_once_gives_one_sale_order(self):
        outcome = self.race_while_the_first_holds_the_lock(
            self.event_ids[0], self.event_ids[1]
        )
        self.assertTrue(outcome["first"].startswith("done"), outcome)
        # the first worker holds the lock: the second one must wait
        self.assertEqual(outcome["second"], "retry")
        self.assertTrue(outcome["retry"].startswith("ignored"), outcome)
        self.assert_one_sale_order()

    def test_second_worker_started_before_the_first_committed(self):
        """The lock is free again, but the second transaction's snapshot
        predates the first one's commit: the unique index catches it and the
        delivery is retried instead of failing."""
        outcome = self.race_with_a_snapshot_before_the_commit(
            self.event_ids[0], self.event_ids[1]
        )
        self.assertTrue(outcome["first"].startswith("done"), outcome)
        self.assertEqual(outcome["second"], "retry")
        self.assertTrue(outcome["retry"].startswith("ignored"), outcome)
        self.assert_one_sale_order()

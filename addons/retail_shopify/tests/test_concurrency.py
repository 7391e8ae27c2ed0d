import json
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name

from .common import ConcurrentDeliveryMixin

PAYLOAD = json.loads(
    (Path(__file__).parent / "fixtures" / "order_guest_no_customer.json").read_text()
)


class TestConcurrentOrderDelivery(ConcurrentDeliveryMixin, BaseCase):
    """Two workers process deliveries of the same order at the same time.

    Real, separately committed transactions; what they create is removed.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["shopify.backend"].create(
                {
                    "name": "Concurrency store",
                    "shop_domain": "concurrency-test.myshopify.com",
                    "state": "active",
                    "auto_confirm": False,
                }
            )
            product = env["product.product"].create(
                {"name": "Class", "default_code": "DIG-SOURDOUGH-01", "type": "service"}
            )
            events = env["retail.event"]
            for key, topic in (("c1", "orders/create"), ("c2", "orders/paid")):
                event, _created = events._accept(
                    backend,
                    topic=topic,
                    event_key=key,
                    payload=json.dumps(PAYLOAD),
                    headers={},
                )
                events |= event
            self.backend_id, self.product_id = backend.id, product.id
            self.event_ids = events.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["shopify.backend"].browse(self.backend_id)
            orders = backend.order_binding_ids.odoo_id
            partners = orders.partner_id
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

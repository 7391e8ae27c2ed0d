import json
import threading
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name

from odoo.addons.queue_job.exception import RetryableJobError

PAYLOAD = json.loads(
    (Path(__file__).parent / "fixtures" / "order_guest_no_customer.json").read_text()
)


class TestConcurrentOrderDelivery(BaseCase):
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

    def process(self, event_id, before_commit=None, after_snapshot=None):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            event = env["retail.event"].browse(event_id)
            if after_snapshot:
                cr.execute("SELECT 1")  # the transaction's snapshot starts here
                after_snapshot()
            try:
                result = event._process()
            except RetryableJobError:
                cr.rollback()
                return "retry"
            if before_commit:
                before_commit()
            return f"{event.state}: {result}"

    def test_same_order_twice_at_once_gives_one_sale_order(self):
        processed, release = threading.Event(), threading.Event()
        outcome = {}

        def first():
            outcome["first"] = self.process(
                self.event_ids[0],
                before_commit=lambda: (processed.set(), release.wait(10)),
            )

        worker = threading.Thread(target=first)
        worker.start()
        self.assertTrue(processed.wait(30))
        # the first worker holds the order's lock: the second one must wait
        outcome["second"] = self.process(self.event_ids[1])
        release.set()
        worker.join(30)
        self.assertTrue(outcome["first"].startswith("done"), outcome)
        self.assertEqual(outcome["second"], "retry")
        # the job runner retries the second delivery later
        outcome["retry"] = self.process(self.event_ids[1])
        self.assertTrue(outcome["retry"].startswith("ignored"), outcome)
        self.assert_one_sale_order()

    def test_second_worker_started_before_the_first_committed(self):
        """The lock is free again, but the second transaction's snapshot
        predates the first one's commit: the unique index catches it and the
        delivery is retried instead of failing."""
        snapshot_taken, first_done = threading.Event(), threading.Event()
        outcome = {}

        def second():
            outcome["second"] = self.process(
                self.event_ids[1],
                after_snapshot=lambda: (snapshot_taken.set(), first_done.wait(30)),
            )

        worker = threading.Thread(target=second)
        worker.start()
        self.assertTrue(snapshot_taken.wait(30))
        outcome["first"] = self.process(self.event_ids[0])
        first_done.set()
        worker.join(60)
        self.assertTrue(outcome["first"].startswith("done"), outcome)
        self.assertEqual(outcome["second"], "retry")
        outcome["retry"] = self.process(self.event_ids[1])
        self.assertTrue(outcome["retry"].startswith("ignored"), outcome)
        self.assert_one_sale_order()

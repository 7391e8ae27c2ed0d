from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.models import retail_sync_run

from ..services import order_reconcile
from .common import ShopifyTestMixin

INBOUND = "root.retail.shopify.inbound"
OUTBOUND = "root.retail.shopify.outbound"
RECONCILE = "root.retail.shopify.reconcile"


class TestJobChannels(ShopifyTestMixin, TransactionCase):
    """Every kind of Shopify job runs in the channel of its flow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.env["product.product"].create(
            {"name": "Stoneware mug", "default_code": "MUG-STONE", "type": "consu"}
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        product = self.sim.add_product(
            "Stoneware mug", variants=[{"sku": "MUG-STONE", "price": "14.00"}]
        )
        self.variant = product["variants"][0]

    def channels(self, trap):
        """{job method name: channels} of the jobs trapped so far."""
        found = {}
        for job in trap.enqueued_jobs:
            found.setdefault(job.func.__name__, set()).add(job.channel)
        return found

    def test_inbound_events(self):
        event = self.deliver("orders/create", {"id": 1}, event_id="ch-1")
        with trap_jobs() as trap:
            event._enqueue()
            self.assertEqual(self.channels(trap), {"_process": {INBOUND}})

    def test_exports(self):
        with trap_jobs() as trap:
            for kind in ("products", "inventory", "fulfillments"):
                self.backend._retail_schedule_export(kind)
            trap.assert_jobs_count(3, only=self.backend._retail_export_job)
            self.assertEqual(self.channels(trap), {"_retail_export_job": {OUTBOUND}})

    def test_order_reconciliation_and_its_continuation(self):
        for i in range(7):  # two pages: five orders read, then two
            self.sim.create_order(
                [{"variant_gid": self.variant["id"], "quantity": 1, "price": "14.00"}],
                customer={"email": f"buyer{i}@example.org"},
                notify=False,
            )
        with (
            patch.object(retail_sync_run, "PAGES_PER_JOB", 1),
            patch.object(order_reconcile, "FETCH_PER_PAGE", 5),
            trap_jobs() as trap,
        ):
            self.backend._retail_run_start(
                "orders", since=fields.Datetime.now() - timedelta(days=1)
            )
            first = self.channels(trap)
            trap.perform_enqueued_jobs()
            continued = self.channels(trap)
        self.assertEqual(first, {"_job_run": {RECONCILE}})
        self.assertEqual(continued, {"_job_run": {RECONCILE}})

    def test_orders_held_by_the_poll_are_released_in_reconcile(self):
        self.sim.create_order(
            [{"sku": "UNKNOWN", "quantity": 1, "price": "5.00", "title": "Box"}],
            notify=False,
        )
        with trap_jobs() as trap:
            self.backend._retail_run_start(
                "orders", since=fields.Datetime.now() - timedelta(days=1)
            )
            trap.perform_enqueued_jobs()
        held = self.Event.search([("origin", "=", "poll")])
        self.assertEqual(held.waiting_for.count("UNKNOWN"), 1)
        with trap_jobs() as trap:
            self.env["product.product"].create(
                {"name": "Box", "default_code": "UNKNOWN"}
            )
            self.assertEqual(self.channels(trap), {"_process": {RECONCILE}})

    def test_link_products(self):
        with trap_jobs() as trap:
            self.backend.action_link_products()
            started = self.channels(trap)
            trap.perform_enqueued_jobs()
            collected = self.channels(trap)
        self.assertEqual(started, {"_shopify_link_products_start": {RECONCILE}})
        self.assertEqual(collected, {"_shopify_link_products_collect": {RECONCILE}})

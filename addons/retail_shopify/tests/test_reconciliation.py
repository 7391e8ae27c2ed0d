from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.models import retail_sync_run
from odoo.addons.retail_connector_base.services import errors

from ..services import order_reconcile
from .common import ShopifyTestMixin


class TestReconciliation(ShopifyTestMixin, TransactionCase):
    """The poll through the GraphQL API, against the simulated shop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.mug = cls.env["product.product"].create(
            {"name": "Stoneware mug", "default_code": "MUG-STONE", "type": "consu"}
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.sim_product = self.sim.add_product(
            "Stoneware mug", variants=[{"sku": "MUG-STONE", "price": "14.00"}]
        )

    def place_order(self, **kwargs):
        variant = self.sim_product["variants"][0]
        kwargs.setdefault(
            "customer",
            {"first_name": "Ada", "last_name": "Byron", "email": "ada@example.org"},
        )
        return self.sim.create_order(
            [{"variant_gid": variant["id"], "quantity": 2, "price": "14.00"}],
            notify=False,  # the webhook never comes
            **kwargs,
        )

    def reconcile(self):
        """Read the pages of a new run here rather than in its job."""
        with trap_jobs():
            run = self.backend._retail_run_start(
                "orders", since=fields.Datetime.now() - timedelta(days=1)
            )
        return run._run_pages()

    def test_connection_through_the_api(self):
        message = self.backend._retail_test_connection()
        self.assertIn("retail-test.myshopify.com", message)

    def test_order_whose_webhook_never_came_is_imported(self):
        order = self.place_order()
        result = self.reconcile()
        self.assertIn("1 orders imported", result)
        binding = self.Binding._retail_get(self.backend, order["admin_graphql_api_id"])
        sale = binding.odoo_id
        self.assertEqual(sale.client_order_ref, order["name"])
        self.assertEqual(sale.partner_id.email, "ada@example.org")
        self.assertAlmostEqual(sale.amount_total, float(order["total_price"]))
        self.assertTrue(self.backend.orders_checkpoint)
        # the next run finds nothing new
        self.assertIn("0 orders imported", self.reconcile())
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("client_order_ref", "=", order["name"])]
            ),
            1,
        )

    def test_webhook_and_poll_give_one_sale_order(self):
        order = self.place_order()
        event = self.deliver("orders/create", order, event_id="e1")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.reconcile()
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("client_order_ref", "=", order["name"])]
            ),
            1,
        )

    def test_unmatched_order_becomes_reconciliation_exception(self):
        order = self.sim.create_order(
            [
                {
                    "sku": "UNKNOWN-SKU",
                    "quantity": 1,
                    "price": "5.00",
                    "title": "Mystery box",
                }
            ],
            notify=False,
        )
        self.reconcile()
        exc = self.Exception.search(
            [
                ("flow", "=", "reconciliation"),
                ("remote_ref", "=", order["admin_graphql_api_id"]),
            ]
        )
        self.assertEqual(exc.category, "mapping")
        self.assertIn("UNKNOWN-SKU", exc.message)

    def unknown_sku_order(self, notify=False):
        return self.sim.create_order(
            [
                {
                    "sku": "UNKNOWN-SKU",
                    "quantity": 1,
                    "price": "5.00",
                    "title": "Mystery box",
                }
            ],
            notify=notify,
        )

    def order_exceptions(self, order):
        return self.Exception.search(
            [("remote_ref", "=", order["admin_graphql_api_id"])]
        )

    def test_order_held_by_webhook_and_poll_has_one_exception(self):
        order = self.unknown_sku_order()
        event = self.deliver("orders/create", order, event_id="held-1")
        event._process()
        self.assertEqual(event.state, "failed")
        self.reconcile()
        exception = self.order_exceptions(order)
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.flow, "inbound")
        self.assertEqual(exception.occurrence_count, 2)

    def test_order_held_by_the_poll_is_imported_once_the_product_exists(self):
        order = self.unknown_sku_order()
        self.reconcile()
        exception = self.order_exceptions(order)
        self.assertEqual(exception.state, "open")
        # nothing to import yet: the retry button says why
        with self.assertRaises(UserError):
            exception.action_retry()
        with trap_jobs() as trap:
            self.env["product.product"].create(
                {"name": "Mystery box", "default_code": "UNKNOWN-SKU", "type": "consu"}
            )
            held = self.Event.search(
                [("origin", "=", "poll"), ("remote_ref", "=", exception.remote_ref)]
            )
            trap.assert_jobs_count(1, only=held._process)
            trap.perform_enqueued_jobs()
        self.assertEqual(exception.state, "resolved")
        binding = self.Binding._retail_get(self.backend, order["admin_graphql_api_id"])
        self.assertEqual(binding.odoo_id.client_order_ref, order["name"])

    def test_throttling_postpones_the_job(self):
        for _i in range(3):
            self.place_order()
        # an almost empty bucket that refills slowly
        bucket = self.sim._bucket
        bucket.level, bucket.rate = 100.0, 1.0
        try:
            self.reconcile()
        except errors.RateLimitedError as exc:
            self.assertGreater(exc.retry_after, 2)
        else:
            self.fail("the simulator's bucket cannot afford a page of orders")

    def test_cron_queues_one_job_per_active_backend(self):
        with trap_jobs() as trap:
            self.env["shopify.backend"]._retail_run_cron("orders")
            self.env["shopify.backend"]._retail_run_cron("orders")
            run = self.backend._retail_run_current("orders")
            trap.assert_jobs_count(1, only=run._job_run)

    def test_unreachable_shop_is_transient(self):
        self.sim.fail_next(5, status=503)
        with self.assertRaises(errors.TransientError):
            self.reconcile()

    def test_import_locations(self):
        self.sim.add_location("Main warehouse")
        self.sim.add_location("Brooklyn store", active=False)
        self.backend.action_import_locations()
        self.backend.action_import_locations()  # idempotent
        # Shopify lists the active locations only
        locations = self.backend.with_context(active_test=False).location_ids
        self.assertEqual(locations.mapped("name"), ["Main warehouse"])
        self.assertTrue(locations.external_id.startswith("gid://shopify/Location/"))


class TestOrderImportRun(ShopifyTestMixin, TransactionCase):
    """Import since a date: page jobs, progress, checkpoint, failure."""

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

    def place_orders(self, count):
        return [
            self.sim.create_order(
                [{"variant_gid": self.variant["id"], "quantity": 1, "price": "14.00"}],
                customer={"email": f"buyer{i}@example.org"},
                notify=False,
            )
            for i in range(count)
        ]

    def run_orders(self, since=None):
        """A run of the orders, its jobs performed; return it."""
        with trap_jobs() as trap:
            run = self.backend._retail_run_start("orders", since=since)
            trap.perform_enqueued_jobs()
        return run

    def test_wizard_runs_page_jobs_and_shows_progress(self):
        orders = self.place_orders(7)  # two pages: five orders read, then two
        wizard = (
            self.env["shopify.order.import.wizard"]
            .with_user(self.user)
            .create(
                {
                    "backend_id": self.backend.id,
                    "date_from": fields.Datetime.now() - timedelta(days=1),
                }
            )
        )
        with (
            patch.object(retail_sync_run, "PAGES_PER_JOB", 1),
            patch.object(order_reconcile, "FETCH_PER_PAGE", 5),
            trap_jobs() as trap,
        ):
            wizard.action_import()
            run = self.backend._retail_run_current("orders")
            trap.assert_jobs_count(1, only=run._job_run)
            trap.perform_enqueued_jobs()  # first page, queues the next one
            self.assertEqual(run.state, "running")
            self.assertEqual(run.pages, 1)
            self.assertEqual(run.imported, 5)
            self.assertIn("5 imported", run.progress)
            # while it runs, a second start is refused
            action = self.backend.action_reconcile_orders()
            self.assertEqual(action["params"]["type"], "warning")
            trap.perform_enqueued_jobs()  # second page: the end
        self.assertEqual(run.state, "done")
        self.assertEqual(run.pages, 2)
        self.assertEqual(run.imported, 7)
        self.assertEqual(
            self.Binding.search_count([("backend_id", "=", self.backend.id)]),
            len(orders),
        )
        self.assertEqual(self.backend.orders_checkpoint, run.started)

    def test_run_after_the_checkpoint_keeps_it(self):
        checkpoint = fields.Datetime.now() - timedelta(days=3)
        self.backend.orders_checkpoint = checkpoint
        # orders since yesterday only: what came between is not covered
        run = self.run_orders(since=fields.Datetime.now() - timedelta(days=1))
        self.assertEqual(run.state, "done")
        self.assertEqual(self.backend.orders_checkpoint, checkpoint)

    def test_run_counts_held_and_unchanged_orders(self):
        self.place_orders(2)
        held = self.sim.create_order(
            [
                {
                    "sku": "UNKNOWN-SKU",
                    "quantity": 1,
                    "price": "5.00",
                    "title": "Mystery box",
                }
            ],
            notify=False,
        )
        since = fields.Datetime.now() - timedelta(days=1)
        first = self.run_orders(since=since)
        self.assertEqual(
            (first.imported, first.unchanged, first.held, first.failed), (2, 0, 1, 0)
        )
        self.assertIn("1 held", first.progress)
        second = self.run_orders(since=since)
        self.assertEqual(
            (second.imported, second.unchanged, second.held, second.failed),
            (0, 2, 1, 0),
        )
        exception = self.Exception.search(
            [("remote_ref", "=", held["admin_graphql_api_id"])]
        )
        self.assertEqual(exception.occurrence_count, 2)
        self.assertEqual(exception.state, "open")

    def operations(self, name):
        return [call for call in self.sim.calls if call.operation == name]

    def test_orders_already_imported_are_not_read_again(self):
        orders = self.place_orders(3)
        for order in orders:
            event = self.deliver("orders/create", order, event_id=order["name"])
            event._process()
            self.assertEqual(event.state, "done", event.error)
        self.sim.calls.clear()
        since = fields.Datetime.now() - timedelta(days=1)
        run = self.run_orders(since=since)
        self.assertEqual((run.imported, run.unchanged, run.failed), (0, 3, 0))
        # one page of ids and update times, and no order read whole
        (listing,) = self.operations("OrderStampsUpdatedSince")
        self.assertEqual(listing.variables["first"], order_reconcile.STAMP_PAGE_SIZE)
        self.assertEqual(self.operations("OrdersByIds"), [])
        self.assertEqual(self.operations("OrderById"), [])
        # one changes in Shopify: only that one is read, and imported again
        changed = orders[1]["admin_graphql_api_id"]
        binding = self.Binding._retail_get(self.backend, changed)
        imported_at = binding.external_updated_at
        self.sim.update_order(changed, note="leave at the door", notify=False)
        self.sim.calls.clear()
        run = self.run_orders(since=since)
        self.assertEqual((run.imported, run.unchanged, run.failed), (1, 2, 0))
        (read,) = self.operations("OrdersByIds")
        self.assertEqual(read.variables["ids"], [changed])
        self.assertGreater(binding.external_updated_at, imported_at)
        self.assertEqual(
            self.Binding.search_count([("backend_id", "=", self.backend.id)]), 3
        )

    def test_a_page_of_new_orders_ends_after_those_it_reads(self):
        orders = self.place_orders(5)
        since = fields.Datetime.now() - timedelta(days=1)
        with (
            patch.object(order_reconcile, "FETCH_PER_PAGE", 2),
            patch.object(order_reconcile, "FETCH_GROUP", 1),
        ):
            run = self.run_orders(since=since)
        self.assertEqual(run.state, "done")
        self.assertEqual((run.pages, run.imported, run.unchanged), (3, 5, 0))
        listings = self.operations("OrderStampsUpdatedSince")
        self.assertEqual(len(listings), 3)
        self.assertNotIn("after", listings[0].variables)
        reads = [call.variables["ids"] for call in self.operations("OrdersByIds")]
        # each order read once, in the listing's order, one per call
        self.assertEqual(reads, [[o["admin_graphql_api_id"]] for o in orders])

    def test_the_whole_orders_must_be_those_asked_for(self):
        first, second = (o["admin_graphql_api_id"] for o in self.place_orders(2))

        class Answering:
            def __init__(self, nodes):
                self.nodes = nodes

            def execute(self, operation, variables):
                return {"nodes": self.nodes}

        node = {"id": second, "name": "#2"}
        # an order deleted since the listing is left out
        read = self.backend._shopify_read_orders(
            Answering([None, node]), [first, second]
        )
        self.assertEqual(read, {second: node})
        for nodes in ([node], [node, node], "nodes", [{"id": first}, "x"]):
            with self.subTest(nodes=nodes):
                with self.assertRaises(errors.PayloadValidationError) as caught:
                    self.backend._shopify_read_orders(Answering(nodes), [first, second])
                self.assertIn("OrdersByIds", str(caught.exception))

    def test_wizard_refuses_a_future_date(self):
        wizard = self.env["shopify.order.import.wizard"].create(
            {
                "backend_id": self.backend.id,
                "date_from": fields.Datetime.now() + timedelta(days=1),
            }
        )
        with self.assertRaises(UserError):
            wizard.action_import()

    def test_stalled_run_does_not_block_the_cron(self):
        with trap_jobs():
            stalled = self.backend._retail_run_start("orders")
        stalled.last_progress = fields.Datetime.now() - timedelta(hours=2)
        with trap_jobs() as trap:
            self.env["shopify.backend"]._retail_run_cron("orders")
            run = self.backend._retail_run_current("orders")
            trap.assert_jobs_count(1, only=run._job_run)
        self.assertEqual(stalled.state, "stalled")
        run.last_progress = fields.Datetime.now()
        with trap_jobs() as trap:
            self.env["shopify.backend"]._retail_run_cron("orders")
            trap.assert_jobs_count(0)

    def test_failed_run_becomes_an_exception(self):
        run = self.run_orders(since=fields.Datetime.now() - timedelta(days=1))
        run.state = "running"
        run._on_job_failed(exc_name="ConnectionError", exc_message="store unreachable")
        self.assertEqual(run.state, "failed")
        exception = self.Exception.search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "reconciliation")]
        )
        self.assertIn("store unreachable", exception.message)
        self.assertIn("Import orders again", exception.hint)

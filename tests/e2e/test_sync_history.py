"""The sync history of a Shopify order shipped by a 3PL (see ``flow.py``).

The scenario runs with its jobs stored in ``queue_job`` and performed as
the job runner performs them, so that the history shows the jobs too; it
then shows, on the sale order, the shop's webhooks, the import job, the
fulfilment request sent to the provider, the provider's two shipment
confirmations and the two fulfilments created in Shopify, each with the
correlation id of the delivery or trigger it belongs to.
"""

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from .flow import (
    MAX_JOB_ROUNDS,
    GenericProviderHooks,
    ShopifyThreeplFlowMixin,
    ShopifyThreeplHttpCase,
)


@tagged("post_install", "-at_install")
class TestSyncHistoryOfAnOrderShippedByA3pl(
    GenericProviderHooks, ShopifyThreeplFlowMixin, ShopifyThreeplHttpCase
):
    def run_jobs(self, func=None):
        """Run ``func()``, then perform the stored jobs of the retail
        channels, as the job runner does, until none is left."""
        result = func() if func else None
        Stored = self.env["queue.job"]
        for _round in range(MAX_JOB_ROUNDS):
            self.env.flush_all()
            stored = Stored.search(
                [("state", "=", "pending"), ("channel", "=like", "root.retail%")],
                order="id",
            )
            if not stored:
                break
            for uuid in stored.mapped("uuid"):
                self.perform_stored(uuid)
        else:
            self.fail(f"jobs still queued after {MAX_JOB_ROUNDS} rounds")
        self.env.invalidate_all()
        return result

    def perform_stored(self, uuid):
        job = Job.load(self.env, uuid)
        job.set_started()
        job.store()
        try:
            with self.env.cr.savepoint():
                job.perform()
        except RetryableJobError as exc:
            self.fail(f"{job.description} was postponed: {exc}")
        job.set_done()
        job.store()
        self.performed.append(job)

    def test_paid_order_ships_in_two_parcels_and_fulfils_shopify_twice(self):
        super().test_paid_order_ships_in_two_parcels_and_fulfils_shopify_twice()
        sale = (
            self.env["shopify.sale.order"]
            .search([("backend_id", "=", self.backend.id)])
            .odoo_id
        )
        self.assertEqual(len(sale), 1)
        self.assert_history_of_the_order(sale)

    def assert_history_of_the_order(self, sale):
        items = self.env["retail.sync.history"]._retail_sync_history(sale)
        Event = self.env["retail.event"]
        shop_events = Event.search(
            [
                ("backend_model", "=", self.backend._name),
                ("backend_id", "=", self.backend.id),
            ]
        )
        created = shop_events.filtered(lambda e: e.topic == "orders/create")
        self.assertEqual(len(created), 1)
        imported = shop_events.filtered(
            lambda e: e.result_model == "sale.order" and e.result_id == sale.id
        )
        self.assertTrue(imported)
        confirmations = Event.search(
            [
                ("backend_model", "=", self.provider._name),
                ("backend_id", "=", self.provider.id),
                ("parent_id", "=", False),
            ]
        )
        self.assertEqual(len(confirmations), 2)

        def rows(kind, correlation_id=None):
            return [
                item
                for item in items
                if item["kind"] == kind
                and (correlation_id is None or item["correlation_id"] == correlation_id)
            ]

        # the webhook and its import job
        self.assertTrue(rows("delivery", created.correlation_id))
        import_jobs = rows("job", created.correlation_id)
        self.assertTrue(import_jobs)
        self.assertEqual({job["state"] for job in import_jobs}, {"Done"})
        # the fulfilment request, sent by a job the import queued
        requests = [
            call
            for call in rows("call")
            if call["connector"] == self.provider.display_name
            and "order" in call["summary"].lower()
        ]
        self.assertTrue(requests, [row["summary"] for row in rows("call")])
        self.assertIn(
            requests[-1]["correlation_id"],
            set(imported.mapped("correlation_id")),
        )
        self.assertIn(requests[-1]["correlation_id"], self.provider_sim.request_ids)
        # both confirmations of the provider, each with its own id
        for confirmation in confirmations:
            self.assertTrue(rows("delivery", confirmation.correlation_id))
        # the Shopify fulfilments, created by the jobs the confirmations
        # queued: carried by their ids
        fulfilments = [
            call
            for call in rows("call")
            if "fulfillmentcreate" in call["summary"].lower()
        ]
        self.assertEqual(
            {call["correlation_id"] for call in fulfilments},
            set(confirmations.mapped("correlation_id")),
            [(row["summary"], row["correlation_id"]) for row in rows("call")],
        )
        self.assertTrue(all(call["state"] == "Answered" for call in fulfilments))
        # the delivery's own history shows its share
        picking_items = self.env["retail.sync.history"]._retail_sync_history(
            sale.picking_ids[:1]
        )
        self.assertIn(
            confirmations[0].correlation_id,
            {item["correlation_id"] for item in picking_items},
        )

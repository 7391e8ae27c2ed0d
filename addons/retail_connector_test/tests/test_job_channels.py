from unittest.mock import patch

import responses

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.models import retail_sync_run

from .common import RetailTestCase


class TestJobChannels(RetailTestCase):
    """Every kind of job of the test connector runs in the channel of its flow."""

    def channels(self, trap):
        """{job method name: channels} of the jobs trapped so far."""
        found = {}
        for job in trap.enqueued_jobs:
            found.setdefault(job.func.__name__, set()).add(job.channel)
        return found

    def test_inbound_events(self):
        event, _created = self.accept(self.partner_payload())
        with trap_jobs() as trap:
            event._enqueue()
            self.assertEqual(
                self.channels(trap), {"_process": {"root.retail.test.inbound"}}
            )

    def test_exports(self):
        with trap_jobs() as trap:
            self.backend._retail_schedule_export("partners")
            self.assertEqual(
                self.channels(trap),
                {"_retail_export_job": {"root.retail.test.outbound"}},
            )

    @responses.activate
    def test_partner_reconciliation_and_its_continuation(self):
        api = "https://remote.example.test/api/partners"
        responses.add(
            responses.GET, api, json={"partners": [], "next_cursor": "page-2"}
        )
        responses.add(responses.GET, api, json={"partners": [], "next_cursor": None})
        with patch.object(retail_sync_run, "PAGES_PER_JOB", 1), trap_jobs() as trap:
            run = self.backend._retail_run_start("partners")
            first = self.channels(trap)
            trap.perform_enqueued_jobs()
            continued = self.channels(trap)
            trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(first, {"_job_run": {"root.retail.test.reconcile"}})
        self.assertEqual(continued, {"_job_run": {"root.retail.test.reconcile"}})

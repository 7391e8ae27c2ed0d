from odoo.addons.queue_job.tests.common import trap_jobs

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

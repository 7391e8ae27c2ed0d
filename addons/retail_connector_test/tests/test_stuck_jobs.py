from datetime import timedelta

from odoo import fields

from .common import RetailTestCase


class TestStuckJobs(RetailTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def job(self, state, minutes_ago, channel_flow="outbound"):
        delayed = self.backend.with_delay(
            **self.backend._retail_job_options(channel_flow)
        )._retail_export_job("partners")
        job = self.env["queue.job"].search([("uuid", "=", delayed.uuid)])
        since = fields.Datetime.now() - timedelta(minutes=minutes_ago)
        job.write(
            {
                "state": state,
                "date_enqueued": since,
                "date_started": since if state == "started" else False,
            }
        )
        return job

    def test_dead_jobs_are_requeued_and_reported_once(self):
        started = self.job("started", 90)
        enqueued = self.job("enqueued", 120)
        recent = self.job("started", 5)
        dead, running = self.env["queue.job"]._retail_cron_stuck_jobs()
        self.assertEqual(dead, started | enqueued)
        self.assertFalse(running)
        self.assertEqual(started.state, "pending")
        self.assertEqual(enqueued.state, "pending")
        self.assertEqual(recent.state, "started")
        alerts = self.env["mail.activity"].search(
            [
                ("res_model", "=", self.backend._name),
                ("res_id", "=", self.backend.id),
                ("retail_alert_key", "=like", "job:%"),
            ]
        )
        self.assertEqual(
            set(alerts.mapped("retail_alert_key")),
            {f"job:{started.uuid}", f"job:{enqueued.uuid}"},
        )
        self.assertIn("queued again", alerts[0].note)

    def test_threshold_and_other_channels(self):
        job = self.job("started", 90)
        dead, _running = self.env["queue.job"]._retail_stuck_jobs(minutes=120)
        self.assertFalse(dead)
        job.channel = "root"
        dead, _running = self.env["queue.job"]._retail_stuck_jobs(minutes=10)
        self.assertFalse(dead)

from datetime import timedelta

import responses

from odoo import fields

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import RetailTestCase

API = "https://remote.example.test/api"


class TestEventProcessing(RetailTestCase):
    def test_enqueue_uses_identity_key_and_channel(self):
        event, created = self.accept(self.partner_payload())
        self.assertTrue(created)
        with trap_jobs() as trap:
            event._enqueue()
            trap.assert_jobs_count(1, only=event._process)
            trap.assert_enqueued_job(
                event._process,
                properties={
                    "identity_key": f"retail.event:{event.id}",
                    "channel": "root.retail.test.inbound",
                },
            )
        self.assertEqual(event.state, "queued")

    def test_job_success_creates_partner_and_binding(self):
        event, _created = self.accept(self.partner_payload())
        with trap_jobs() as trap:
            event._enqueue()
            trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "done")
        self.assertEqual(event.attempts, 1)
        binding = self.Binding._retail_get(self.backend, "C-1")
        self.assertEqual(binding.odoo_id.name, "Acme Store")
        self.assertEqual(event.result_ref, binding.odoo_id)

    def test_duplicate_payload_is_a_noop(self):
        first, _c = self.accept(self.partner_payload(), key="k1")
        first._process()
        second, _c = self.accept(self.partner_payload(), key="k2")
        second._process()
        self.assertEqual(second.state, "ignored")
        self.assertIn("Same content", second.reason)
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "Acme Store")]), 1
        )

    def test_out_of_order_update_is_ignored(self):
        newer, _c = self.accept(
            self.partner_payload(name="New name", updated_at="2026-11-20T12:00:00Z"),
            key="k1",
        )
        newer._process()
        older, _c = self.accept(
            self.partner_payload(name="Old name", updated_at="2026-11-20T11:00:00Z"),
            key="k2",
        )
        older._process()
        self.assertEqual(older.state, "ignored")
        self.assertEqual(
            self.Binding._retail_get(self.backend, "C-1").odoo_id.name, "New name"
        )

    def test_unknown_topic_is_ignored_with_reason(self):
        event, _c = self.accept({"id": "X"}, topic="catalog/update")
        event._process()
        self.assertEqual(event.state, "ignored")
        self.assertIn("catalog/update", event.reason)

    @responses.activate
    def test_transient_error_retries_with_retry_after(self):
        responses.add(
            responses.GET,
            f"{API}/partners/C-1",
            status=503,
            headers={"Retry-After": "30"},
        )
        event, _c = self.accept({"id": "C-1"}, topic="partner/enrich")
        with self.assertRaises(RetryableJobError) as caught:
            event._process()
        self.assertEqual(caught.exception.seconds, 31)
        self.assertFalse(self.Exception.search([("event_id", "=", event.id)]))

    @responses.activate
    def test_transient_then_success(self):
        for _attempt in range(3):  # the first call and two quick retries
            responses.add(responses.GET, f"{API}/partners/C-1", status=502)
        responses.add(
            responses.GET,
            f"{API}/partners/C-1",
            json={"name": "Enriched Store", "email": "e@x.example"},
        )
        event, _c = self.accept({"id": "C-1"}, topic="partner/enrich")
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            # the runner rolls the job's work back before retrying
            event._process()
        event.invalidate_recordset()
        event._process()
        self.assertEqual(event.state, "done")
        self.assertEqual(event.result_ref.name, "Enriched Store")

    def test_permanent_error_opens_exception_and_ends_job(self):
        event, _c = self.accept(self.partner_payload(name=""))
        result = event._process()
        self.assertIn("Failed", result)
        self.assertEqual(event.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.category, "validation")
        self.assertIn("C-1", exc.message)
        self.assertIn("name", exc.hint)
        self.assertEqual(exc.remote_ref, "C-1")
        self.assertEqual(exc.retail_backend_id.res_id, self.backend.id)

    def test_replay_after_fix_resolves_exception(self):
        event, _c = self.accept(self.partner_payload(name=""))
        event._process()
        exc = self.Exception.search([("event_id", "=", event.id)])
        # the person fixes the cause (here: the payload is corrected upstream)
        event.sudo().payload = '{"id": "C-1", "name": "Fixed"}'
        with trap_jobs() as trap:
            exc.action_retry()
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "done")
        self.assertEqual(exc.state, "resolved")

    def test_unexpected_error_fails_job_and_records_exception(self):
        # a name that is not text: the handler crashes (unforeseen payload)
        event, _c = self.accept(self.partner_payload(name={"first": "A"}))
        event._enqueue()
        job = Job.load(self.env, event.job_uuid)
        # not assertRaises: it would roll back what the failure handler wrote
        caught = None
        with self.assertLogs("odoo.addons.queue_job.controllers.main", level="ERROR"):
            try:
                RunJobController._runjob(self.env, job)
            except AttributeError as exc:
                caught = exc
        self.assertIn("strip", str(caught))
        event.invalidate_recordset()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.job_id.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.category, "unexpected")
        self.assertIn("AttributeError", exc.message)

    def test_paused_backend_postpones_processing(self):
        event, _c = self.accept(self.partner_payload())
        self.backend.action_pause()
        with self.assertRaises(RetryableJobError) as caught:
            event._process()
        self.assertTrue(caught.exception.ignore_retry)

    def test_retention_keeps_failed_and_pending(self):
        old = fields.Datetime.now() - timedelta(days=40)
        done, _c = self.accept(self.partner_payload(), key="done")
        done._process()
        failed, _c = self.accept(self.partner_payload(name=""), key="failed")
        failed._process()
        pending, _c = self.accept(self.partner_payload(), key="pending")
        recent, _c = self.accept(self.partner_payload(external_id="C-2"), key="recent")
        recent._process()
        (done | failed | pending).write({"received_at": old})
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.event_retention_days", "30"
        )
        deleted = self.Event._cron_retention()
        self.assertEqual(deleted, 1)
        self.assertFalse(done.exists())
        self.assertTrue(failed.exists() and pending.exists() and recent.exists())

    def test_requeue_stalled_events(self):
        event, _c = self.accept(self.partner_payload())
        event.write({"received_at": fields.Datetime.now() - timedelta(minutes=30)})
        with trap_jobs() as trap:
            self.assertEqual(self.Event._cron_requeue_stalled(), 1)
            trap.assert_jobs_count(1, only=event._process)
        self.assertEqual(event.state, "queued")

"""Waiting is not failing: waits spend no tries, up to a deadline."""

from datetime import timedelta
from unittest.mock import patch

import responses

from odoo import fields

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.tests.job_runs import run_once, set_job_created

from .common import RetailTestCase

API = "https://remote.example.test/api"
DEADLINE_PARAM = "retail_connector_base.waiting_deadline_hours"


class TestEventWaits(RetailTestCase):
    def open_circuit(self):
        self.backend.circuit_threshold = 1
        self.backend._retail_circuit().failure()
        self.assertEqual(self.backend._retail_circuit().state().state, "open")

    def queued_enrich(self):
        event, _c = self.accept({"id": "C-1"}, topic="partner/enrich")
        event._enqueue()
        return event

    def job(self, event):
        return self.env["queue.job"].search([("uuid", "=", event.job_uuid)])

    @responses.activate
    def test_open_circuit_ten_times_spends_no_tries(self):
        self.open_circuit()
        event = self.queued_enrich()
        for _run in range(10):
            postponed = run_once(self.env, event.job_uuid)
            self.assertIsInstance(postponed, RetryableJobError)
            self.assertTrue(postponed.ignore_retry)
        job = self.job(event)
        self.assertEqual(job.retry, 0)
        self.assertEqual(job.state, "pending")
        event.invalidate_recordset()
        self.assertEqual(event.state, "queued")
        self.assertFalse(self.Exception.search([("event_id", "=", event.id)]))
        self.assertEqual(len(responses.calls), 0)

    @responses.activate
    def test_network_failures_still_spend_tries(self):
        responses.add(responses.GET, f"{API}/partners/C-1", status=503)
        event = self.queued_enrich()
        postponed = run_once(self.env, event.job_uuid)
        self.assertFalse(postponed.ignore_retry)
        self.assertEqual(self.job(event).retry, 1)

    @responses.activate
    def test_failures_use_up_the_tries_and_say_how_many(self):
        responses.add(responses.GET, f"{API}/partners/C-1", status=503)
        event = self.queued_enrich()
        for _run in range(4):
            self.assertFalse(run_once(self.env, event.job_uuid).ignore_retry)
        self.assertEqual(self.job(event).retry, 4)
        job = Job.load(self.env, event.job_uuid)
        # not assertRaises: it would roll back what the failure handler wrote
        with self.assertLogs("odoo.addons.queue_job.controllers.main", level="ERROR"):
            try:
                RunJobController._runjob(self.env, job)
            except Exception as exc:  # noqa: BLE001 - checked below
                self.assertEqual(type(exc).__name__, "FailedJobError")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertIn("abandoned after 5 tries", exc.message)

    @responses.activate
    def test_wait_past_the_deadline_opens_an_exception(self):
        self.open_circuit()
        event = self.queued_enrich()
        set_job_created(
            self.env, event.job_uuid, fields.Datetime.now() - timedelta(hours=25)
        )
        result = run_once(self.env, event.job_uuid)
        self.assertNotIsInstance(result, RetryableJobError)
        event.invalidate_recordset()
        self.assertEqual(event.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.category, "waiting")
        self.assertIn(event.display_name, exc.message)
        self.assertIn("24 hours", exc.message)
        self.assertIn("suspended", exc.message)
        self.assertIn("reachable", exc.hint)
        self.assertEqual(self.job(event).state, "done")

    @responses.activate
    def test_deadline_is_a_parameter(self):
        self.open_circuit()
        event = self.queued_enrich()
        set_job_created(
            self.env, event.job_uuid, fields.Datetime.now() - timedelta(hours=25)
        )
        self.env["ir.config_parameter"].sudo().set_param(DEADLINE_PARAM, "48")
        self.assertIsInstance(run_once(self.env, event.job_uuid), RetryableJobError)
        self.env["ir.config_parameter"].sudo().set_param(DEADLINE_PARAM, "2")
        run_once(self.env, event.job_uuid)
        event.invalidate_recordset()
        self.assertEqual(event.state, "failed")
        self.assertIn("2 hours", event.error)

    def test_paused_backend_past_the_deadline_asks_to_activate_it(self):
        event, _c = self.accept(self.partner_payload())
        event.sudo().received_at = fields.Datetime.now() - timedelta(days=2)
        self.backend.action_pause()
        self.assertIn("Failed", event._process())
        self.assertEqual(event.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertIn("paused", exc.message)
        self.assertIn("Activate the backend", exc.hint)

    @responses.activate
    def test_huge_retry_after_is_capped(self):
        for value in ("31536000", "Fri, 01 Jan 2100 00:00:00 GMT"):
            with self.subTest(value=value):
                responses.reset()
                responses.add(
                    responses.GET,
                    f"{API}/partners/C-1",
                    status=503,
                    headers={"Retry-After": value},
                )
                event, _c = self.accept({"id": "C-1"}, topic="partner/enrich")
                with self.assertRaises(RetryableJobError) as caught:
                    event._process()
                self.assertEqual(caught.exception.seconds, errors.MAX_RETRY_DELAY)


class TestExportWaits(RetailTestCase):
    def queue_export(self):
        with trap_jobs() as trap:
            self.backend._retail_schedule_export("partners")
            (job,) = trap.enqueued_jobs
        job.store()
        return job.uuid

    def contended(self):
        return patch.object(
            type(self.backend),
            "_retail_export_partners",
            side_effect=errors.LockContentionError(
                "Another job is already processing partner:C-1", retry_after=5
            ),
        )

    def test_lock_contention_spends_no_tries(self):
        uuid = self.queue_export()
        with self.contended():
            for _run in range(10):
                postponed = run_once(self.env, uuid)
                self.assertIsInstance(postponed, RetryableJobError)
                self.assertEqual(postponed.seconds, 6)
        job = self.env["queue.job"].search([("uuid", "=", uuid)])
        self.assertEqual(job.retry, 0)

    def test_lock_held_past_the_deadline_opens_an_exception(self):
        uuid = self.queue_export()
        set_job_created(self.env, uuid, fields.Datetime.now() - timedelta(hours=25))
        with self.contended():
            self.assertIn("Failed", run_once(self.env, uuid))
        exc = self.Exception.search([("job_uuid", "=", uuid)])
        self.assertEqual(exc.flow, "outbound")
        self.assertEqual(exc.category, "waiting")
        self.assertIn("The export of partners", exc.message)
        self.assertIn("partner:C-1", exc.message)
        self.assertIn("Started", exc.hint)


class TestSyncRunWaits(RetailTestCase):
    def test_paused_backend_past_the_deadline_fails_the_run(self):
        run = self.backend._retail_run_start("partners")
        self.assertTrue(run.job_uuid)
        self.backend.action_pause()
        postponed = run_once(self.env, run.job_uuid)
        self.assertTrue(postponed.ignore_retry)
        set_job_created(
            self.env, run.job_uuid, fields.Datetime.now() - timedelta(hours=25)
        )
        self.assertIn("Failed", run_once(self.env, run.job_uuid))
        self.assertEqual(run.state, "failed")
        exc = self.Exception.search(
            [("res_model", "=", run._name), ("res_id", "=", run.id)]
        )
        self.assertEqual(exc.category, "waiting")
        self.assertIn("paused", exc.message)
        self.assertIn("Activate the backend", exc.hint)

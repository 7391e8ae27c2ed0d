import responses

from odoo.sql_db import db_connect
from odoo.tests.common import get_db_name

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.job import Job
from odoo.addons.retail_connector_base.services import errors, locks

from .common import TOKEN, RetailTestCase

API = "https://remote.example.test/api"


class TestBackend(RetailTestCase):
    @responses.activate
    def test_test_connection_success_activates(self):
        self.backend.state = "draft"
        responses.add(responses.GET, f"{API}/ping", json={"status": "pong"})
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.backend.state, "active")
        self.assertEqual(
            responses.calls[0].request.headers["Authorization"], f"Bearer {TOKEN}"
        )
        self.assertIn("pong", self.backend.message_ids[0].body)

    @responses.activate
    def test_test_connection_failure_sets_error_without_leaking_token(self):
        responses.add(
            responses.GET,
            f"{API}/ping",
            status=401,
            json={"error": f"token {TOKEN} revoked"},
        )
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(self.backend.state, "error")
        self.assertTrue(self.backend.state_message)
        bodies = " ".join(self.backend.message_ids.mapped("body"))
        self.assertIn("Connection test failed", bodies)
        self.assertNotIn(TOKEN, bodies + self.backend.state_message)
        self.assertNotIn(TOKEN, action["params"]["message"])

    def test_advisory_lock_per_remote_object(self):
        namespace = self.backend._retail_key()
        self.assertTrue(locks.try_advisory_lock(self.env.cr, namespace, "order:1"))
        other = db_connect(get_db_name()).cursor()
        try:
            # another transaction: the same object is busy, another one is free
            self.assertFalse(locks.try_advisory_lock(other, namespace, "order:1"))
            self.assertTrue(locks.try_advisory_lock(other, namespace, "order:2"))
            with self.assertRaises(errors.LockContentionError):
                locks.advisory_lock(other, namespace, "order:1")
            self.assertEqual(
                errors.classify(errors.LockContentionError("x")), "transient"
            )
        finally:
            other.rollback()
            other.close()

    @responses.activate
    def test_retries_exhausted_become_exception(self):
        responses.add(responses.GET, f"{API}/partners/C-9", status=503)
        event, _c = self.accept({"id": "C-9"}, topic="partner/enrich")
        event._enqueue()
        job = Job.load(self.env, event.job_uuid)
        job.retry = job.max_retries - 1  # the last allowed attempt
        caught = None
        with self.assertLogs("odoo.addons.queue_job.controllers.main", level="ERROR"):
            try:
                RunJobController._runjob(self.env, job)
            except Exception as exc:  # noqa: BLE001 - checked below
                caught = exc
        self.assertEqual(type(caught).__name__, "FailedJobError")
        event.invalidate_recordset()
        self.assertEqual(event.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertIn("abandoned", exc.message)
        self.assertIn("reachable", exc.hint)

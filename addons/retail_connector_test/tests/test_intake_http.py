from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services.signatures import generate_api_key

from .common import RetailHttpCase


@tagged("post_install", "-at_install")
class TestIntakeHttp(RetailHttpCase):
    def post(self, payload, *, key="evt-1", topic="partner/upsert", **kwargs):
        return self.post_delivery(topic, payload, key=key, **kwargs)

    def test_good_signature_stores_and_enqueues(self):
        with trap_jobs() as trap:
            response = self.post(self.partner_payload())
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["status"], "accepted")
            event = self.events()
            self.assertEqual(len(event), 1)
            trap.assert_jobs_count(1, only=event._process)
        # the trapped job belongs to the finished request: run it here
        event._process()
        self.assertEqual(event.state, "done")
        self.assertEqual(event.topic, "partner/upsert")
        self.assertEqual(event.headers["X-Test-Event-Id"], "evt-1")
        self.assertNotIn("X-Test-Signature", event.headers)

    def test_bad_signature_stores_nothing(self):
        response = self.post(self.partner_payload(), signature="00" * 32)
        self.assertEqual(response.status_code, 401)
        response = self.post(self.partner_payload(), signature="")
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_duplicate_event_key_answers_200_without_new_work(self):
        with trap_jobs() as trap:
            self.assertEqual(self.post(self.partner_payload()).status_code, 200)
            response = self.post(self.partner_payload())
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["status"], "duplicate")
            trap.assert_jobs_count(1)
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.duplicate_count, 1)

    def test_oversized_body_is_refused_before_reading(self):
        self.backend.inbound_max_bytes = 100
        response = self.post(self.partner_payload(name="x" * 200))
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.events())

    def test_malformed_json_is_stored_failed_with_400(self):
        body = b'{"id": "C-1", "name": '
        response = self.post(None, body=body)
        self.assertEqual(response.status_code, 400)
        self.assertIn("not valid JSON", response.json()["error"])
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.payload, body.decode())
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.category, "validation")

    def test_schema_violation_is_stored_failed_with_400(self):
        response = self.post(["not", "an", "object"])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.events().state, "failed")

    def test_rate_limit_answers_429_with_retry_after(self):
        self.backend.inbound_rate_limit = 2
        with trap_jobs():
            codes = [
                self.post(self.partner_payload(), key=f"k{i}").status_code
                for i in range(2)
            ]
            response = self.post(self.partner_payload(), key="k3")
        self.assertEqual(codes, [200, 200])
        self.assertEqual(response.status_code, 429)
        self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
        self.assertEqual(len(self.events()), 2)
        # the refusal is a wait of the inbound limiter (retail_limiter_waits)
        self.env.cr.execute(
            "SELECT waits, wait_seconds FROM retail_rate_bucket WHERE key = %s",
            (f"in:{self.backend._retail_key()}",),
        )
        waits, seconds = self.env.cr.fetchone()
        self.assertEqual(waits, 1)
        self.assertGreater(seconds, 0)

    def test_paused_backend_stores_and_answers_200(self):
        self.backend.action_pause()
        with trap_jobs() as trap:
            response = self.post(self.partner_payload())
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["status"], "accepted")
            trap.assert_jobs_count(1, only=self.events()._process)
        self.assertEqual(len(self.events()), 1)

    def test_unknown_backend_is_404(self):
        response = self.post(self.partner_payload(), path="/retail/test/webhook/999999")
        self.assertEqual(response.status_code, 404)

    def test_partner_api_with_hashed_bearer_key(self):
        key = generate_api_key()
        self.backend._set_api_key(key)
        self.assertNotEqual(self.backend.api_key_hash, key)
        path = f"/retail/test/api/{self.backend.id}/events"
        with trap_jobs():
            ok = self.post(
                self.partner_payload(),
                path=path,
                headers={"Authorization": f"Bearer {key}"},
            )
            wrong = self.post(
                self.partner_payload(),
                key="k2",
                path=path,
                headers={"Authorization": "Bearer nope"},
            )
        self.assertEqual(ok.status_code, 200)
        self.assertEqual(wrong.status_code, 401)
        self.assertEqual(len(self.events()), 1)

    def test_request_replayed_after_serialization_failure_keeps_its_body(self):
        """Odoo replays a request after a serialisation conflict: the second
        attempt must read the same body and authenticate again."""
        calls = []
        original = type(self.backend)._retail_inbound_limiter

        def flaky_limiter(backend, per_minute=None):
            calls.append(1)
            if len(calls) == 1:
                # what PostgreSQL answers when another worker won the row
                with mute_logger("odoo.sql_db"):
                    backend.env.cr.execute(
                        "DO $$ BEGIN RAISE EXCEPTION 'concurrent update' "
                        "USING ERRCODE = 'serialization_failure'; END $$"
                    )
            return original(backend, per_minute)

        with (
            trap_jobs(),
            patch.object(type(self.backend), "_retail_inbound_limiter", flaky_limiter),
            patch("odoo.service.model.random.uniform", return_value=0),
        ):
            response = self.post(self.partner_payload())
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(calls), 2)
        self.assertEqual(len(self.events()), 1)

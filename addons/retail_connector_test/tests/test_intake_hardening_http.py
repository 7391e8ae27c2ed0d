import hashlib
import json

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import RetailHttpCase


@tagged("post_install", "-at_install")
class TestIntakeHardeningHttp(RetailHttpCase):
    def post(self, payload=None, *, key="evt-1", topic="partner/upsert", **kwargs):
        return self.post_delivery(topic, payload, key=key, **kwargs)

    # -- shape of the document -------------------------------------------
    def assert_stored_failed(self, response, reason):
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn(reason, response.json()["error"])
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertIn(reason, event.error)
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.category, "validation")
        return event

    def test_deeply_nested_document_is_stored_failed_with_400(self):
        depth = 100_000  # deeper than the JSON parser itself can go
        body = b'{"id": "C-1", "tags": ' + b"[" * depth + b"]" * depth + b"}"
        event = self.assert_stored_failed(
            self.post(body=body), "nested deeper than 64 levels"
        )
        self.assertEqual(event.payload, body.decode())

    def test_nesting_within_the_limit_is_accepted(self):
        body = b'{"id": "C-1", "name": "Deep", "tags": ' + b"[" * 60 + b"]" * 60 + b"}"
        with trap_jobs():
            response = self.post(body=body)
        self.assertEqual(response.status_code, 200, response.text)

    def test_connector_limit_on_array_sizes(self):
        # the test connector accepts at most 1,000 elements per array
        with trap_jobs():
            ok = self.post(self.partner_payload(tags=list(range(1000))), key="ok")
        self.assertEqual(ok.status_code, 200, ok.text)
        response = self.post(self.partner_payload(tags=list(range(1001))), key="big")
        self.assertEqual(response.status_code, 400)
        self.assertIn("1001 elements, more than the 1000", response.json()["error"])
        # (an accepted delivery's time has microseconds, a refused one's not:
        # the two may be listed either way)
        self.assertEqual(
            self.events().sorted("id").mapped("state"), ["queued", "failed"]
        )

    # -- backends not active ---------------------------------------------
    def assert_stored_and_queued(self, key):
        with trap_jobs() as trap:
            response = self.post(self.partner_payload(), key=key)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["status"], "accepted")
            trap.assert_jobs_count(1, only=self.events(key)._process)
        self.assertEqual(self.events(key).state, "queued")

    def test_signed_delivery_is_stored_whatever_the_backend_state(self):
        for state in ("paused", "draft", "error"):
            with self.subTest(state=state):
                self.backend.state = state
                self.assert_stored_and_queued(f"evt-{state}")

    def test_archived_backend_is_unknown(self):
        self.backend.active = False
        response = self.post(self.partner_payload())
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.events())

    def test_unsigned_delivery_to_a_paused_backend_is_refused(self):
        self.backend.action_pause()
        response = self.post(self.partner_payload(), signature="00" * 32)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_inbound_limit_default_allows_a_flash_sale(self):
        backend = self._setup_backend(self.env, name="Flash sale")
        self.assertEqual(backend.inbound_rate_limit, 20000)
        self.assertEqual(backend._retail_inbound_limiter().capacity, 20000)

    # -- a signed body under another topic -------------------------------
    def test_body_replayed_under_another_topic_is_refused(self):
        body = json.dumps(self.partner_payload()).encode()
        with trap_jobs() as trap:
            first = self.post(body=body, key="k1")
            replay = self.post(body=body, key="k2", topic="partner/delete")
            trap.assert_jobs_count(1)
        self.assertEqual(first.status_code, 200, first.text)
        self.assertEqual(replay.status_code, 400, replay.text)
        self.assertIn("another topic", replay.json()["error"])
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.topic, "partner/upsert")
        self.assertEqual(event.body_sha256, hashlib.sha256(body).hexdigest())

    def test_same_body_under_the_same_topic_is_accepted(self):
        body = json.dumps(self.partner_payload()).encode()
        with trap_jobs():
            first = self.post(body=body, key="k1")
            again = self.post(body=body, key="k2")
        self.assertEqual(first.json()["status"], "accepted")
        self.assertEqual(again.json()["status"], "accepted")
        self.assertEqual(len(self.events()), 2)

    def test_malformed_body_replayed_under_another_topic_is_refused(self):
        body = b'{"id": "C-1", "name": '
        self.assertEqual(self.post(body=body, key="k1").status_code, 400)
        replay = self.post(body=body, key="k2", topic="partner/delete")
        self.assertEqual(replay.status_code, 400)
        self.assertIn("another topic", replay.json()["error"])
        self.assertEqual(len(self.events()), 1)

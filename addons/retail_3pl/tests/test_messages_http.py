import json
import time
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..controllers.messages import MESSAGES
from ..services import signing
from .common import SECRET, ThreeplHttpCase


def message(message_id="m-1", message_type="order.cancelled", payload=None, **extra):
    return {
        "message_id": message_id,
        "type": message_type,
        "occurred_at": "2026-11-30T10:00:00Z",
        "warehouse_code": "TPL",
        "payload": payload if payload is not None else {"order_ref": "abc-1"},
        **extra,
    }


@tagged("post_install", "-at_install")
class TestMessagesHttp(ThreeplHttpCase):
    def setUp(self):
        super().setUp()
        # the intake's clock and the signatures' agree whatever time it is
        self.now = int(time.time())
        self.enterContext(
            patch.object(MESSAGES.authenticator, "clock", lambda: self.now)
        )

    def sign(self, body):
        return signing.sign(SECRET, body, self.now)

    def post(self, data=None, *, body=None, signature=None, **kwargs):
        return self.post_delivery(
            None,
            data if data is not None else message(),
            body=body,
            signature=signature,
            **kwargs,
        )

    def test_signed_message_is_stored_once_and_queued(self):
        with trap_jobs() as trap:
            response = self.post()
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["status"], "accepted")
            event = self.events()
            trap.assert_jobs_count(1, only=event._process)
        self.assertEqual(event.topic, "order.cancelled")
        self.assertEqual(event.event_key, "m-1")
        self.assertEqual(event.remote_ref, "order:abc-1")
        self.assertEqual(event.state, "queued")

    def test_replay_inside_the_window_is_a_duplicate(self):
        body = json.dumps(message()).encode()
        header = self.sign(body)
        with trap_jobs() as trap:
            first = self.post(body=body, signature=header)
            again = self.post(body=body, signature=header)
            trap.assert_jobs_count(1)
        self.assertEqual(first.json()["status"], "accepted")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["status"], "duplicate")
        self.assertEqual(len(self.events()), 1)
        self.assertEqual(self.events().duplicate_count, 1)

    def test_same_message_id_in_another_body_is_a_duplicate(self):
        with trap_jobs():
            self.post()
            response = self.post(message(payload={"order_ref": "abc-2"}))
        self.assertEqual(response.json()["status"], "duplicate")
        self.assertEqual(self.events().remote_ref, "order:abc-1")

    def test_bad_signature_stores_nothing(self):
        body = json.dumps(message()).encode()
        for header in (
            signing.sign("wrong secret", body),
            f"t={self.now},v1={'0' * 64}",
            "garbage",
        ):
            with self.subTest(header=header):
                response = self.post(body=body, signature=header)
                self.assertEqual(response.status_code, 401)
        response = self.post(body=body, headers={signing.HEADER: ""})
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_timestamps_outside_the_window_store_nothing(self):
        body = json.dumps(message()).encode()
        now = self.now
        with trap_jobs():
            self.assertEqual(self.post(body=body).status_code, 200)
        body = json.dumps(message(message_id="m-2")).encode()
        for moment in (now - 301, now + 301, now - 86400):
            with self.subTest(moment=moment):
                response = self.post(
                    body=body, signature=signing.sign(SECRET, body, moment)
                )
                self.assertEqual(response.status_code, 401)
        for moment in (now - 300, now + 300):
            with self.subTest(moment=moment), trap_jobs():
                response = self.post(
                    body=body, signature=signing.sign(SECRET, body, moment)
                )
                self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events().mapped("event_key"), ["m-2", "m-1"])

    def test_replay_outside_the_window_stores_nothing_new(self):
        body = json.dumps(message()).encode()
        captured = signing.sign(SECRET, body, self.now - 600)
        response = self.post(body=body, signature=captured)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_oversize_is_refused_before_reading(self):
        self.backend.inbound_max_bytes = 500
        data = message(payload={"order_ref": "abc-1", "reason": "x" * 1000})
        response = self.post(data)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.events())

    def test_malformed_json_is_stored_failed(self):
        response = self.post(body=b'{"message_id": "m-1", "type": ')
        self.assertEqual(response.status_code, 400)
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertIn("not valid JSON", event.error)

    def test_invalid_message_names_the_field(self):
        data = message(
            message_type="shipment.confirmed",
            payload={
                "order_ref": "abc-1",
                "shipment_ref": "S-1",
                "shipped_at": "2026-11-30T10:00:00Z",
                "final": True,
                "packages": [
                    {
                        "package_ref": "P",
                        "lines": [{"line_ref": "1", "sku": "A", "qty": -2}],
                    }
                ],
            },
        )
        response = self.post(data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("payload.packages[0].lines[0].qty", response.json()["error"])
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.topic, "shipment.confirmed")

    def test_unknown_type_is_refused(self):
        response = self.post(message(message_type="order.exploded"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("type is invalid", response.json()["error"])

    def test_not_an_object_is_refused(self):
        response = self.post(body=b"[1, 2, 3]")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.events().topic, "unknown")

    def test_unknown_provider_is_404(self):
        response = self.post(path="/retail/3pl/v1/providers/999999/messages")
        self.assertEqual(response.status_code, 404)

    def test_simulator_messages_reach_the_endpoint(self):
        """The provider simulator posts its signed messages over HTTP."""
        self.sim.send_message("order.cancelled", {"order_ref": "abc-9"})
        url = self.base_url() + self.intake_route.format(backend=self.backend)
        with trap_jobs() as trap:
            delivered = self.sim.deliver(url, session=self.opener)
            # the dispatcher, woken by the request's commit, queues its job
            self.env.invalidate_all()
            self.env["retail.event"]._retail_dispatch()
            trap.assert_jobs_count(1)
        self.env.invalidate_all()
        self.assertEqual(len(delivered), 1)
        self.assertEqual(self.events().remote_ref, "order:abc-9")

    # a NUL character cannot be stored in a text column: a signed body with
    # one is answered 400 and kept for inspection, never a 500
    def test_nul_in_the_type_and_id(self):
        response = self.post(message(message_id="m-\u0000", message_type="x\u0000"))
        self.assertEqual(response.status_code, 400, response.text)
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.state, "failed")
        self.assertNotIn("\x00", event.topic + event.event_key)

    def test_nul_in_a_field_of_the_payload(self):
        response = self.post(
            message(payload={"order_ref": "abc-\u0000", "reason": "r\u0000"})
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("NUL", response.json()["error"])
        event = self.events()
        self.assertEqual(event.state, "failed")
        # kept as it came (the escape is text)
        self.assertIn("abc-\\u0000", event.payload)

    def test_raw_nul_bytes_in_the_body(self):
        body = json.dumps(message()).encode()[:-1] + b"\x00}"
        response = self.post(body=body, signature=self.sign(body))
        self.assertEqual(response.status_code, 400, response.text)
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertNotIn("\x00", event.payload)

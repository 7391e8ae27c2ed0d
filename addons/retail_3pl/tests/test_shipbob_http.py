import json
import time
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from ..controllers.messages import SHIPBOB
from ..services import shipbob_webhooks
from .common import ShipbobHttpCase

BODY = {"topic": "order.shipped", "order_id": 100000001, "reference_id": "abc-1"}


@tagged("post_install", "-at_install")
class TestShipbobHttp(ShipbobHttpCase):
    def setUp(self):
        super().setUp()
        # the intake's clock and the signatures' agree whatever time it is
        self.now = int(time.time())
        self.enterContext(
            patch.object(SHIPBOB.authenticator, "clock", lambda: self.now)
        )

    def post(self, data=None, *, body=None, headers=None, webhook_id="msg_1", **kwargs):
        body = body if body is not None else json.dumps(data or BODY).encode()
        all_headers = self.shipbob_headers(
            body, webhook_id=webhook_id, timestamp=self.now, topic="order.shipped"
        )
        all_headers.update(headers or {})
        return self.post_body(body, all_headers, **kwargs)

    def test_signed_delivery_is_stored_once_and_queued(self):
        with trap_jobs() as trap:
            response = self.post()
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["status"], "accepted")
            event = self.events()
            trap.assert_jobs_count(1, only=event._process)
        self.assertEqual(event.topic, "shipbob:order.shipped")
        self.assertEqual(event.event_key, "msg_1")
        self.assertEqual(event.remote_ref, "order:abc-1")
        self.assertEqual(event.state, "queued")
        self.assertNotIn(shipbob_webhooks.SIGNATURE_HEADER, event.headers or {})

    def test_replay_is_a_duplicate(self):
        with trap_jobs() as trap:
            first = self.post()
            # ShipBob retries with the same webhook-id (a new timestamp)
            self.now += 60
            again = self.post()
            trap.assert_jobs_count(1)
        self.assertEqual(first.json()["status"], "accepted")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["status"], "duplicate")
        self.assertEqual(len(self.events()), 1)

    def test_bad_signatures_store_nothing(self):
        body = json.dumps(BODY).encode()
        other = shipbob_webhooks.new_secret()
        for headers in (
            {
                "webhook-signature": shipbob_webhooks.sign(
                    other, "msg_1", self.now, body
                )
            },
            {"webhook-signature": "v1," + "A" * 43 + "="},
            {"webhook-signature": "garbage"},
            {"webhook-signature": ""},
            {"webhook-id": "msg_2"},
            {"webhook-timestamp": "now"},
        ):
            with self.subTest(headers=headers):
                response = self.post(body=body, headers=headers)
                self.assertEqual(response.status_code, 401)
        tampered = self.shipbob_headers(body, timestamp=self.now)
        response = self.post_body(body + b" ", tampered)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_timestamps_outside_the_window_store_nothing(self):
        body = json.dumps(BODY).encode()
        for moment in (self.now - 301, self.now + 301, self.now - 86400):
            with self.subTest(moment=moment):
                headers = self.shipbob_headers(body, timestamp=moment)
                self.assertEqual(self.post_body(body, headers).status_code, 401)
        self.assertFalse(self.events())
        with trap_jobs():
            headers = self.shipbob_headers(body, timestamp=self.now - 300)
            self.assertEqual(self.post_body(body, headers).status_code, 200)

    def test_oversize_is_refused_before_reading(self):
        self.backend.inbound_max_bytes = 500
        response = self.post({**BODY, "note": "x" * 1000})
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.events())

    def test_malformed_json_is_stored_failed(self):
        response = self.post(body=b'{"topic": "order.shipped", ')
        self.assertEqual(response.status_code, 400)
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertIn("not valid JSON", event.error)

    def test_not_an_object_is_refused(self):
        response = self.post(body=b"[1, 2]")
        self.assertEqual(response.status_code, 400)
        self.assertIn("not an object", response.json()["error"])

    def test_provider_of_another_adapter_refuses(self):
        self.backend.adapter_type = "generic"
        response = self.post()
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.events())

    def test_simulator_webhooks_reach_the_endpoint_and_ship_the_delivery(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 2)])
        self.sim.ship(order.external_id)
        url = self.base_url() + self.intake_route.format(backend=self.backend)
        # the simulator signs with the real clock
        self.now = int(time.time())
        with trap_jobs() as trap:
            delivered = self.sim.deliver(url, session=self.opener)
            self.env.invalidate_all()
            self.env["retail.event"]._retail_dispatch()
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        self.assertEqual(len(delivered), 1)
        self.assertEqual([d.status for d in self.sim.deliveries], [200])
        self.assertEqual(order.odoo_id.state, "done")
        self.assertEqual(order.remote_state, "shipped")

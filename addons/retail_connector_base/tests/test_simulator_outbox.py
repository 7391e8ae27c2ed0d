import json
import threading
import unittest
from datetime import UTC, datetime

import requests

from odoo.addons.retail_connector_base.simulator import (
    ManualClock,
    Outbox,
    Receiver,
    json_body,
    mount,
)

URL = "https://receiver.example.test/hook"


def sign(webhook, route):
    body = json_body(webhook.payload)
    headers = {
        "X-Topic": webhook.topic,
        "X-Event-Id": webhook.event_id,
        "X-Route": str(route),
    }
    return headers, body


class OutboxCase(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.clock = ManualClock(wall=datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC))
        self.receiver = Receiver()
        self.session = mount(requests.Session(), self.receiver)
        self.routes = {}
        self.outbox = Outbox(
            sign,
            routes=lambda webhook: self.routes.get(webhook.topic, []),
            clock=self.clock,
            retry_delay=5,
        )


class TestEmit(OutboxCase):
    def test_emit_keeps_a_copy_with_stable_ids(self):
        payload = {"id": 1, "lines": [{"sku": "A"}]}
        webhook = self.outbox.emit("item/create", payload)
        payload["lines"].append({"sku": "B"})
        self.assertEqual(webhook.payload, {"id": 1, "lines": [{"sku": "A"}]})
        self.assertEqual(self.outbox.pending, [webhook])
        self.assertEqual(webhook.triggered_at, "2026-02-03T04:05:06.000000+00:00")
        self.assertEqual(webhook.attempts, 0)
        other = self.outbox.emit("item/create", payload, event_id="evt-7")
        self.assertEqual(other.event_id, "evt-7")
        self.assertNotEqual(webhook.event_id, other.event_id)
        self.assertNotEqual(webhook.message_id, other.message_id)

    def test_json_body(self):
        self.assertEqual(json_body({"a": "é", "b": [1]}), '{"a":"é","b":[1]}'.encode())
        self.assertEqual(json_body("raw"), b"raw")
        self.assertEqual(json_body(b"\x00"), b"\x00")


class TestDeliver(OutboxCase):
    def test_delivers_signed_to_the_url(self):
        webhook = self.outbox.emit("item/create", {"id": 1})
        delivered = self.outbox.deliver(URL, self.session)
        self.assertEqual(delivered, [webhook])
        self.assertEqual(self.outbox.pending, [])
        (received,) = self.receiver.requests
        self.assertEqual((received.method, received.path), ("POST", "/hook"))
        self.assertEqual(json.loads(received.body), {"id": 1})
        self.assertEqual(received.headers["X-Event-Id"], webhook.event_id)
        self.assertEqual(received.headers["X-Route"], "None")
        self.assertEqual(
            [(d.url, d.topic, d.attempt, d.status) for d in self.outbox.deliveries],
            [(URL, "item/create", 1, 200)],
        )

    def test_failed_delivery_is_retried_later_with_the_same_event(self):
        self.receiver.statuses = [503]
        webhook = self.outbox.emit("item/create", {"id": 1})
        self.assertEqual(self.outbox.deliver(URL, self.session), [])
        self.assertEqual(self.outbox.pending, [webhook])
        self.assertEqual(webhook.attempts, 1)
        self.assertEqual(webhook.next_attempt_at, 1005.0)
        self.assertEqual(self.outbox.due(), [])
        self.assertEqual(self.outbox.deliver(URL, self.session), [])
        self.assertEqual(len(self.receiver.requests), 1)  # not due yet
        self.clock.advance(5)
        self.assertEqual(self.outbox.deliver(URL, self.session), [webhook])
        first, second = self.receiver.requests
        self.assertEqual(first.headers["X-Event-Id"], second.headers["X-Event-Id"])
        self.assertEqual(first.body, second.body)
        self.assertEqual(
            [(d.attempt, d.status) for d in self.outbox.deliveries],
            [(1, 503), (2, 200)],
        )

    def test_force_ignores_the_retry_delay(self):
        self.receiver.statuses = [500]
        self.outbox.emit("item/create", {"id": 1})
        self.outbox.deliver(URL, self.session)
        self.assertEqual(len(self.outbox.due(force=True)), 1)
        self.assertEqual(len(self.outbox.deliver(URL, self.session, force=True)), 1)

    def test_unreachable_receiver_is_logged_and_retried(self):
        self.outbox.emit("item/create", {"id": 1})
        self.outbox.deliver("https://elsewhere.example.test/hook", self.session)
        (delivery,) = self.outbox.deliveries
        self.assertIsNone(delivery.status)
        self.assertIn("ConnectionError", delivery.error)
        self.assertEqual(self.outbox.pending[0].attempts, 1)

    def test_routes_each_get_it_and_all_must_accept(self):
        self.routes["item/create"] = [
            (URL, "sub-1"),
            ("https://receiver.example.test/other", "sub-2"),
        ]
        self.receiver.statuses = [200, 500, 200, 200]
        webhook = self.outbox.emit("item/create", {"id": 1})
        self.assertEqual(self.outbox.deliver(session=self.session), [])
        self.clock.advance(5)
        self.assertEqual(self.outbox.deliver(session=self.session), [webhook])
        self.assertEqual(
            [(r.path, r.headers["X-Route"]) for r in self.receiver.requests],
            [("/hook", "sub-1"), ("/other", "sub-2")] * 2,
        )

    def test_webhook_without_route_is_dropped(self):
        webhook = self.outbox.emit("item/delete", {"id": 1})
        self.assertEqual(self.outbox.deliver(session=self.session), [webhook])
        self.assertEqual(self.outbox.pending, [])
        self.assertEqual(self.receiver.requests, [])

    def test_lock_is_not_held_while_posting(self):
        lock = threading.RLock()
        seen = []

        def sign_checking_lock(webhook, route):
            acquired = []

            def probe():
                got = lock.acquire(timeout=1)
                if got:
                    lock.release()
                acquired.append(got)

            thread = threading.Thread(target=probe)
            thread.start()
            thread.join()
            seen.append(acquired[0])
            return sign(webhook, route)

        outbox = Outbox(sign_checking_lock, clock=self.clock, lock=lock)
        outbox.emit("item/create", {"id": 1})
        outbox.deliver(URL, self.session)
        self.assertEqual(seen, [True])

import threading
import time
import unittest

import requests
from werkzeug.wrappers import Response

from odoo.addons.retail_connector_base.simulator import Receiver, json_body, run, serve
from odoo.addons.retail_connector_base.simulator.server import (
    deliver_forever,
    is_loopback,
)


class TestServe(unittest.TestCase):
    def serve(self, simulator, **options):
        server, base_url = serve(simulator, **options)
        self.addCleanup(server.shutdown)
        return base_url

    def test_loopback_only(self):
        for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
            self.assertTrue(is_loopback(host), host)
        for host in ("0.0.0.0", "10.0.0.1", "example.com", ""):
            self.assertFalse(is_loopback(host), host)
        with self.assertRaises(ValueError):
            serve(Receiver(), host="0.0.0.0")

    def test_requests_over_http_reach_the_simulator(self):
        receiver = Receiver([202])
        base_url = self.serve(receiver)
        self.assertTrue(base_url.startswith("http://127.0.0.1:"))
        self.assertEqual(receiver.base_url, base_url)
        response = requests.post(
            f"{base_url}/hook?x=1", data=b"payload", headers={"X-A": "b"}, timeout=5
        )
        self.assertEqual(response.status_code, 202)
        (received,) = receiver.requests
        self.assertEqual((received.method, received.path), ("POST", "/hook?x=1"))
        self.assertEqual((received.body, received.headers["X-A"]), (b"payload", "b"))

    def test_routes_answer_first(self):
        receiver = Receiver()

        def routes(request):
            if request.path == "/own":
                return Response("mine", status=418)
            return None

        base_url = self.serve(receiver, routes=routes)
        self.assertEqual(requests.get(f"{base_url}/own", timeout=5).status_code, 418)
        self.assertEqual(requests.get(f"{base_url}/sim", timeout=5).status_code, 200)
        self.assertEqual([r.path for r in receiver.requests], ["/sim"])

    def test_timeout_holds_the_request(self):
        receiver = Receiver()
        base_url = self.serve(receiver)
        receiver.time_out_next(2, delay=0.3)
        with self.assertRaises(requests.exceptions.ReadTimeout):
            requests.get(f"{base_url}/slow", timeout=(2, 0.05))
        started = time.monotonic()
        response = requests.get(f"{base_url}/slow", timeout=5)
        self.assertEqual(response.status_code, 504)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)


class Sent:
    def __init__(self, topic):
        self.topic, self.event_id = topic, f"{topic}-1"


class Recorder:
    """A logger that keeps ``(level, message)`` pairs."""

    def __init__(self):
        self.records = []

    def info(self, message, *args):
        self.records.append(("INFO", message % args))

    def exception(self, message, *args):
        self.records.append(("ERROR", message % args))


class Sender(Receiver):
    """A simulator with webhooks to send, signed with nothing."""

    def _sign_webhook(self, webhook, route):
        return {"X-Topic": webhook.topic}, json_body(webhook.payload)


class TestDeliveryLoop(unittest.TestCase):
    def test_delivers_until_stopped_and_survives_failures(self):
        stop = threading.Event()
        calls = []
        logger = Recorder()

        def deliver(url):
            calls.append(url)
            if len(calls) == 1:
                raise RuntimeError("receiver down")
            if len(calls) == 3:
                stop.set()
            return [Sent("item/create")]

        deliver_forever(deliver, "http://x", 0.001, stop, logger=logger)
        self.assertEqual(calls, ["http://x"] * 3)
        self.assertEqual(
            logger.records,
            [
                ("ERROR", "webhook delivery failed"),
                ("INFO", "delivered item/create (event item/create-1)"),
                ("INFO", "delivered item/create (event item/create-1)"),
            ],
        )

    def test_run_serves_and_delivers_until_stopped(self):
        receiver = Receiver()
        server, receiver_url = serve(receiver)
        self.addCleanup(server.shutdown)
        sender = Sender(base_url="https://sender.example.test")
        sender._emit("item/create", {"id": 1})
        stop = threading.Event()
        logger = Recorder()
        thread = threading.Thread(
            target=run,
            args=(sender, "127.0.0.1", 0, f"{receiver_url}/hook", 0.01),
            kwargs={
                "stop": stop,
                "banner": lambda url: f"sender on {url}",
                "logger": logger,
            },
        )
        thread.start()
        deadline = time.monotonic() + 5
        while sender.outbox and time.monotonic() < deadline:
            time.sleep(0.01)
        served = requests.get(f"{sender.base_url}/ping", timeout=5)
        stop.set()
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertEqual(served.status_code, 200)
        self.assertEqual(sender.outbox, [])
        self.assertEqual([r.path for r in receiver.requests], ["/hook"])
        self.assertEqual(receiver.requests[0].headers["X-Topic"], "item/create")
        self.assertEqual(logger.records[0], ("INFO", f"sender on {sender.base_url}"))
        self.assertIn(
            ("INFO", "delivered item/create"),
            [(level, message.split(" (")[0]) for level, message in logger.records],
        )

import io
import unittest

import requests
from requests.adapters import HTTPAdapter

from odoo.addons.retail_connector_base.simulator import (
    Receiver,
    SimulatorAdapter,
    intercept,
    mount,
)

URL = "https://receiver.example.test"


class TestSimulatorAdapter(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.receiver = Receiver([201])
        self.session = requests.Session()
        self.session.mount(URL, SimulatorAdapter(self.receiver))

    def test_request_reaches_the_simulator_in_process(self):
        response = self.session.put(
            f"{URL}/items/7?dry=1",
            json={"name": "Mug"},
            headers={"X-Key": "k"},
            timeout=5,
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.reason, "Created")
        self.assertEqual(response.json(), {})
        self.assertEqual(response.headers["content-type"], "application/json")
        (received,) = self.receiver.requests
        self.assertEqual((received.method, received.path), ("PUT", "/items/7?dry=1"))
        self.assertEqual(received.body, b'{"name": "Mug"}')
        self.assertEqual(received.headers["X-Key"], "k")
        self.assertEqual(self.receiver.calls[-1].path, "/items/7?dry=1")

    def test_bodies_of_every_kind(self):
        def chunks():
            yield b"a"
            yield "b"

        for body, expected in (
            ("text", b"text"),
            (b"\x00\x01", b"\x00\x01"),
            (io.BytesIO(b"file"), b"file"),
            (chunks(), b"ab"),
            (None, b""),
        ):
            with self.subTest(expected=expected):
                self.session.post(f"{URL}/in", data=body, timeout=5)
                self.assertEqual(self.receiver.requests[-1].body, expected)

    def test_other_hosts_are_unknown(self):
        session = requests.Session()
        session.mount("https://", SimulatorAdapter(self.receiver))
        with self.assertRaises(requests.ConnectionError) as caught:
            session.get("https://elsewhere.example.test/", timeout=5)
        self.assertIn("receiver.example.test only", str(caught.exception))
        self.assertEqual(self.receiver.requests, [])

    def test_timeout_shorter_than_the_delay_times_out(self):
        self.receiver.time_out_next(3, delay=10)
        with self.assertRaises(requests.exceptions.ReadTimeout):
            self.session.get(f"{URL}/slow", timeout=(1, 2))
        # a client that waits longer gets the late answer
        self.assertEqual(self.session.get(f"{URL}/slow", timeout=30).status_code, 504)
        self.assertEqual(self.session.get(f"{URL}/slow").status_code, 504)
        self.assertEqual(
            [c.outcome for c in self.receiver.calls], ["injected_failure"] * 3
        )

    def test_injected_status_reaches_the_client(self):
        self.receiver.throttle_next(1, retry_after=30)
        response = self.session.get(f"{URL}/busy", timeout=5)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.headers["Retry-After"], "30")


class TestMount(unittest.TestCase):
    def test_mounts_the_hosts_and_the_base_url(self):
        receiver = Receiver(base_url="http://127.0.0.1:8999")
        receiver.hosts = ("shop.example.test",)
        session = mount(requests.Session(), receiver)
        for url in ("https://shop.example.test/x", "http://127.0.0.1:8999/x"):
            with self.subTest(url=url):
                self.assertIsInstance(session.get_adapter(url), SimulatorAdapter)
        # another server on the same host is not the simulator
        self.assertIsInstance(
            session.get_adapter("http://127.0.0.1:8069/web"), HTTPAdapter
        )
        self.assertEqual(session.get("http://127.0.0.1:8999/x").status_code, 200)

    def test_intercept_routes_the_sessions_created_inside(self):
        receiver = Receiver()
        before = requests.Session()
        with intercept(receiver):
            inside = requests.Session()
            self.assertEqual(inside.get(f"{URL}/a", timeout=5).status_code, 200)
        after = requests.Session()
        for session in (before, after):
            self.assertIsInstance(session.get_adapter(f"{URL}/a"), HTTPAdapter)
        self.assertEqual([r.path for r in receiver.requests], ["/a"])

import threading
import unittest
from dataclasses import dataclass

import requests

from odoo.addons.retail_connector_base.simulator import (
    Fault,
    ManualClock,
    Receiver,
    SimulatedTimeout,
    Simulator,
    json_body,
    locked,
    mount,
)


@dataclass(frozen=True)
class Reset(Fault):
    """A fault of the counter's own kind: the counter is found at zero."""

    status: int | None = 200

    @property
    def fails_call(self):
        return False


class Counter(Simulator):
    """A remote with one counter: GET reads it, POST adds one and notifies."""

    name = "Counter"

    def __init__(self, **options):
        super().__init__("https://counter.example.test", **options)
        self.value = 0
        self.subscribers = []
        self.seen_lock = []

    def _handle(self, method, path, headers, body):
        self.seen_lock.append(self._lock._is_owned())
        fault = self._take_fault(method=method, path=path)
        if fault is not None:
            return fault.status, fault.headers(), b""
        if method == "POST":
            self.increment()
        self.calls.record(method=method, path=path, status=200, outcome="ok")
        return 200, {}, str(self.value).encode()

    @locked
    def increment(self):
        """Add one, as a person would in the remote's screens."""
        self.seen_lock.append(self._lock._is_owned())
        self.value += 1
        self._emit("counter/update", {"value": self.value})

    def _sign_webhook(self, webhook, route):
        return {"X-Route": route}, json_body(webhook.payload)

    def _webhook_routes(self, webhook):
        return [(url, f"sub-{i}") for i, url in enumerate(self.subscribers)]


class Silent(Simulator):
    """A simulator that answers nothing and sends nothing."""


class TestSimulator(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.clock = ManualClock()
        self.sim = Counter(clock=self.clock)

    def test_handle_holds_the_lock_and_normalises_the_request(self):
        status, _headers, body = self.sim.handle("post", "/count", None, None)
        self.assertEqual((status, body), (200, b"1"))
        self.assertEqual(self.sim.seen_lock, [True, True])
        self.assertEqual(
            [(c.method, c.path, c.at) for c in self.sim.calls],
            [("POST", "/count", 1000.0)],
        )

    def test_request_ids_received_are_logged_in_order(self):
        self.sim.handle("POST", "/count", {"x-request-id": "0123456789abcdef"}, b"")
        self.sim.handle("POST", "/count", {"Accept": "application/json"}, b"")
        self.sim.handle("POST", "/count", {"X-Request-Id": "fedcba9876543210"}, b"")
        self.assertEqual(
            self.sim.request_ids, ["0123456789abcdef", None, "fedcba9876543210"]
        )

    def test_locked_methods_wait_for_each_other(self):
        order = []
        self.sim._lock.acquire()
        thread = threading.Thread(target=lambda: order.append(self.sim.increment()))
        thread.start()
        thread.join(0.1)
        self.assertEqual(order, [])  # blocked while another holds the lock
        self.sim._lock.release()
        thread.join(5)
        self.assertEqual((order, self.sim.value), ([None], 1))
        self.assertEqual(Counter.increment.__doc__.split(",")[0], "Add one")

    def test_hosts_follow_the_base_url(self):
        self.assertEqual(self.sim.hosts, ("counter.example.test",))
        sim = Counter(hosts=("a.example.test", "b.example.test"))
        self.assertEqual(sim.hosts, ("a.example.test", "b.example.test"))

    def test_faults_are_taken_and_logged(self):
        self.sim.fail_next(1, 500)
        self.sim.throttle_next(1, retry_after=7)
        self.sim.time_out_next(1, delay=3)
        self.assertEqual(self.sim.handle("GET", "/", {}, b"")[0], 500)
        status, headers, _body = self.sim.handle("GET", "/", {}, b"")
        self.assertEqual((status, headers), (429, {"Retry-After": "7"}))
        with self.assertRaises(SimulatedTimeout):
            self.sim.handle("GET", "/", {}, b"")
        self.assertEqual(self.sim.handle("GET", "/", {}, b"")[0], 200)
        self.assertEqual(
            [(c.status, c.outcome) for c in self.sim.calls],
            [
                (500, "injected_failure"),
                (429, "injected_failure"),
                (None, "injected_failure"),
                (200, "ok"),
            ],
        )

    def test_a_fault_of_its_own_kind_is_returned_unlogged(self):
        self.sim.faults.add_next(1, Reset())
        self.sim.fail_next(1, 503)
        self.assertEqual(self.sim._take_fault(method="GET", path="/"), Reset())
        self.assertEqual(len(self.sim.calls), 0)
        self.assertEqual(self.sim._take_fault(method="GET", path="/"), Fault(503, 1))
        self.assertEqual(
            [(c.status, c.outcome) for c in self.sim.calls],
            [(503, "injected_failure")],
        )

    def test_outbox_delivers_to_the_routes_with_retries(self):
        receiver = Receiver([500])
        session = mount(requests.Session(), receiver)
        self.sim.subscribers = [f"{receiver.base_url}/hook"]
        self.sim.increment()
        self.assertEqual([w.payload for w in self.sim.outbox], [{"value": 1}])
        self.assertEqual(self.sim.deliver(session=session), [])
        self.clock.advance(5)
        (webhook,) = self.sim.deliver(session=session)
        self.assertEqual(webhook.topic, "counter/update")
        self.assertEqual(self.sim.outbox, [])
        self.assertEqual([d.status for d in self.sim.deliveries], [500, 200])
        self.assertEqual(receiver.requests[-1].headers["X-Route"], "sub-0")

    def test_a_simulator_must_answer_and_sign_itself(self):
        sim = Silent("https://silent.example.test")
        with self.assertRaises(NotImplementedError):
            sim.handle("GET", "/", {}, b"")
        sim._emit("x/y", {})
        with self.assertRaises(NotImplementedError):
            sim.deliver("https://receiver.example.test/hook")
        pending = list(sim.outbox)
        self.assertEqual(sim.deliver(), pending)  # no route: dropped
        self.assertEqual(sim.outbox, [])

"""What every connector's simulator of its remote system is built on.

Plain Python (no ORM): tests, benchmarks and demos run a connector against
an in-memory copy of the remote it talks to, never against the network.

Modules:

- :mod:`.base`: :class:`Simulator`, the base class (lock, clock, call log,
  faults, outbox) and :func:`locked` for its public methods;
- :mod:`.clock`: :class:`ManualClock`, a clock tests move by hand, and
  :func:`wall_time`;
- :mod:`.calls`: :class:`CallLog` of :class:`Call` records, every request
  answered;
- :mod:`.faults`: :class:`Faults`, the next calls answer 429 with
  Retry-After, 5xx or time out (:class:`SimulatedTimeout`);
- :mod:`.outbox`: :class:`Outbox` of :class:`Webhook` deliveries, with
  retries and a signing hook;
- :mod:`.adapter`: :class:`SimulatorAdapter`, a ``requests`` transport
  adapter answering a session's calls in process (:func:`mount`,
  :func:`intercept`);
- :mod:`.server`: :func:`serve` on loopback only, :func:`run` for a demo's
  command line;
- :mod:`.receiver`: :class:`Receiver`, a webhook receiver for tests that
  answers the statuses it is given and keeps the requests.

How a connector builds its simulator (``<connector>/simulator/``)::

    from odoo.addons.retail_connector_base.simulator import (
        Simulator, json_body, locked,
    )

    class FeedSimulator(Simulator):
        name = "Feed"

        def __init__(self, token, secret, clock=time.monotonic):
            super().__init__("https://feed.example.com", clock=clock)
            self.token, self.secret = token, secret
            self.items = {}

        def _handle(self, method, path, headers, body):
            # under the lock: authenticate, then let an injected fault
            # answer, then answer like the real remote, logging the call
            if headers.get("Authorization") != f"Bearer {self.token}":
                self.calls.record(method=method, path=path, status=401,
                                  outcome="unauthorized")
                return 401, {}, b'{"error": "unauthorized"}'
            fault = self._take_fault(method=method, path=path)
            if fault is not None:
                return fault.status, fault.headers(), b"{}"
            ...

        @locked
        def change_item(self, key, value):
            # what a person does in the remote's own screens
            self.items[key] = value
            self._emit("item/update", {"key": key, "value": value})

        def _sign_webhook(self, webhook, route):
            body = json_body(webhook.payload)
            signature = hmac_sha256_digest(self.secret, body)
            return {"X-Feed-Signature": signature,
                    "X-Feed-Event-Id": webhook.event_id}, body

        def _webhook_routes(self, webhook):
            return [(url, None) for url in self.subscribers]

Then, in tests, route a client's session to it (``mount(session, sim)``, or
``with intercept(sim):`` for a client that opens its own sessions), inject
failures (``sim.fail_next(2, 503)``, ``sim.throttle_next(1, retry_after=30)``,
``sim.time_out_next()``), read ``sim.calls`` and push ``sim.deliver(url)``
to the connector's webhook endpoint (in an ``HttpCase``, through the test's
own session: ``sim.deliver(url, session=self.opener)``); a demo serves it
with :func:`serve` or :func:`run`. ``retail_connector_test/simulator/`` is
the smallest complete example, ``retail_shopify/simulator/`` the largest.
"""

from .adapter import SimulatorAdapter, intercept, mount
from .base import Simulator, locked
from .calls import Call, CallLog
from .clock import ManualClock, wall_time
from .faults import Fault, Faults, SimulatedTimeout
from .outbox import Delivery, Outbox, Webhook, json_body
from .receiver import Received, Receiver
from .server import run, serve

__all__ = [
    "Call",
    "CallLog",
    "Delivery",
    "Fault",
    "Faults",
    "ManualClock",
    "Outbox",
    "Received",
    "Receiver",
    "SimulatedTimeout",
    "Simulator",
    "SimulatorAdapter",
    "Webhook",
    "intercept",
    "json_body",
    "locked",
    "mount",
    "run",
    "serve",
    "wall_time",
]

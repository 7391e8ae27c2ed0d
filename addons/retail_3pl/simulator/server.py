"""Serve a :class:`GenericProviderSimulator` on loopback: the demo's 3PL.

``python3 -m odoo.addons.retail_3pl.simulator.server --webhook-url URL``
runs a provider warehouse answering the generic contract under
``http://127.0.0.1:8998/v1`` (``--port``), with the API token and signing
secret of the demo provider (``--token``, ``--secret``; ``make demo`` passes
those the demo database made). Each fulfilment order it accepts is picked
and shipped ``--ship-after`` seconds later (30 by default) by
:class:`DemoWarehouse`: an order of several lines leaves in two parcels, one
shipment confirmation each (the first not final, Odoo keeps the rest in a
backorder), an order of one line in one parcel. The signed messages are
POSTed every few seconds to ``--webhook-url``, the provider's message
endpoint in Odoo (``/retail/3pl/v1/providers/<id>/messages``), and sent
again while Odoo does not acknowledge them.

Besides the contract it answers, for the demo only (same bearer token):
``GET /simulator/demo/state``, the orders it holds (status, lines, what
shipped, tracking numbers) and the messages not delivered yet.
"""

import argparse
import hmac
import json
import logging
import secrets
import threading
import time

from werkzeug.wrappers import Response

from odoo.addons.retail_connector_base import simulator as base

from .generic_provider import GenericProviderSimulator

_logger = logging.getLogger(__name__)

DEMO_PORT = 8998
DEMO_WAREHOUSE_CODE = "3PLE"
#: seconds between accepting a fulfilment order and shipping it
SHIP_AFTER = 30.0
#: seconds between two looks at the orders to ship
TICK_EVERY = 1.0


def _tracking_number():
    """A UPS-like tracking number no earlier run gave."""
    return f"1ZDEMO{secrets.randbelow(10**10):010d}"


class DemoWarehouse:
    """Picks and ships what the simulator accepted, after a delay.

    :meth:`tick` ships every order accepted at least ``ship_after`` seconds
    earlier on ``clock`` (an order is seen accepted at the first tick after
    the request); the confirmations wait in the simulator's outbox. Orders
    cancelled meanwhile are not shipped.
    """

    def __init__(
        self,
        sim,
        ship_after=SHIP_AFTER,
        *,
        clock=time.monotonic,
        carrier="UPS",
        service="Ground",
        tracking_number=_tracking_number,
    ):
        self.sim = sim
        self.ship_after = float(ship_after)
        self.clock = clock
        self.carrier = carrier
        self.service = service
        self.tracking_number = tracking_number
        #: order_ref -> clock reading when the order was first seen accepted
        self.accepted_at = {}

    def tick(self):
        """Ship the orders whose time has come; return the messages sent."""
        now = self.clock()
        with self.sim._lock:
            accepted = [
                ref
                for ref, order in self.sim.orders.items()
                if order["status"] == "accepted"
            ]
        messages = []
        for ref in accepted:
            seen = self.accepted_at.setdefault(ref, now)
            if now - seen >= self.ship_after:
                messages.extend(self.ship(ref))
        return messages

    def parcels(self, order):
        """What is left of ``order`` in one parcel, or two when it has
        several lines: ``[[{"line_ref", "qty"}]]``."""
        lines = [
            {
                "line_ref": line["line_ref"],
                "qty": line["qty"] - order["shipped"].get(line["line_ref"], 0),
            }
            for line in order["order"]["lines"]
        ]
        lines = [line for line in lines if line["qty"] > 0]
        if len(lines) < 2:
            return [lines] if lines else []
        half = len(lines) // 2
        return [lines[:half], lines[half:]]

    def ship(self, order_ref):
        """Pick ``order_ref`` and ship it; return the messages sent."""
        self.sim.pick(order_ref)
        parcels = self.parcels(self.sim.order(order_ref))
        messages = []
        for number, lines in enumerate(parcels, start=1):
            message = self.sim.ship(
                order_ref,
                [{"tracking_number": self.tracking_number(), "lines": lines}],
                final=number == len(parcels),
                carrier=self.carrier,
                service=self.service,
            )
            numbers = [p["tracking_number"] for p in message["payload"]["packages"]]
            _logger.info(
                "shipped %s parcel %s/%s with %s %s",
                order_ref,
                number,
                len(parcels),
                self.carrier,
                ", ".join(numbers),
            )
            messages.append(message)
        return messages


def ship_forever(warehouse, stop, interval=TICK_EVERY, logger=_logger):
    """:meth:`DemoWarehouse.tick` every ``interval`` seconds until ``stop``."""
    while not stop.wait(interval):
        try:
            warehouse.tick()
        except Exception:  # a demo loop must survive any problem of an order
            logger.exception("shipping failed")


def _json(payload, status=200):
    return Response(
        json.dumps(payload, default=str), status=status, mimetype="application/json"
    )


def demo_state(sim):
    """The orders the provider holds and the messages not delivered yet."""
    with sim._lock:
        return {
            "orders": [
                {
                    "order_ref": ref,
                    "status": order["status"],
                    "lines": [
                        {"sku": line["sku"], "qty": line["qty"]}
                        for line in order["order"]["lines"]
                    ],
                    "shipped": order["shipped"],
                }
                for ref, order in sim.orders.items()
            ],
            "outbox": [
                {
                    "type": w.topic,
                    "message_id": w.event_id,
                    "order_ref": w.payload["payload"].get("order_ref"),
                    "tracking": [
                        p.get("tracking_number")
                        for p in w.payload["payload"].get("packages", [])
                    ],
                    "attempts": w.attempts,
                }
                for w in sim.outbox
            ],
        }


def demo_routes(sim):
    """The demo's own page (same bearer token as the contract)."""

    def routes(request):
        if not request.path.startswith("/simulator/demo/"):
            return None
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {sim.token}".encode()):
            return _json({"error": "invalid token"}, status=401)
        if request.path == "/simulator/demo/state" and request.method == "GET":
            return _json(demo_state(sim))
        return _json({"error": "not found"}, status=404)

    return routes


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Serve a demo 3PL warehouse (generic contract simulator) "
        "that ships what it accepts after a delay."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address")
    parser.add_argument("--port", type=int, default=DEMO_PORT)
    parser.add_argument("--token", required=True, help="the provider's API token")
    parser.add_argument("--secret", required=True, help="the signing secret")
    parser.add_argument(
        "--webhook-url", required=True, help="Odoo's message endpoint of the provider"
    )
    parser.add_argument("--warehouse-code", default=DEMO_WAREHOUSE_CODE)
    parser.add_argument(
        "--ship-after",
        type=float,
        default=SHIP_AFTER,
        help="seconds between accepting an order and shipping it",
    )
    parser.add_argument(
        "--deliver-every", type=float, default=2.0, help="seconds between deliveries"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    sim = GenericProviderSimulator(
        args.token,
        args.secret,
        base_url=f"http://{args.host}:{args.port}/v1",
        warehouse_code=args.warehouse_code,
    )
    stop = threading.Event()
    shipper = threading.Thread(
        target=ship_forever,
        args=(DemoWarehouse(sim, args.ship_after), stop),
        name="3pl-simulator-shipping",
        daemon=True,
    )
    shipper.start()
    base.run(
        sim,
        args.host,
        args.port,
        args.webhook_url,
        args.deliver_every,
        routes=demo_routes(sim),
        banner=lambda base_url: (
            f"3PL simulator (warehouse {sim.warehouse_code}) on {base_url}/v1, "
            f"shipping {args.ship_after:g} s after accepting"
        ),
        logger=_logger,
        stop=stop,
    )


if __name__ == "__main__":
    main()

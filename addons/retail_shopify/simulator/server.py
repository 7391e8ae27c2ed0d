"""Serve a :class:`ShopifySimulator` over HTTP on the loopback interface.

``serve(sim)`` runs a werkzeug server in a daemon thread (tests, demo), on
the base's :func:`~odoo.addons.retail_connector_base.simulator.serve`. Run
``python3 -m odoo.addons.retail_shopify.simulator.server --port 8999`` for a
demo store with a few locations, products and stock; its token and client
secret are those of the demo backend. Besides the Admin API it answers, for
the demo only (same access token header):

- ``POST /simulator/demo/orders``: place an order of one or two demo products
  (JSON body ``{"lines": [{"sku": ..., "quantity": ...}]}`` optional);
- ``GET /simulator/demo/state``: locations, stock, orders and pending webhooks.

Pending webhooks are POSTed every few seconds to ``--webhook-url`` when given,
else to the store's webhook subscriptions.
"""

import argparse
import hmac
import json
import logging
import random
import time

from werkzeug.wrappers import Response

from odoo.addons.retail_connector_base import simulator as base

from .shopify import ShopifySimulator

_logger = logging.getLogger(__name__)

DEMO_DOMAIN = "retail-demo.myshopify.com"
DEMO_TOKEN = "shpat_demo_simulator_token"
DEMO_SECRET = "demo-simulator-client-secret"
DEMO_PRODUCTS = (
    (
        "Canvas tote bag",
        [{"sku": "TOTE-NAT", "barcode": "0012345000017", "price": "24.00"}],
    ),
    (
        "Merino beanie",
        [
            {
                "sku": "BEANIE-GRY",
                "barcode": "0012345000024",
                "price": "32.00",
                "option": "Grey",
            },
            {
                "sku": "BEANIE-NVY",
                "barcode": "0012345000031",
                "price": "32.00",
                "option": "Navy",
            },
        ],
    ),
    ("Ceramic mug", [{"sku": "MUG-WHT", "barcode": "0012345000048", "price": "14.50"}]),
    (
        "Linen apron",
        [{"sku": "APRON-SND", "barcode": "0012345000055", "price": "39.00"}],
    ),
)


def _json(payload, status=200):
    return Response(
        json.dumps(payload, default=str), status=status, mimetype="application/json"
    )


def _demo_state(sim):
    with sim._lock:
        return {
            "shop": sim.shop_domain,
            "locations": [
                {"id": loc["id"], "name": loc["name"]} for loc in sim.locations.values()
            ],
            "stock": [
                {
                    "sku": level["item"]["variant"]["sku"],
                    "location": level["location"]["name"],
                    "available": level["_q"]["available"],
                    "committed": level["_q"]["committed"],
                }
                for level in sim.levels.values()
            ],
            "orders": [
                {
                    "id": order["id"],
                    "name": order["name"],
                    "financial_status": order["_financial_status"],
                    "fulfillment_status": sim._fulfillment_status(order),
                    "fulfillments": [
                        {
                            "name": record["name"],
                            "tracking": [t.get("number") for t in record["_tracking"]],
                            "carrier": [t.get("company") for t in record["_tracking"]],
                        }
                        for record in order["_fulfillments"]
                    ],
                    "updated_at": order["updatedAt"],
                }
                for order in sim.orders.values()
            ],
            "outbox": [
                {"topic": w.topic, "event_id": w.event_id, "attempts": w.attempts}
                for w in sim.outbox
            ],
            "webhook_subscriptions": [
                {"topic": s["topic"], "uri": s["uri"]}
                for s in sim.webhook_subscriptions.values()
            ],
        }


def _demo_order(sim, request):
    payload = request.get_json(silent=True) or {}
    lines = payload.get("lines")
    if not lines:
        skus = [v["sku"] for v in sim.variants.values() if v["sku"]]
        picked = random.sample(skus, k=min(len(skus), random.randint(1, 2)))
        lines = [{"sku": sku, "quantity": random.randint(1, 3)} for sku in picked]
    try:
        order = sim.create_order(
            lines,
            shipping={"title": "Standard", "price": "5.00"},
            tax_lines=[{"title": "NY State Tax", "rate": "0.04"}],
        )
    except (KeyError, ValueError) as exc:
        return _json({"error": str(exc)}, status=400)
    return _json(order, status=201)


def demo_routes(sim):
    """The demo's own pages (same access token header as the Admin API)."""

    def routes(request):
        if not request.path.startswith("/simulator/demo/"):
            return None
        token = request.headers.get("X-Shopify-Access-Token", "")
        if not hmac.compare_digest(token.encode(), sim.access_token.encode()):
            return _json({"errors": "unauthorized"}, status=401)
        if request.path == "/simulator/demo/state" and request.method == "GET":
            return _json(_demo_state(sim))
        if request.path == "/simulator/demo/orders" and request.method == "POST":
            return _demo_order(sim, request)
        return _json({"errors": "Not Found"}, status=404)

    return routes


def serve(sim, host="127.0.0.1", port=0):
    """Serve ``sim`` on ``host:port`` (loopback only) in a daemon thread.

    Returns ``(server, base_url)``; stop with ``server.shutdown()``. The
    simulator's ``base_url`` becomes the served URL (bulk operation files
    are linked there). The demo's pages are served too.
    """
    return base.serve(sim, host, port, routes=demo_routes(sim))


def demo_simulator(**kwargs):
    """A simulator holding the demo store: 2 locations, 5 variants in stock."""
    options = {
        "shop_domain": DEMO_DOMAIN,
        "access_token": DEMO_TOKEN,
        "client_secret": DEMO_SECRET,
        "shop_name": "Retail Demo",
    }
    options.update(kwargs)
    sim = ShopifySimulator(**options)
    warehouse = sim.add_location("Main warehouse")
    store = sim.add_location(
        "Brooklyn store",
        address={"address1": "100 Atlantic Avenue", "city": "Brooklyn", "zip": "11201"},
    )
    for index, (title, variants) in enumerate(DEMO_PRODUCTS):
        product = sim.add_product(title, variants)
        for position, variant in enumerate(product["variants"]):
            item = variant["inventoryItem"]["id"]
            sim.set_available(item, warehouse, 20 + 5 * index + position)
            sim.set_available(item, store, 3 + index)
    # the catalogue keeps its ids from one start to the next (the demo
    # database is bound to them); orders get ids no earlier start used
    now = int(time.time())
    sim.renumber(first_id=now * 100_000, first_order_number=1 + now // 60 % 900_000)
    return sim


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Serve a demo Shopify store (Admin GraphQL API simulator)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address")
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--domain", default=DEMO_DOMAIN)
    parser.add_argument("--token", default=DEMO_TOKEN)
    parser.add_argument("--secret", default=DEMO_SECRET)
    parser.add_argument(
        "--webhook-url",
        help="POST every webhook there (default: to the webhook subscriptions)",
    )
    parser.add_argument(
        "--deliver-every", type=float, default=2.0, help="seconds between deliveries"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    sim = demo_simulator(
        shop_domain=args.domain, access_token=args.token, client_secret=args.secret
    )
    base.run(
        sim,
        args.host,
        args.port,
        args.webhook_url,
        args.deliver_every,
        routes=demo_routes(sim),
        banner=lambda base_url: (
            f"Shopify simulator for {sim.shop_domain} on {base_url} "
            f"(API {sim.api_version})"
        ),
        logger=_logger,
    )


if __name__ == "__main__":
    main()

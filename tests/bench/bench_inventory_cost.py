"""GraphQL calls and query cost per 1,000 stock changes (Shopify).

Installs the connector on a benchmark database, links N products to a
simulated Shopify store, applies 1,000 stock changes in Odoo and lets the
connector publish them; the baseline sends one ``inventorySetQuantities``
per stock change, as a push-per-change integration does, through the same
client against the same simulator, in the same run. Nothing is committed.

    python3 tests/bench/bench_inventory_cost.py [--products 50] [--changes 1000]
"""

import argparse
import shutil
import sys
import tempfile
from unittest.mock import patch

from benchlib import drop, install_shopify, open_registry

SHOP = "bench-stock.myshopify.com"


def run(env, products_count, changes):
    import requests  # noqa: PLC0415

    from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: PLC0415
    from odoo.addons.retail_connector_base.simulator import (  # noqa: PLC0415
        SimulatorAdapter,
    )
    from odoo.addons.retail_shopify.simulator.shopify import (  # noqa: PLC0415
        ShopifySimulator,
    )

    sim = ShopifySimulator(shop_domain=SHOP, access_token="t", client_secret="s")

    def session(backend):
        http = requests.Session()
        http.mount(f"https://{SHOP}", SimulatorAdapter(sim))
        return http

    Backend = env["shopify.backend"]
    with patch.object(type(Backend), "_shopify_session", session), trap_jobs():
        location = sim.add_location("Main")
        warehouse = env["stock.warehouse"].search([], limit=1)
        backend = Backend.create(
            {
                "name": "Bench",
                "shop_domain": SHOP,
                "access_token": "t",
                "state": "active",
                "location_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Main",
                            "external_id": location,
                            "warehouse_id": warehouse.id,
                        },
                    )
                ],
            }
        )
        skus = [f"BENCH-{i:04d}" for i in range(products_count)]
        products = env["product.product"].create(
            [
                {"name": sku, "default_code": sku, "type": "consu", "is_storable": True}
                for sku in skus
            ]
        )
        for sku in skus:
            sim.add_product(sku, variants=[{"sku": sku, "price": "10"}])
            sim.set_available(sku, location, 0)
        gid = backend._shopify_link_products_start()
        sim.complete_bulk_operations()
        backend._shopify_link_products_collect(gid)
        Quant = env["stock.quant"].with_context(inventory_mode=True)
        stock_location = warehouse.lot_stock_id
        client = backend._shopify_client()
        # baseline: one call per stock change
        start_calls = len(sim.calls)
        for n in range(changes):
            product = products[n % products_count]
            item = (
                backend.env["shopify.product.variant"]
                .search([("odoo_id", "=", product.id)])
                .inventory_item_gid
            )
            current = sim.available(item, location)
            client.mutate(
                "InventorySetQuantities",
                {
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "quantities": [
                            {
                                "inventoryItemId": item,
                                "locationId": location,
                                "quantity": current + 1,
                                "changeFromQuantity": current,
                            }
                        ],
                    },
                    "idempotencyKey": f"baseline-{n}",
                },
                result_key="inventorySetQuantities",
            )
        baseline_calls = sim.calls[start_calls:]
        # the connector: the same 1,000 changes made in Odoo, then published
        for n in range(changes):
            product = products[n % products_count]
            Quant.create(
                {
                    "product_id": product.id,
                    "location_id": stock_location.id,
                    "inventory_quantity": 100 + n,
                }
            ).action_apply_inventory()
        start_calls = len(sim.calls)
        while env["shopify.inventory.level"].search_count(
            [("backend_id", "=", backend.id), ("dirty", "=", True)]
        ):
            backend._retail_export_job("inventory")
        connector_calls = sim.calls[start_calls:]
        for product in products:
            item = (
                env["shopify.product.variant"]
                .search([("odoo_id", "=", product.id)])
                .inventory_item_gid
            )
            assert sim.available(item, location) == int(
                product.with_context(location=stock_location.id).free_qty
            ), "published quantity differs"
    return baseline_calls, connector_calls


def summary(label, calls, changes):
    cost = sum(c.actual_cost or c.cost for c in calls)
    scale = 1000 / changes
    return f"{label:38} {len(calls) * scale:10.0f} {cost * scale:12.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--db", default="retail_bench")
    args = parser.parse_args()
    changes = max(10, min(args.changes, 5000))
    tmp = tempfile.mkdtemp(prefix="retail-bench-")
    conf = install_shopify(args.db, tmp)
    import odoo  # noqa: PLC0415

    registry = open_registry(conf, args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        baseline, connector = run(env, max(1, args.products), changes)
        cr.rollback()
    drop(args.db)
    shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(f"{changes} stock changes over {args.products} products, per 1,000 changes")
    print(f"{'publisher':38} {'GraphQL calls':>10} {'query cost':>12}")
    print(summary("baseline: one call per change", baseline, changes))
    print(summary("connector: coalesced batches", connector, changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())

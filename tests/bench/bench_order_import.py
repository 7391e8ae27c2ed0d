"""Shopify order import benchmark: orders per second against plain ORM.

Installs the connector on a benchmark database, makes N paid orders in the
Shopify simulator (REST webhook payloads, 3 lines, shipping and a mapped tax)
and measures in one process:

- baseline: creating and confirming the same sale orders directly with the
  ORM (same customer, products, quantities, prices and taxes);
- import: the connector's path for each payload (canonical mapping, advisory
  lock, customer and product matching, tax mapping, totals check, binding,
  confirmation).

Prints, per order, the time and the SQL queries of each measure and their
ratios (connector / baseline). Both paths are warmed up first; with
``--rounds`` the two measures alternate and each keeps its median time (the
query counts do not vary). Nothing is committed: each measure runs in a
transaction rolled back at the end.

    python3 tests/bench/bench_order_import.py [--orders 200] [--rounds 3]
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time

from benchlib import drop, install_shopify, open_registry

SKUS = ("BENCH-TEE", "BENCH-MUG", "BENCH-TOTE")


def prepare(env, count):
    from odoo.addons.retail_shopify.simulator.shopify import (  # noqa: PLC0415
        ShopifySimulator,
    )

    tax = env["account.tax"].create(
        {
            "name": "Bench tax 5%",
            "amount": 5.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_excluded",
        }
    )
    products = env["product.product"].create(
        [{"name": sku, "default_code": sku, "type": "consu"} for sku in SKUS]
    )
    backend = env["shopify.backend"].create(
        {
            "name": "Bench store",
            "shop_domain": "bench.myshopify.com",
            "state": "active",
            "tax_mapping_ids": [
                (0, 0, {"title": "Bench tax", "rate": 0.05, "tax_id": tax.id})
            ],
        }
    )
    sim = ShopifySimulator(shop_domain="bench.myshopify.com")
    variants = [
        sim.add_product(sku, variants=[{"sku": sku, "price": "10.00"}])["variants"][0]
        for sku in SKUS
    ]
    payloads = [
        sim.create_order(
            [
                {"variant_gid": v["id"], "quantity": 1 + (i + n) % 3, "price": "10.00"}
                for n, v in enumerate(variants)
            ],
            customer={
                "first_name": "Bench",
                "last_name": f"Customer {i % 20}",
                "email": f"customer{i % 20}@bench.example",
            },
            shipping={
                "title": "Standard",
                "price": "5.00",
                "tax_lines": [{"title": "Bench tax", "rate": "0.05"}],
            },
            tax_lines=[{"title": "Bench tax", "rate": "0.05"}],
            notify=False,
        )
        for i in range(count)
    ]
    return backend, tax, products, payloads


def baseline(env, backend, tax, payloads):
    products = {
        p.default_code: p
        for p in env["product.product"].search([("default_code", "in", SKUS)])
    }
    partners = {}
    for payload in payloads:
        email = payload["customer"]["email"]
        partner = (
            partners.get(email)
            or env["res.partner"].search([("email", "=", email)], limit=1)
            or env["res.partner"].create({"name": email, "email": email})
        )
        partners[email] = partner
        lines = [
            (
                0,
                0,
                {
                    "product_id": products[line["sku"]].id,
                    "product_uom_qty": line["quantity"],
                    "price_unit": float(line["price"]),
                    "tax_ids": [(6, 0, tax.ids)],
                },
            )
            for line in payload["line_items"]
        ]
        lines.append(
            (
                0,
                0,
                {
                    "product_id": backend.shipping_product_id.id,
                    "price_unit": 5.0,
                    "tax_ids": [(6, 0, tax.ids)],
                },
            )
        )
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "client_order_ref": payload["name"],
                "order_line": lines,
            }
        )
        order.action_confirm()


def connector(env, backend, payloads):
    from odoo.addons.retail_shopify.services.order_webhook import (  # noqa: PLC0415
        order_from_webhook,
    )

    Binding = env["shopify.sale.order"]
    for payload in payloads:
        Binding._import_order(backend, order_from_webhook(payload), payload)


def measure(registry, label, work, count):
    import odoo  # noqa: PLC0415

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        backend, tax, _products, payloads = prepare(env, count)
        env.flush_all()
        queries_before = cr.sql_log_count
        started = time.perf_counter()
        work(env, backend, tax, payloads)
        env.flush_all()
        elapsed = time.perf_counter() - started
        queries = cr.sql_log_count - queries_before
        cr.rollback()
    return {
        "label": label,
        "ms": elapsed / count * 1000,
        "queries": queries / count,
    }


def median_result(rounds):
    """One measure's rounds: the median time per order, the queries."""
    return {
        "label": rounds[0]["label"],
        "ms": statistics.median(r["ms"] for r in rounds),
        "queries": statistics.median(r["queries"] for r in rounds),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--db", default="retail_bench")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="measure on --db if it exists (kept by --keep-db) instead of "
        "installing it anew",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="alternate the measures N times"
    )
    args = parser.parse_args()
    count = max(10, min(args.orders, 5000))
    tmp = tempfile.mkdtemp(prefix="retail-bench-")
    conf = install_shopify(args.db, tmp, reuse=args.reuse_db)

    registry = open_registry(conf, args.db)
    measures = [
        ("baseline: ORM create + confirm", baseline),
        (
            "connector import (mapped, bound)",
            lambda env, b, t, p: connector(env, b, p),
        ),
    ]
    # warm-up: load caches and code paths once for each measure
    for label, work in measures:
        measure(registry, label, lambda env, b, t, p, w=work: w(env, b, t, p[:5]), 5)
    rounds = [[], []]
    for _round in range(max(1, min(args.rounds, 20))):
        for index, (label, work) in enumerate(measures):
            rounds[index].append(measure(registry, label, work, count))
    results = [median_result(r) for r in rounds]
    print()
    print(
        f"{count} orders of 3 lines + shipping, one process, "
        f"{len(rounds[0])} round(s) (median time)"
    )
    print(f"{'measure':36} {'ms/order':>9} {'orders/s':>9} {'queries/order':>14}")
    for result in results:
        print(
            f"{result['label']:36} {result['ms']:9.1f} "
            f"{1000 / result['ms']:9.1f} {result['queries']:14.1f}"
        )
    base, imported = results
    print(
        f"connector / baseline: time {imported['ms'] / base['ms']:.2f}x, "
        f"queries {imported['queries'] / base['queries']:.2f}x"
    )
    if not args.keep_db:
        drop(args.db)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

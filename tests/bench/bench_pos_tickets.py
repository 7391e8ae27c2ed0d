"""POS tickets benchmark: paid orders per second against Odoo's own
``pos.order.sync_from_ui``, and the catalog feed of 10,000 products.

Installs retail_pos on a benchmark database, makes a store (a 20 % tax
included in the price, cash and card methods, three products with stock)
and N tickets of 3 lines each (cash, or card with change when paid in
cash), then measures in one process:

- baseline: Odoo's point of sale taking the same orders as its own UI sends
  them: ``pos.order.sync_from_ui`` with the lines, taxes, totals and
  payments already computed, in an open session;
- connector: the partner API's path for the same tickets, in batches of 50:
  each batch stored once with one event per ticket (``_accept``/``_spawn``),
  then each ticket's job (schema validation, advisory lock, product, tax and
  payment mapping, session of the business date, totals computed by Odoo
  and compared, ``sync_from_ui``, the wait keys released);
- catalog feed: 10,000 products in the store's catalog, read whole in pages
  of 1,000 (no cursor), then the delta after 100 price changes.

The two ticket measures alternate for ``--rounds`` rounds and each keeps
its best (the machine's other load moves single rounds). Prints tickets per
second, the ratio to the baseline, SQL queries per ticket, and the feed's
times. Nothing is committed: each measure runs in a
transaction rolled back at the end.

    python3 tests/bench/bench_pos_tickets.py [--tickets 200] [--rounds 2]
        [--db retail_bench_pos]
"""

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchlib import ROOT, drop, open_registry

PRODUCTS = {"BENCH-TOTE": "12.50", "BENCH-MUG": "8.00", "BENCH-CAP": "15.00"}
BATCH = 50
DAY = "2026-12-01"
CATALOG_SIZE = 10_000
PAGE = 1000


def install_pos(db, tmp):
    """Create ``db`` anew with retail_pos; return the config path."""
    conf = Path(tmp) / "bench.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {ROOT / 'addons'}\n"
        f"data_dir = {Path(tmp) / 'data'}\n"
        "http_interface = 127.0.0.1\n"
        "without_demo = True\n"
        "log_level = warn\n"
    )
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    print(f"Installing retail_pos into {db} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", "-c", str(conf), "-d", db]
        + ["-i", "retail_pos", "--stop-after-init"],
        check=True,
    )
    return conf


def prepare(env):
    """The store with its mappings, products with stock and a session-less
    point of sale."""
    company = env.company
    tax = env["account.tax"].create(
        {
            "name": "Bench VAT 20% included",
            "amount": 20.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
        }
    )
    cash_journal = env["account.journal"].create(
        {"name": "Bench cash", "type": "cash", "code": "BCSH"}
    )
    bank_journal = env["account.journal"].create(
        {"name": "Bench card", "type": "bank", "code": "BCRD"}
    )
    Method = env["pos.payment.method"]
    cash = Method.create({"name": "Bench cash", "journal_id": cash_journal.id})
    card = Method.create({"name": "Bench card", "journal_id": bank_journal.id})
    store = env["retail.pos.store"].create(
        {
            "name": "Bench store",
            "code": "BENCH",
            "state": "active",
            "warehouse_id": env["stock.warehouse"]
            .search([("company_id", "=", company.id)], limit=1)
            .id,
        }
    )
    store.write(
        {
            "tax_mapping_ids": [(0, 0, {"title": "VAT20", "tax_id": tax.id})],
            "payment_mapping_ids": [
                (0, 0, {"code": "CASH", "payment_method_id": cash.id}),
                (0, 0, {"code": "CARD", "payment_method_id": card.id}),
            ],
        }
    )
    location = store.warehouse_id.lot_stock_id
    products = {}
    for sku, price in PRODUCTS.items():
        product = env["product.product"].create(
            {
                "name": sku,
                "default_code": sku,
                "is_storable": True,
                "list_price": float(price),
                "taxes_id": [(6, 0, tax.ids)],
                "available_in_pos": True,
            }
        )
        env["stock.quant"]._update_available_quantity(product, location, 100000)
        products[sku] = product
    return store, tax, products, {"CASH": cash, "CARD": card}


def tickets(count):
    """``count`` tickets of 3 lines, every fourth paid by card."""
    result = []
    skus = list(PRODUCTS)
    for number in range(1, count + 1):
        lines, total = [], Decimal(0)
        for index, sku in enumerate(skus):
            qty = 1 + (number + index) % 3
            price = Decimal(PRODUCTS[sku])
            total += qty * price
            lines.append(
                {
                    "line_no": index + 1,
                    "sku": sku,
                    "qty": str(qty),
                    "unit_price": f"{price:.2f}",
                    "discount": "0.00",
                    "tax_code": "VAT20",
                }
            )
        card = number % 4 == 0
        paid = total if card else (total + 5).quantize(Decimal(1))
        result.append(
            {
                "ticket_id": f"T1-{number:06}",
                "terminal": "T1",
                "number": number,
                "business_date": DAY,
                "closed_at": f"{DAY}T10:15:00+01:00",
                "lines": lines,
                "payments": [
                    {"method": "CARD" if card else "CASH", "amount": f"{paid:.2f}"}
                ],
                "change": f"{paid - total:.2f}",
                "total": f"{total:.2f}",
            }
        )
    return result


def baseline(env, fixture, documents):
    """Odoo's point of sale: the orders as its UI sends them."""
    store, tax, products, methods = fixture
    from odoo import fields  # noqa: PLC0415

    config = store.pos_config_id
    session = env["pos.session"].create({"config_id": config.id})
    session.set_opening_control(0, "")
    currency = env.company.currency_id
    PosOrder = env["pos.order"]
    for document in documents:
        lines, total_incl, total_excl = [], 0.0, 0.0
        for line in document["lines"]:
            product = products[line["sku"]]
            qty, price = float(line["qty"]), float(line["unit_price"])
            computed = tax.compute_all(price, currency, qty, product=product)
            total_incl += computed["total_included"]
            total_excl += computed["total_excluded"]
            lines.append(
                fields.Command.create(
                    {
                        "product_id": product.id,
                        "full_product_name": product.display_name,
                        "qty": qty,
                        "price_unit": price,
                        "discount": 0.0,
                        "tax_ids": [fields.Command.set(tax.ids)],
                        "price_subtotal": computed["total_excluded"],
                        "price_subtotal_incl": computed["total_included"],
                    }
                )
            )
        payments = [
            fields.Command.create(
                {
                    "amount": float(payment["amount"]),
                    "payment_method_id": methods[payment["method"]].id,
                }
            )
            for payment in document["payments"]
        ]
        PosOrder.sync_from_ui(
            [
                {
                    "uuid": f"bench-{document['ticket_id']}",
                    "session_id": session.id,
                    "date_order": fields.Datetime.to_string(fields.Datetime.now()),
                    "user_id": env.uid,
                    "pricelist_id": config.pricelist_id.id,
                    "partner_id": False,
                    "to_invoice": False,
                    "amount_total": total_incl,
                    "amount_tax": total_incl - total_excl,
                    "amount_paid": sum(
                        float(p["amount"]) for p in document["payments"]
                    ),
                    "amount_return": float(document["change"]),
                    "lines": lines,
                    "payment_ids": payments,
                    "last_order_preparation_change": "{}",
                }
            ]
        )


def connector(env, fixture, documents):
    """The partner API's path: batches stored once, then each ticket's job."""
    store = fixture[0]
    Event = env["retail.event"]
    for start in range(0, len(documents), BATCH):
        batch = documents[start : start + BATCH]
        body = json.dumps({"tickets": batch})
        store._retail_pos_accept_tickets(
            body, hashlib.sha256(body.encode()).hexdigest(), batch
        )
        events = Event.search(
            [
                ("backend_model", "=", store._name),
                ("backend_id", "=", store.id),
                ("topic", "=", "pos/ticket"),
                ("state", "in", ("received", "queued")),
            ],
            order="id",
        )
        for event in events:
            event._process()
            if event.state != "done":
                raise RuntimeError(f"{event.event_key}: {event.state} {event.error}")


def measure(registry, label, work, count):
    import odoo  # noqa: PLC0415

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        fixture = prepare(env)
        store = fixture[0]
        documents = tickets(count)
        env.flush_all()
        queries_before = cr.sql_log_count
        started = time.perf_counter()
        work(env, fixture, documents)
        env.flush_all()
        elapsed = time.perf_counter() - started
        queries = cr.sql_log_count - queries_before
        orders = env["pos.order"].search_count(
            [
                ("session_id.config_id", "=", store.pos_config_id.id),
                ("state", "=", "paid"),
            ]
        )
        cr.rollback()
    if orders != count:
        raise RuntimeError(f"{label}: {orders} paid orders for {count} tickets")
    return {
        "label": label,
        "rate": count / elapsed,
        "queries": queries / count,
        "seconds": elapsed,
    }


def read_feed(store, cursor):
    """Every page from ``cursor``: (items, pages, the cursor after them)."""
    items, pages = 0, 0
    while True:
        page = store._retail_pos_catalog_page(cursor, PAGE)
        items += len(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items, pages, cursor


def measure_catalog(registry):
    import odoo  # noqa: PLC0415

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        store, tax, _products, _methods = prepare(env)
        print(f"Creating {CATALOG_SIZE} products ...", flush=True)
        created = time.perf_counter()
        catalog = env["product.product"].create(
            [
                {
                    "name": f"Bench product {n}",
                    "default_code": f"BENCH-{n:05}",
                    "barcode": f"20{n:011}",
                    "list_price": 1.0 + n % 50,
                    "taxes_id": [(6, 0, tax.ids)],
                    "available_in_pos": True,
                }
                for n in range(CATALOG_SIZE)
            ]
        )
        env.flush_all()
        created = time.perf_counter() - created
        results = []
        for label, prepare_step in (
            ("full (no cursor)", None),
            ("delta after 100 price changes", "change"),
        ):
            if prepare_step == "change":
                for product in catalog[:: CATALOG_SIZE // 100]:
                    product.lst_price += 1.0
                env.flush_all()
                env.invalidate_all()
            else:
                env.invalidate_all()
            queries_before = cr.sql_log_count
            started = time.perf_counter()
            items, pages, cursor = read_feed(
                store, None if prepare_step is None else results[-1]["cursor"]
            )
            elapsed = time.perf_counter() - started
            results.append(
                {
                    "label": label,
                    "items": items,
                    "pages": pages,
                    "seconds": elapsed,
                    "queries": cr.sql_log_count - queries_before,
                    "cursor": cursor,
                }
            )
        cr.rollback()
    return created, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--db", default="retail_bench_pos")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="skip the install")
    args = parser.parse_args()
    count = max(10, min(args.tickets, 5000))
    tmp = tempfile.mkdtemp(prefix="retail-bench-")
    if args.reuse_db:
        conf = Path(tmp) / "bench.conf"
        conf.write_text(
            f"[options]\naddons_path = {ROOT / 'addons'}\n"
            f"data_dir = {Path(tmp) / 'data'}\nlog_level = warn\n"
        )
    else:
        conf = install_pos(args.db, tmp)

    registry = open_registry(conf, args.db)

    # warm-up: load caches and code paths once for both measures
    measure(registry, "warm-up", baseline, 10)
    measure(registry, "warm-up", connector, 10)
    # alternate the measures and keep each one's best round: the machine's
    # other load moves single rounds
    rounds = {"baseline": [], "connector": []}
    for _round in range(max(1, args.rounds)):
        rounds["baseline"].append(
            measure(registry, "baseline: pos.order.sync_from_ui", baseline, count)
        )
        rounds["connector"].append(
            measure(registry, "connector: batch stored + job", connector, count)
        )
    results = [max(rounds[name], key=lambda r: r["rate"]) for name in rounds]
    created, feed = measure_catalog(registry)
    print()
    print(
        f"{count} tickets of 3 lines, batches of {BATCH}, one process, best of "
        f"{max(1, args.rounds)} rounds"
    )
    print(f"{'measure':36} {'tickets/s':>9} {'queries/ticket':>15}")
    for result in results:
        print(f"{result['label']:36} {result['rate']:9.1f} {result['queries']:15.1f}")
    print(
        f"connector: {results[1]['rate'] / results[0]['rate']:.0%} of the baseline rate"
    )
    print()
    print(
        f"catalog feed, {CATALOG_SIZE} products (created in {created:.1f} s), "
        f"pages of {PAGE}"
    )
    print(f"{'read':32} {'items':>6} {'pages':>6} {'seconds':>8} {'queries':>8}")
    for result in feed:
        print(
            f"{result['label']:32} {result['items']:6} {result['pages']:6} "
            f"{result['seconds']:8.2f} {result['queries']:8}"
        )
    if not args.keep_db:
        drop(args.db)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

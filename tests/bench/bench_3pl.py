"""3PL benchmark: fulfilment requests, shipment confirmations and the
inventory comparison of 10,000 SKUs.

Installs retail_3pl on a benchmark database and keeps there (committed
once) an operated warehouse with its provider of the generic adapter (its
outbound rate limit raised out of the way), a customer, and a catalog of
10,000 storable products with stock in the warehouse. Every outgoing call
reaches the in-memory generic simulator (``intercept``): no network. Each
measure runs in a transaction rolled back at the end; the jobs run as
queue_job's runner runs them (the job loaded, started, performed in a
savepoint, done, stored), without its commits.

- fulfilment requests: N confirmed deliveries of 3 lines, released by the
  connector (each with its queued send job); each job builds the request,
  signs it, sends it through the provider's HTTP client (rate limiter and
  circuit breaker included) and records the answer. Floor: the same
  request documents, signed and posted through the same client to another
  simulator, with no ORM around them.
- shipment confirmations: the simulator ships each order and signs its
  ``shipment.confirmed``; the messages are checked and stored as the intake
  stores them, given their jobs by the dispatcher, then each job runs (the
  message parsed, the order locked, the delivery validated with what
  shipped, the shipment recorded). Baseline: deliveries made and sent the
  same way, validated directly with the ORM (quantities set, then
  ``button_validate``).
- inventory comparison: 50 sent orders of 2 lines leave 100 SKUs in flight;
  the provider's snapshot of the 10,000 SKUs has 200 differences within
  the tolerance (adjusted in Odoo), 40 above it (an exception) and the rest
  matching (half of the in-flight SKUs already shipped at the provider).
  The stored ``inventory.snapshot`` message's job is timed. Baseline: a
  plain read_group of the warehouse's quants of the same products.

The fulfilment and baseline measures take turns for ``--rounds`` rounds;
figures are merged over the rounds (queries: on every cursor of the
process, the rate limiter's and the circuit's short transactions
included).

    python3 tests/bench/bench_3pl.py [--orders 100] [--rounds 2]
        [--db bench3pl_bench] [--keep-db] [--reuse-db]
"""

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time

from benchlib import drop, install_addons, merge_runs, open_registry, summarize

TOKEN = "bench-3pl-token"
SECRET = "bench-3pl-signing-secret"
WAREHOUSE = "B3PL"
PROVIDER = "Bench 3PL"
CATALOG_SIZE = 10_000
#: SKUs of the deliveries of the fulfilment and shipment measures
ORDER_SKUS = 3
#: the snapshot: orders in flight (2 lines each), differences
IN_FLIGHT_ORDERS = 50
TOLERANCE = 2.0
WITHIN = 200
ABOVE = 40


def sku(number):
    return f"B3PL-{number:05}"


# ----------------------------------------------------------------------
# fixture (committed once)
# ----------------------------------------------------------------------
def ensure_fixture(registry):
    """The provider, its warehouse, a customer and the catalog with stock."""
    import odoo  # noqa: PLC0415

    from odoo.addons.retail_3pl.simulator.generic_provider import (  # noqa: PLC0415
        BASE_URL,
    )

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        if env["retail.3pl.provider"].search([("name", "=", PROVIDER)]):
            return
        print(
            f"Making the provider and {CATALOG_SIZE} products with stock ...",
            flush=True,
        )
        env["ir.config_parameter"].set_param(
            "retail_connector_base.allow_simulator_endpoints", "1"
        )
        warehouse = env["stock.warehouse"].create(
            {"name": "Bench 3PL warehouse", "code": WAREHOUSE}
        )
        ship_product = env["product.product"].create(
            {"name": "Bench UPS shipping", "type": "service"}
        )
        carrier = env["delivery.carrier"].create(
            {"name": "Bench UPS Ground", "product_id": ship_product.id}
        )
        env["res.partner"].create(
            {
                "name": "Bench Customer",
                "street": "1 Main Street",
                "city": "Springfield",
                "zip": "62701",
                "country_id": env.ref("base.us").id,
                "email": "customer@bench.example",
            }
        )
        env["retail.3pl.provider"].create(
            {
                "name": PROVIDER,
                "state": "active",
                "api_url": BASE_URL,
                "api_token": TOKEN,
                "signing_secret": SECRET,
                "stock_tolerance": TOLERANCE,
                # the benchmark measures the connector, not the provider's
                # limit (2 requests/s by default)
                "rate_limit_capacity": 1_000_000,
                "rate_limit_per_second": 100_000,
                "warehouse_ids": [(6, 0, warehouse.ids)],
                "carrier_map_ids": [
                    (
                        0,
                        0,
                        {"code": "UPS", "service": "Ground", "carrier_id": carrier.id},
                    )
                ],
            }
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Bench 3PL {sku(n)}",
                    "default_code": sku(n),
                    "is_storable": True,
                }
                for n in range(CATALOG_SIZE)
            ]
        )
        stock = warehouse.lot_stock_id
        env["stock.quant"].create(
            [
                {
                    "product_id": product.id,
                    "location_id": stock.id,
                    "quantity": 1_000_000 if n < ORDER_SKUS else 10 + n % 50,
                }
                for n, product in enumerate(products)
            ]
        )
        cr.commit()


def fixture(env):
    provider = env["retail.3pl.provider"].search([("name", "=", PROVIDER)])
    warehouse = provider.warehouse_ids
    customer = env["res.partner"].search([("name", "=", "Bench Customer")], limit=1)
    return provider, warehouse, customer


def products_of(env, numbers):
    found = env["product.product"].search(
        [("default_code", "in", [sku(n) for n in numbers])]
    )
    by_sku = {p.default_code: p for p in found}
    return [by_sku[sku(n)] for n in numbers]


def deliveries(env, warehouse, customer, lines_of, count):
    """``count`` confirmed deliveries of the warehouse (``lines_of(i)``:
    their ``(product, qty)`` lines): each released with its send job."""
    picking_type = warehouse.out_type_id
    source = picking_type.default_location_src_id
    customers = env.ref("stock.stock_location_customers")
    pickings = env["stock.picking"].create(
        [
            {
                "picking_type_id": picking_type.id,
                "partner_id": customer.id,
                "location_id": source.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": customers.id,
                        },
                    )
                    for product, qty in lines_of(i)
                ],
            }
            for i in range(count)
        ]
    )
    pickings.action_confirm()
    return pickings


def order_lines(products):
    return lambda i: [(p, 1 + (i + n) % 3) for n, p in enumerate(products)]


def pending_jobs(env, model, method):
    return env["queue.job"].search(
        [
            ("model_name", "=", model),
            ("method_name", "=", method),
            ("state", "=", "pending"),
        ],
        order="id",
    )


# ----------------------------------------------------------------------
# running jobs as the runner does
# ----------------------------------------------------------------------
def perform_job(env, job_uuid):
    """Run one stored job as queue_job's runner does, without its commits."""
    from odoo.addons.queue_job.job import Job  # noqa: PLC0415

    job = Job.load(env, job_uuid)
    job.set_started()
    job.store()
    env.flush_all()  # what the runner's commit writes
    if not job.lock():
        raise RuntimeError(f"job {job_uuid} could not be locked")
    with env.cr.savepoint():
        job.perform()
    job.set_done()
    job.store()
    env.flush_all()
    return job.result


def run_jobs(env, name, uuids, outcome):
    """Each job timed; ``outcome(result)`` names how it ended."""
    import odoo  # noqa: PLC0415

    latencies, statuses = [], {}
    queries = odoo.sql_db.sql_counter
    started = time.perf_counter()
    for job_uuid in uuids:
        began = time.perf_counter()
        result = perform_job(env, job_uuid)
        latencies.append(time.perf_counter() - began)
        status = outcome(result)
        statuses[status] = statuses.get(status, 0) + 1
    wall = time.perf_counter() - started
    result = summarize(name, latencies, statuses, wall)
    result["queries"] = odoo.sql_db.sql_counter - queries
    return result


def merged(name, runs):
    result = merge_runs(name, runs)
    result["queries"] = sum(run["queries"] for run in runs)
    return result


# ----------------------------------------------------------------------
# the measures
# ----------------------------------------------------------------------
def send_all(env, provider, sim, name):
    """The send jobs of the released deliveries, timed."""
    jobs = pending_jobs(env, "retail.3pl.picking", "_threepl_job")
    result = run_jobs(
        env,
        name,
        jobs.mapped("uuid"),
        lambda text: text.split(": ")[-1] if text else "none",
    )
    orders = env["retail.3pl.picking"].search(
        [("backend_id", "=", provider.id), ("remote_state", "=", "accepted")]
    )
    return result, orders


def floor(sim_class, provider, sim, name):
    """The requests the jobs sent, signed and posted again through the same
    client to a fresh simulator: the cost of a request with no ORM."""
    import odoo  # noqa: PLC0415

    from odoo.addons.retail_3pl.services import contract  # noqa: PLC0415
    from odoo.addons.retail_3pl.services.generic_client import (  # noqa: PLC0415
        GenericClient,
    )
    from odoo.addons.retail_connector_base.simulator import (  # noqa: PLC0415
        intercept,
    )

    documents = [
        contract.parse_answer(contract.FulfillmentOrder, kept["order"], "order")
        for kept in sim.orders.values()
    ]
    fresh = sim_class(TOKEN, SECRET, warehouse_code=WAREHOUSE)
    latencies, statuses = [], {}
    with intercept(fresh):
        client = GenericClient(provider._threepl_http(), SECRET)
        queries = odoo.sql_db.sql_counter
        started = time.perf_counter()
        for document in documents:
            began = time.perf_counter()
            answer = client.send_order(document)
            latencies.append(time.perf_counter() - began)
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
        wall = time.perf_counter() - started
    result = summarize(name, latencies, statuses, wall)
    result["queries"] = odoo.sql_db.sql_counter - queries
    return result


def store_messages(env, provider, sim):
    """The simulator's pending messages, signature checked and stored as the
    intake stores them (one statement each); the dispatcher gives them their
    jobs. Returns the job uuids."""
    from odoo.addons.retail_3pl.controllers.messages import (  # noqa: PLC0415
        HEADERS,
        LIMITS,
    )
    from odoo.addons.retail_3pl.services import contract, signing  # noqa: PLC0415
    from odoo.addons.retail_connector_base.services import (  # noqa: PLC0415
        json_limits,
    )

    Event = env["retail.event"].sudo()
    for webhook in list(sim.outbox):
        headers, body = sim._sign_webhook(webhook, None)
        if not signing.verify(SECRET, body, headers[signing.HEADER], now=time.time()):
            raise RuntimeError(f"{webhook.event_id}: bad signature")
        payload = json_limits.loads(body, LIMITS)
        contract.parse_message(payload)
        outcome, _event_id = Event._ingest(
            provider,
            topic=payload["type"],
            event_key=payload["message_id"],
            payload=body.decode(),
            headers={k: headers[k] for k in HEADERS if k in headers},
            remote_ref=provider._retail_event_subject(payload["type"], payload)
            or False,
            body_sha256=hashlib.sha256(body).hexdigest(),
        )
        if outcome != "accepted":
            raise RuntimeError(f"{webhook.event_id}: {outcome}")
    sim._outbox.pending.clear()
    env.invalidate_all()
    events = Event._retail_dispatch(limit=100_000)
    return events, events.mapped("job_uuid")


def measure_connector(registry, count, sim_class):
    """Transaction A: send N deliveries, then apply their shipments."""
    import odoo  # noqa: PLC0415

    from odoo.addons.retail_connector_base.simulator import (  # noqa: PLC0415
        intercept,
    )

    sim = sim_class(TOKEN, SECRET, warehouse_code=WAREHOUSE)
    with registry.cursor() as cr, intercept(sim):
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        provider, warehouse, customer = fixture(env)
        products = products_of(env, range(ORDER_SKUS))
        pickings = deliveries(env, warehouse, customer, order_lines(products), count)
        env.flush_all()
        send, orders = send_all(env, provider, sim, "fulfilment request (send job)")
        if len(orders) != count or len(sim.orders) != count:
            raise RuntimeError(f"{len(orders)} orders accepted of {count}")
        request_floor = floor(sim_class, provider, sim, "floor: client only")
        for order in orders:
            sim.ship(order.external_id)
        events, uuids = store_messages(env, provider, sim)
        shipments = run_jobs(
            env, "connector: shipment.confirmed job", uuids, lambda _r: "run"
        )
        env.invalidate_all()
        shipments["statuses"] = {
            state: len(events.filtered(lambda e, s=state: e.state == s))
            for state in set(events.mapped("state"))
        }
        done = pickings.filtered(lambda p: p.state == "done")
        cr.rollback()
    if len(done) != count:
        raise RuntimeError(f"shipments: {len(done)} deliveries done of {count}")
    return send, request_floor, shipments


def measure_baseline(registry, count, sim_class):
    """Transaction B: send N deliveries, then validate them with the ORM."""
    import odoo  # noqa: PLC0415

    from odoo.addons.retail_connector_base.simulator import (  # noqa: PLC0415
        intercept,
    )

    sim = sim_class(TOKEN, SECRET, warehouse_code=WAREHOUSE)
    with registry.cursor() as cr, intercept(sim):
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        provider, warehouse, customer = fixture(env)
        products = products_of(env, range(ORDER_SKUS))
        pickings = deliveries(env, warehouse, customer, order_lines(products), count)
        env.flush_all()
        send, orders = send_all(env, provider, sim, "fulfilment request (send job)")
        if len(orders) != count:
            raise RuntimeError(f"{len(orders)} orders accepted of {count}")
        env.invalidate_all()
        latencies = []
        queries = odoo.sql_db.sql_counter
        started = time.perf_counter()
        for picking_id in pickings.ids:
            # one picking at a time, as a job takes one: nothing prefetched
            # for the next ones
            picking = env["stock.picking"].browse(picking_id)
            began = time.perf_counter()
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            answer = picking.button_validate()
            if answer is not True:
                raise RuntimeError(f"{picking.name}: button_validate gave {answer}")
            env.flush_all()
            latencies.append(time.perf_counter() - began)
        wall = time.perf_counter() - started
        validated = summarize(
            "baseline: ORM quantities + button_validate",
            latencies,
            {"done": len(pickings.filtered(lambda p: p.state == "done"))},
            wall,
        )
        validated["queries"] = odoo.sql_db.sql_counter - queries
        cr.rollback()
    if validated["statuses"]["done"] != count:
        raise RuntimeError(f"baseline: {validated['statuses']} of {count}")
    return send, validated


def measure_snapshot(registry, sim_class):
    """The comparison of a 10,000-SKU snapshot against its baseline."""
    import odoo  # noqa: PLC0415

    from odoo.addons.retail_connector_base.simulator import (  # noqa: PLC0415
        intercept,
    )

    sim = sim_class(TOKEN, SECRET, warehouse_code=WAREHOUSE)
    with registry.cursor() as cr, intercept(sim):
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        provider, warehouse, customer = fixture(env)
        # 50 orders of 2 lines sent: 100 SKUs in flight
        first = ORDER_SKUS
        flying = products_of(env, range(first, first + 2 * IN_FLIGHT_ORDERS))
        deliveries(
            env,
            warehouse,
            customer,
            lambda i: [(flying[2 * i], 3), (flying[2 * i + 1], 3)],
            IN_FLIGHT_ORDERS,
        )
        env.flush_all()
        _send, orders = send_all(env, provider, sim, "in flight")
        if len(orders) != IN_FLIGHT_ORDERS:
            raise RuntimeError(f"{len(orders)} orders in flight")
        stock = warehouse.lot_stock_id
        held = {
            product.default_code: qty
            for product, qty in env["stock.quant"]._read_group(
                [("location_id", "child_of", stock.id)],
                ["product_id"],
                ["quantity:sum"],
            )
        }
        in_flight = {p.default_code for p in flying}
        shipped_already = {p.default_code for p in flying[::2]}
        numbers = range(CATALOG_SIZE)
        # the differences: on SKUs out of the in-flight ones
        plain = [n for n in numbers if sku(n) not in in_flight and n >= ORDER_SKUS]
        within = {sku(n): (1 if i % 2 else -1) for i, n in enumerate(plain[:WITHIN])}
        above = {
            sku(n): (5 if i % 2 else -5)
            for i, n in enumerate(plain[WITHIN : WITHIN + ABOVE])
        }
        for n in numbers:
            code = sku(n)
            on_hand = held[code] + within.get(code, 0) + above.get(code, 0)
            if code in shipped_already:
                on_hand -= 3
            sim.set_stock(code, on_hand, warehouse_code=WAREHOUSE)
        snapshot = sim.send_message("inventory.snapshot", sim._inventory(WAREHOUSE))
        _events, uuids = store_messages(env, provider, sim)
        body_bytes = len(json.dumps(snapshot))
        env.invalidate_all()

        # baseline: a plain read_group of the quants of the same products
        queries = odoo.sql_db.sql_counter
        started = time.perf_counter()
        products = env["product.product"].search(
            [
                (
                    "default_code",
                    "in",
                    [item["sku"] for item in snapshot["payload"]["items"]],
                )
            ]
        )
        groups = env["stock.quant"]._read_group(
            [("location_id", "child_of", stock.id), ("product_id", "in", products.ids)],
            ["product_id"],
            ["quantity:sum"],
        )
        base = {
            "label": "baseline: read_group of the quants",
            "seconds": time.perf_counter() - started,
            "queries": odoo.sql_db.sql_counter - queries,
            "rows": len(groups),
        }
        env.invalidate_all()
        connector = run_jobs(env, "snapshot", uuids, lambda _r: "run")
        check = warehouse.threepl_last_check_id
        compared = {
            "label": "connector: inventory.snapshot job",
            "seconds": connector["wall"],
            "queries": connector["queries"],
            "rows": check.sku_count,
            "check": {
                "matched": check.matched_count,
                "adjusted": check.adjusted_count,
                "exception": check.exception_count,
            },
        }
        cr.rollback()
    expected = {
        "matched": CATALOG_SIZE - WITHIN - ABOVE,
        "adjusted": WITHIN,
        "exception": ABOVE,
    }
    if compared["check"] != expected:
        raise RuntimeError(f"snapshot: {compared['check']}, expected {expected}")
    return base, compared, body_bytes


# ----------------------------------------------------------------------
# printing
# ----------------------------------------------------------------------
def print_rates(title, results, count):
    print()
    print(title)
    header = (
        f"{'measure':44} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'queries':>8}  outcomes"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result['name']:44} {result['throughput']:7.1f} {result['p50']:8.1f} "
            f"{result['p95']:8.1f} {result['queries'] / result['count']:8.1f}  "
            f"{result['statuses']}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--db", default="bench3pl_bench")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="measure on --db if it exists (kept by --keep-db) instead of "
        "installing it anew",
    )
    parser.add_argument(
        "--skip-snapshot", action="store_true", help="leave out the comparison"
    )
    args = parser.parse_args()
    count = max(10, min(args.orders, 2000))
    rounds = max(1, min(args.rounds, 20))
    tmp = tempfile.mkdtemp(prefix="retail-bench-")
    conf = install_addons(args.db, tmp, ["retail_3pl"], reuse=args.reuse_db)
    registry = open_registry(conf, args.db)
    ensure_fixture(registry)
    from odoo.addons.retail_3pl.simulator import (  # noqa: PLC0415
        GenericProviderSimulator as sim_class,
    )

    # warm-up: load caches and code paths once for each measure
    measure_baseline(registry, 5, sim_class)
    measure_connector(registry, 5, sim_class)
    runs = {"send": [], "floor": [], "baseline": [], "shipments": []}
    for number in range(rounds):
        print(f"Round {number + 1}/{rounds} ...", flush=True)
        send, validated = measure_baseline(registry, count, sim_class)
        runs["send"].append(send)
        runs["baseline"].append(validated)
        send, request_floor, shipments = measure_connector(registry, count, sim_class)
        runs["send"].append(send)
        runs["floor"].append(request_floor)
        runs["shipments"].append(shipments)
    send = merged("connector: send job (release made)", runs["send"])
    request_floor = merged("floor: the same request, client only", runs["floor"])
    baseline = merged("baseline: ORM quantities + button_validate", runs["baseline"])
    shipments = merged("connector: shipment.confirmed job", runs["shipments"])

    print_rates(
        f"Fulfilment requests: {count} deliveries of {ORDER_SKUS} lines per "
        f"measure, {len(runs['send'])} measures over {rounds} round(s), "
        "generic simulator in process",
        [request_floor, send],
        count,
    )
    print(
        f"send job / floor: {send['throughput'] / request_floor['throughput']:.0%} "
        f"of the floor's rate, p50 {send['p50'] / request_floor['p50']:.1f}x"
    )
    print_rates(
        f"Shipment confirmations: {count} deliveries of {ORDER_SKUS} lines per "
        f"round, {rounds} round(s) (each shipped whole, one package)",
        [baseline, shipments],
        count,
    )
    print(
        f"connector / baseline: {shipments['throughput'] / baseline['throughput']:.0%}"
        f" of the baseline rate, time per picking "
        f"{baseline['throughput'] / shipments['throughput']:.2f}x, queries "
        f"{shipments['queries'] / baseline['queries']:.2f}x"
    )

    if not args.skip_snapshot:
        results = [measure_snapshot(registry, sim_class) for _ in range(rounds)]
        best = min(results, key=lambda r: r[1]["seconds"])
        base, compared, size = best
        print()
        print(
            f"Inventory comparison: {CATALOG_SIZE} SKUs ({size / 1024:.0f} KiB "
            f"message), {2 * IN_FLIGHT_ORDERS} in flight, {WITHIN} within the "
            f"tolerance, {ABOVE} above; best of {rounds} round(s)"
        )
        header = (
            f"{'measure':36} {'seconds':>8} {'ms/1000 SKUs':>13} {'queries':>8} "
            f"{'rows':>6}"
        )
        print(header)
        print("-" * len(header))
        for result in (base, compared):
            print(
                f"{result['label']:36} {result['seconds']:8.2f} "
                f"{result['seconds'] / CATALOG_SIZE * 1000 * 1000:13.1f} "
                f"{result['queries']:8} {result['rows']:6}"
            )
        print(f"comparison: {compared['check']}")
        print(
            "connector / baseline: time "
            f"{compared['seconds'] / base['seconds']:.1f}x; all rounds: "
            + ", ".join(f"{r[1]['seconds']:.2f} s" for r in results)
        )

    if not args.keep_db:
        drop(args.db)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

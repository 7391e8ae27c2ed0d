"""Shopify webhook acknowledgement benchmark: the suite against the floor.

Starts Odoo with HTTP workers and the scheduler (the dispatcher that turns
stored deliveries into jobs is a cron) on a benchmark database with
retail_shopify, an active store and the floor addon of ``tests/bench/
addons``, then sends signed ``orders/create`` deliveries from concurrent
clients and prints throughput, latency percentiles and SQL queries per
request for:

- baseline: ``GET /web/health``, the cheapest request Odoo serves;
- floor: a bare Odoo controller that checks the HMAC and does one INSERT
  (``retail_bench_floor``), on the same deliveries;
- new deliveries: one distinct order each (3 lines, shipping, a returning
  customer), built by the Shopify simulator as Shopify's REST webhook
  payload and signed with the app's client secret like Shopify does; each is
  bounded, authenticated, checked, rate limited, stored once and its job
  queued by the dispatcher;
- duplicate deliveries: each new delivery sent again with the same
  ``X-Shopify-Event-Id``, as Shopify retries an event whose answer came late
  (answered 200 and counted, no new work).

The job runner is not started: the imports would compete with the
acknowledgements for the same cores (``bench_order_import.py`` measures
them). The script then checks that every delivery was stored exactly once,
every retry counted and every stored delivery given its job, and prints how
long the dispatcher took from the stored row to its job. The store is created
and the orders are built and signed in this process before the server
starts. Only loopback traffic: the store's API endpoint points to a closed
local port, and the simulator runs in this process (its schema must be
cached already, as ``make test`` does).

    python3 tests/bench/bench_shopify_webhook.py [--workers 2] [--requests 1000]
        [--concurrency 8] [--port 8271] [--db retail_bench_shopify] [--keep-db]
"""

import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from benchlib import (
    cpu_delta,
    drop,
    http_bench_arguments,
    install,
    merge_runs,
    odoo_bin,
    odoo_server,
    open_registry,
    percentile,
    print_http_results,
    request_queries,
    run_load,
    server_cpu,
    write_server_conf,
)

SHOP = "bench-store.myshopify.com"
SECRET = "bench-shopify-client-secret"
SKUS = ("BENCH-TEE", "BENCH-MUG", "BENCH-TOTE")
#: deliveries sent at a steady rate, after the load, for the dispatcher's
#: latency below saturation
PACED, PACED_RATE = 200, 20
#: scenarios in the order of the table
SCENARIOS = {
    "health": "baseline GET /web/health",
    "floor": "floor: HMAC + one INSERT",
    "new": "new orders/create deliveries",
    "duplicate": "duplicate deliveries",
}


def simulator():
    """A simulated store with the benchmark's products (this process, once
    the registry is loaded)."""
    from odoo.addons.retail_shopify.simulator.schema import (  # noqa: PLC0415
        schema_path,
    )
    from odoo.addons.retail_shopify.simulator.shopify import (  # noqa: PLC0415
        ShopifySimulator,
    )

    if not schema_path().is_file():
        raise SystemExit(
            f"The Shopify schema is not cached in {schema_path()}: run `make test` "
            "once (it fetches it), then run the benchmark again."
        )
    sim = ShopifySimulator(shop_domain=SHOP, client_secret=SECRET)
    return sim, [
        sim.add_product(sku, variants=[{"sku": sku, "price": "10.00"}])["variants"][0]
        for sku in SKUS
    ]


def deliveries(count):
    """``count`` signed orders/create deliveries: ``[(headers, body)]``."""
    sim, variants = simulator()
    prepared = []
    for i in range(count):
        payload = sim.create_order(
            [
                {"variant_gid": v["id"], "quantity": 1 + (i + n) % 3, "price": "10.00"}
                for n, v in enumerate(variants)
            ],
            customer={
                "first_name": "Bench",
                "last_name": f"Customer {i % 20}",
                "email": f"customer{i % 20}@bench.example",
            },
            shipping={"title": "Standard", "price": "5.00"},
            notify=False,
        )
        prepared.append(
            sim.signed_webhook("orders/create", payload, event_id=str(uuid.uuid4()))
        )
    return prepared


def create_store(registry):
    """The products and an active store, committed; return the store's id."""
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["product.product"].create(
            [{"name": sku, "default_code": sku, "type": "consu"} for sku in SKUS]
        )
        # the loopback endpoint below is not the shop's own https domain
        env["ir.config_parameter"].set_param(
            "retail_connector_base.allow_simulator_endpoints", "1"
        )
        backend = env["shopify.backend"].create(
            {
                "name": "Bench store",
                "shop_domain": SHOP,
                "client_secret": SECRET,
                "access_token": "shpat_bench_unused",
                # nothing may leave the machine: a closed loopback port
                "api_endpoint": "http://127.0.0.1:9",
                "state": "active",
                "inbound_rate_limit": 10_000_000,
            }
        )
        return backend.id


def measure(base, backend_id, prepared, args, server_pid):
    url = f"{base}/retail/shopify/webhook/{backend_id}"
    floor_url = f"{base}/retail/bench/floor"

    def post(session, i):
        headers, body = prepared[i]
        return session.post(url, data=body, headers=headers, timeout=30)

    def floor(session, i):
        headers, body = prepared[i]
        return session.post(floor_url, data=body, headers=headers, timeout=30)

    def health(session, i):
        return session.get(f"{base}/web/health", timeout=30)

    run_load("warm-up", health, min(200, args.requests), args.concurrency)
    # the scenarios take turns, a slice at a time, so that whatever else the
    # machine does weighs on each alike
    rounds = max(1, min(args.rounds, args.requests // 10))
    size = args.requests // rounds
    runs = {name: [] for name in SCENARIOS}
    # the CPU the server and PostgreSQL spend on each scenario's slices
    cpu = {name: {"odoo": 0.0, "postgres": 0.0} for name in SCENARIOS}
    for phase in (("health", "floor", "new"), ("duplicate",)):
        for r in range(rounds):
            count = size if r < rounds - 1 else args.requests - size * r
            for name in phase:
                make = {"health": health, "floor": floor, "new": post}.get(name, post)
                before = server_cpu(server_pid)
                runs[name].append(
                    run_load(name, make, count, args.concurrency, start=r * size)
                )
                spent = cpu_delta(before, server_cpu(server_pid))
                for part, seconds in spent.items():
                    cpu[name][part] += seconds
    results = [merge_runs(label, runs[name]) for name, label in SCENARIOS.items()]
    for result, name in zip(results, SCENARIOS, strict=True):
        result["cpu_ms"] = {
            part: seconds * 1000 / result["count"]
            for part, seconds in cpu[name].items()
        }
    return results


def check_dispatched(registry, backend_id, count, timeout=30, *, after_id=0, label=""):
    """Every stored delivery (of id above ``after_id``) has its job; print
    the time from the stored row to its job (the dispatcher's latency)."""
    deadline = time.monotonic() + timeout
    while True:
        with registry.cursor() as cr:
            cr.execute(
                "SELECT extract(epoch FROM j.date_created - e.received_at)"
                " FROM retail_event e JOIN queue_job j ON j.uuid = e.job_uuid"
                " WHERE e.backend_model = 'shopify.backend' AND e.backend_id = %s"
                " AND e.id > %s",
                (backend_id, after_id),
            )
            delays = [float(row[0]) for row in cr.fetchall()]
        if len(delays) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if delays:
        print(
            f"Jobs queued by the dispatcher{label}: {len(delays)} "
            f"(expected {count}); "
            f"stored -> job p50 {percentile(delays, 50) * 1000:.0f} ms, "
            f"p99 {percentile(delays, 99) * 1000:.0f} ms, "
            f"max {max(delays) * 1000:.0f} ms"
        )
    else:
        print(f"Jobs queued by the dispatcher{label}: 0 (expected {count})")
    return len(delays) == count


def paced(base, backend_id, registry, prepared, rate):
    """Deliveries sent one at a time at ``rate`` per second (a steady load
    below saturation); then the dispatcher's latency for them."""
    with registry.cursor() as cr:
        cr.execute("SELECT coalesce(max(id), 0) FROM retail_event")
        after_id = cr.fetchone()[0]
    url = f"{base}/retail/shopify/webhook/{backend_id}"
    session = requests.Session()
    started = time.monotonic()
    for i, (headers, body) in enumerate(prepared):
        time.sleep(max(0.0, started + i / rate - time.monotonic()))
        session.post(url, data=body, headers=headers, timeout=30).raise_for_status()
    return check_dispatched(
        registry,
        backend_id,
        len(prepared),
        after_id=after_id,
        label=f" (steady {rate:g}/s)",
    )


def check_stored(registry, backend_id, count, retries):
    """Every delivery stored once, every retry counted; states reached."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT state, count(*), sum((SELECT count(*) FROM"
            " retail_event_duplicate d WHERE d.event_id = e.id)) FROM retail_event e"
            " WHERE backend_model = 'shopify.backend' AND backend_id = %s"
            " GROUP BY state",
            (backend_id,),
        )
        rows = cr.fetchall()
    stored = sum(row[1] for row in rows)
    duplicates = sum(row[2] for row in rows)
    states = {row[0]: row[1] for row in sorted(rows)}
    print(
        f"Stored events: {stored} (expected {count}), duplicate deliveries "
        f"counted: {duplicates} (expected {retries}); states when the server "
        f"stopped: {states}"
    )
    return stored == count and duplicates == retries


def report(results, queries, body_sizes, args):
    size = statistics.median(body_sizes) / 1024
    print_http_results(
        args,
        results,
        queries,
        middle="p95",
        extra=f", order payload: {size:.1f} KiB (median)",
    )
    print("CPU per request, ms (Odoo's processes + PostgreSQL's = total):")
    for result in results:
        cpu = result["cpu_ms"]
        print(
            f"  {result['name']}: {cpu['odoo']:.2f} + {cpu['postgres']:.2f} = "
            f"{cpu['odoo'] + cpu['postgres']:.2f}"
        )
    floor, new = results[1], results[2]
    floor_cpu, new_cpu = (sum(r["cpu_ms"].values()) for r in (floor, new))
    print(
        f"suite / floor: throughput {new['throughput'] / floor['throughput']:.2f}x, "
        f"p50 {new['p50'] / floor['p50']:.2f}x, p99 {new['p99'] / floor['p99']:.2f}x, "
        f"CPU per request {new_cpu / floor_cpu:.2f}x (throughput at equal CPU "
        f"{floor_cpu / new_cpu:.2f}x)"
    )


def main():
    args = http_bench_arguments(
        __doc__.splitlines()[0],
        requests=1000,
        port=8271,
        db="retail_bench_shopify",
        workers=2,
        concurrency=8,
    )
    args.rounds = max(1, args.rounds)

    tmp = tempfile.mkdtemp(prefix="retail-bench-")
    conf = write_server_conf(
        tmp,
        db=args.db,
        port=args.port,
        workers=args.workers,
        cron_threads=1,
        bench_addons=True,
        runner=False,
    )
    odoo = odoo_bin()
    install(odoo, conf, args.db, "retail_shopify,retail_bench_floor")
    registry = open_registry(conf, args.db)
    backend_id = create_store(registry)
    print(f"Preparing {args.requests} signed orders/create deliveries ...", flush=True)
    prepared = deliveries(args.requests + PACED)
    prepared, steady = prepared[: args.requests], prepared[args.requests :]
    base = f"http://127.0.0.1:{args.port}"
    with odoo_server(odoo, conf, base) as server:
        results = measure(base, backend_id, prepared, args, server.pid)
        dispatched = check_dispatched(registry, backend_id, args.requests)
        dispatched &= paced(base, backend_id, registry, steady, PACED_RATE)
    stored_once = check_stored(
        registry, backend_id, args.requests + PACED, args.requests
    )
    log = Path(tmp) / "odoo.log"
    problems = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if " WARNING " in line or " ERROR " in line or " CRITICAL " in line
    ]
    print(f"Odoo log: {len(problems)} WARNING/ERROR line(s)")
    for line in problems[:5]:
        print(f"  {line[:200]}")
    health = request_queries(log, "GET /web/health")
    floor = request_queries(log, "POST /retail/bench/floor")
    posts = request_queries(log, f"POST /retail/shopify/webhook/{backend_id}")
    new, duplicates = posts[: args.requests], posts[args.requests :]
    queries = [
        statistics.median(q) if q else float("nan")
        for q in (health, floor, new, duplicates)
    ]
    report(results, queries, [len(body) for _headers, body in prepared], args)
    if not args.keep_db:
        drop(args.db)
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"Kept the database {args.db} and the server's log {log}")
    answered = all(set(r["statuses"]) == {200} for r in results)
    return 0 if answered and stored_once and dispatched else 1


if __name__ == "__main__":
    sys.exit(main())

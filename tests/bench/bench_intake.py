"""Webhook intake benchmark: acknowledgement throughput and latency.

Starts Odoo with several HTTP workers on a benchmark database, creates a
backend of the test connector, then sends signed deliveries from concurrent
clients and prints throughput, latency percentiles and SQL queries per
request for:

- baseline: ``GET /web/health``, the cheapest request Odoo serves (routing,
  database selection, a response) measured in the same run;
- new deliveries: signed, unique event keys (stored and queued);
- duplicate deliveries: the same event key again (answered without new work).

Usage (Odoo 19 importable by python3, PostgreSQL running):

    python3 tests/bench/bench_intake.py [--workers 4] [--requests 2000]
        [--concurrency 16] [--port 8169] [--db retail_bench] [--keep-db]

Only loopback traffic; the number of requests and the run time are bounded.
"""

import argparse
import hashlib
import hmac
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import xmlrpc.client
from pathlib import Path

from benchlib import (
    install,
    odoo_bin,
    odoo_server,
    request_queries,
    run_load,
    write_server_conf,
)

SECRET = "bench-webhook-secret"


def create_backend(base, db):
    common = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common")
    uid = common.authenticate(db, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object")
    return models.execute_kw(
        db,
        uid,
        "admin",
        "retail.test.backend",
        "create",
        [
            {
                "name": "Bench feed",
                "state": "active",
                "webhook_secret": SECRET,
                "inbound_rate_limit": 10_000_000,
            }
        ],
    )


def measure(base, backend_id, args):
    url = f"{base}/retail/test/webhook/{backend_id}"
    run_id = os.urandom(4).hex()

    def delivery(session, i, key=None):
        body = json.dumps(
            {"id": f"C-{i}", "name": f"Customer {i}", "email": f"c{i}@bench.example"}
        ).encode()
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        return session.post(
            url,
            data=body,
            timeout=30,
            headers={
                "Content-Type": "application/json",
                "X-Test-Topic": "partner/upsert",
                "X-Test-Event-Id": key or f"{run_id}-{i}",
                "X-Test-Signature": signature,
            },
        )

    def health(session, i):
        return session.get(f"{base}/web/health", timeout=30)

    run_load("warm-up", health, min(200, args.requests), args.concurrency)
    return [
        run_load("baseline GET /web/health", health, args.requests, args.concurrency),
        run_load("new signed deliveries", delivery, args.requests, args.concurrency),
        run_load(
            "duplicate deliveries",
            lambda s, i: delivery(s, 0, key=f"{run_id}-0"),
            args.requests,
            args.concurrency,
        ),
    ]


def report(results, queries, args):
    print()
    print(
        f"Odoo workers: {args.workers}, clients: {args.concurrency}, "
        f"requests per scenario: {args.requests}, cores: {os.cpu_count()}"
    )
    header = (
        f"{'scenario':28} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} "
        f"{'p99 ms':>8} {'queries':>8}  statuses"
    )
    print(header)
    print("-" * len(header))
    for result, median_queries in zip(results, queries, strict=True):
        print(
            f"{result['name']:28} {result['throughput']:8.0f} {result['p50']:8.1f} "
            f"{result['p90']:8.1f} {result['p99']:8.1f} {median_queries:8.0f}  "
            f"{result['statuses']}"
        )
    baseline = results[0]
    for result in results[1:]:
        print(
            f"{result['name']}: {result['throughput'] / baseline['throughput']:.0%} "
            f"of the baseline throughput, p50 {result['p50'] / baseline['p50']:.1f}x"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=8169)
    parser.add_argument("--db", default="retail_bench")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    args.requests = max(10, min(args.requests, 20000))

    tmp = tempfile.mkdtemp(prefix="retail-bench-")
    conf = write_server_conf(tmp, db=args.db, port=args.port, workers=args.workers)
    odoo = odoo_bin()
    install(odoo, conf, args.db, "retail_connector_base,retail_connector_test")
    base = f"http://127.0.0.1:{args.port}"
    with odoo_server(odoo, conf, base):
        backend_id = create_backend(base, args.db)
        results = measure(base, backend_id, args)
    log = Path(tmp) / "odoo.log"
    health = request_queries(log, "GET /web/health")
    posts = request_queries(log, f"POST /retail/test/webhook/{backend_id}")
    new, duplicates = posts[: args.requests], posts[args.requests :]
    queries = [
        statistics.median(q) if q else float("nan") for q in (health, new, duplicates)
    ]
    report(results, queries, args)
    if not args.keep_db:
        subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if any(set(r["statuses"]) - {200} for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

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
    http_bench_arguments,
    install,
    odoo_bin,
    odoo_server,
    print_http_results,
    request_queries,
    run_load,
    write_server_conf,
)

SECRET = "bench-webhook-secret"


def create_backend(base, db):
    common = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common")
    uid = common.authenticate(db, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object")
    # the test connector's default remote is a loopback name, not an https
    # host of the allow-list (nothing is called: the benchmark only receives)
    models.execute_kw(
        db,
        uid,
        "admin",
        "ir.config_parameter",
        "set_param",
        ["retail_connector_base.allow_simulator_endpoints", "1"],
    )
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
    print_http_results(args, results, queries, middle="p90")


def main():
    args = http_bench_arguments(
        __doc__.splitlines()[0], requests=2000, port=8169, db="retail_bench"
    )

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

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
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-webhook-secret"
MAX_SECONDS = 600


def odoo_bin():
    import sysconfig  # noqa: PLC0415

    candidate = Path(sysconfig.get_path("scripts")) / "odoo"
    return str(candidate) if candidate.exists() else shutil.which("odoo")


def write_conf(tmp, args):
    conf = Path(tmp) / "bench.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {ROOT / 'addons'}\n"
        f"data_dir = {Path(tmp) / 'data'}\n"
        "http_interface = 127.0.0.1\n"
        f"http_port = {args.port}\n"
        f"gevent_port = {args.port + 1}\n"
        "without_demo = True\n"
        "server_wide_modules = base,web,queue_job\n"
        f"db_name = {args.db}\n"
        f"dbfilter = ^{args.db}$\n"
        f"workers = {args.workers}\n"
        "max_cron_threads = 0\n"
        "log_level = info\n"
        f"logfile = {Path(tmp) / 'odoo.log'}\n"
        "limit_time_real = 600\n"
        "[queue_job]\n"
        "channels = root:1\n"
    )
    return conf


def wait_ready(url, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"Odoo did not answer on {url} within {timeout}s")


def percentile(values, pct):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_load(name, make_request, count, concurrency):
    latencies, statuses = [], {}
    lock = threading.Lock()
    session_local = threading.local()

    def one(i):
        session = getattr(session_local, "session", None)
        if session is None:
            session = session_local.session = requests.Session()
        start = time.perf_counter()
        response = make_request(session, i)
        elapsed = time.perf_counter() - start
        with lock:
            latencies.append(elapsed)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    return {
        "name": name,
        "count": count,
        "throughput": count / wall,
        "p50": percentile(latencies, 50) * 1000,
        "p90": percentile(latencies, 90) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "mean": statistics.mean(latencies) * 1000,
        "statuses": statuses,
    }


def request_queries(log_path, path):
    """SQL queries of each access-log line for ``path``, in order.

    Odoo's werkzeug access lines end with: <status> - <queries> <sql> <other>.
    """
    regex = re.compile(rf'"{re.escape(path)} HTTP/1\.1" (\d+) - (\d+) ')
    return [
        int(m.group(2))
        for line in Path(log_path).read_text(errors="replace").splitlines()
        if (m := regex.search(line))
    ]


def install(odoo, conf, db):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    print(f"Installing the addons into {db} ...", flush=True)
    subprocess.run(
        [
            odoo,
            "-c",
            str(conf),
            "-d",
            db,
            "--workers=0",
            "-i",
            "retail_connector_base,retail_connector_test",
            "--stop-after-init",
        ],
        check=True,
    )


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
    conf = write_conf(tmp, args)
    odoo = odoo_bin()
    install(odoo, conf, args.db)
    server = subprocess.Popen(
        [odoo, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{args.port}"
    deadline = threading.Timer(MAX_SECONDS, server.terminate)
    deadline.start()
    try:
        wait_ready(f"{base}/web/health")
        backend_id = create_backend(base, args.db)
        results = measure(base, backend_id, args)
    finally:
        deadline.cancel()
        server.terminate()
        server.wait(30)
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

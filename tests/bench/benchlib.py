"""What the benchmarks share.

- In-process benchmarks: a database with retail_shopify (or other addons)
  to measure on (:func:`install_shopify`, :func:`install_addons`,
  :func:`open_registry`, :func:`drop`).
- HTTP benchmarks: an Odoo server with workers on loopback and concurrent
  clients (:func:`write_server_conf`, :func:`install`, :func:`odoo_server`,
  :func:`run_load`, :func:`request_queries`).
"""

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
#: an HTTP benchmark's server is stopped after this many seconds whatever happens
MAX_SECONDS = 600


def install_shopify(db, tmp, *, reuse=False):
    """Create ``db`` anew with retail_shopify; return the config path.

    ``reuse``: keep ``db`` when it exists (a database a previous run kept).
    """
    return install_addons(db, tmp, ["retail_shopify"], reuse=reuse)


def install_addons(db, tmp, modules, *, reuse=False):
    """Create ``db`` anew with the addons ``modules`` (a list of names);
    return the config path of an in-process benchmark.

    ``reuse``: keep ``db`` when it exists (a database a previous run kept).
    """
    conf = Path(tmp) / "bench.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {ROOT / 'addons'}\n"
        f"data_dir = {Path(tmp) / 'data'}\n"
        "http_interface = 127.0.0.1\n"
        "without_demo = True\n"
        "log_level = warn\n"
    )
    if reuse and database_exists(db):
        print(f"Reusing {db}", flush=True)
        return conf
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    print(f"Installing {', '.join(modules)} into {db} ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            str(conf),
            "-d",
            db,
            "-i",
            ",".join(modules),
            "--stop-after-init",
        ],
        check=True,
    )
    return conf


def database_exists(db):
    listing = subprocess.run(
        ["psql", "-lqtA", "-F", "|"], capture_output=True, text=True, check=True
    ).stdout
    return db in {line.split("|")[0] for line in listing.splitlines()}


def open_registry(conf, db):
    """Load Odoo's registry of ``db`` in this process."""
    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", str(conf), "-d", db], setup_logging=False)
    return Registry(db)


def drop(db):
    """Close this process's connections to ``db`` and drop it."""
    import odoo  # noqa: PLC0415

    odoo.sql_db.close_db(db)
    subprocess.run(["dropdb", "--if-exists", db], check=False)


# ----------------------------------------------------------------------
# HTTP benchmarks
# ----------------------------------------------------------------------
def odoo_bin():
    """The ``odoo`` command of the interpreter running the benchmark."""
    import sysconfig  # noqa: PLC0415

    candidate = Path(sysconfig.get_path("scripts")) / "odoo"
    return str(candidate) if candidate.exists() else shutil.which("odoo")


#: test-only addons of the benchmarks (the floor controller)
BENCH_ADDONS = Path(__file__).resolve().parent / "addons"


def write_server_conf(
    tmp, *, db, port, workers, cron_threads=0, bench_addons=False, runner=True
):
    """Configuration of a prefork server on loopback, with the job runner
    unless ``runner`` is false; ``bench_addons`` adds the benchmarks' own
    addons to the path, ``cron_threads`` runs the scheduler."""
    conf = Path(tmp) / "bench.conf"
    addons_path = ",".join(
        str(path)
        for path in (ROOT / "addons", BENCH_ADDONS if bench_addons else None)
        if path
    )
    conf.write_text(
        "[options]\n"
        f"addons_path = {addons_path}\n"
        f"data_dir = {Path(tmp) / 'data'}\n"
        "http_interface = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"gevent_port = {port + 1}\n"
        "without_demo = True\n"
        f"server_wide_modules = base,web{',queue_job' if runner else ''}\n"
        f"db_name = {db}\n"
        f"dbfilter = ^{db}$\n"
        f"workers = {workers}\n"
        f"max_cron_threads = {cron_threads}\n"
        "log_level = info\n"
        f"logfile = {Path(tmp) / 'odoo.log'}\n"
        "limit_time_real = 600\n"
        "[queue_job]\n"
        "channels = root:1\n"
    )
    return conf


def install(odoo, conf, db, modules):
    """Create ``db`` anew with ``modules`` (comma-separated)."""
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    print(f"Installing {modules} into {db} ...", flush=True)
    subprocess.run(
        [
            odoo,
            "-c",
            str(conf),
            "-d",
            db,
            "--workers=0",
            "-i",
            modules,
            "--stop-after-init",
        ],
        check=True,
    )


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


@contextlib.contextmanager
def odoo_server(odoo, conf, base):
    """Run the server of ``conf`` until the block ends (or MAX_SECONDS)."""
    server = subprocess.Popen(
        [odoo, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = threading.Timer(MAX_SECONDS, server.terminate)
    deadline.start()
    try:
        wait_ready(f"{base}/web/health")
        yield server
    finally:
        deadline.cancel()
        server.terminate()
        server.wait(30)


def percentile(values, pct):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _proc_stat(pid):
    """``(comm, ppid, own CPU s, waited-for children's CPU s)`` of ``pid``
    from ``/proc``, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    own = (int(fields[11]) + int(fields[12])) / ticks
    children = (int(fields[13]) + int(fields[14])) / ticks
    return comm, int(fields[1]), own, children


def server_cpu(server_pid):
    """CPU seconds used so far by the Odoo server ``server_pid`` (its
    processes, and those of them that ended) and by PostgreSQL (every
    ``postgres`` process of the machine, and the backends that ended: their
    server's children). CPU time, unlike throughput, does not count the
    time a process waited for a core: what the machine's other load or the
    hypervisor takes does not show in it. Linux only (``/proc``);
    ``{"odoo": s, "postgres": s}``."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(entry.name)):
            stats[int(entry.name)] = stat
    tree, grew = {server_pid}, True
    while grew:
        grew = False
        for pid, (_comm, ppid, _own, _children) in stats.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    totals = {"odoo": 0.0, "postgres": 0.0}
    for pid, (comm, ppid, own, children) in stats.items():
        if pid in tree:
            totals["odoo"] += own + (children if pid == server_pid else 0.0)
        elif comm == "postgres":
            parent = stats.get(ppid)
            is_server = parent is None or parent[0] != "postgres"
            totals["postgres"] += own + (children if is_server else 0.0)
    return totals


def cpu_delta(before, after):
    return {name: after[name] - before[name] for name in before}


def run_load(name, make_request, count, concurrency, *, start=0):
    """Send ``make_request(session, i)`` for i in ``range(count)`` (or the
    given range) from ``concurrency`` client threads; return throughput,
    latency percentiles (ms) and the answers' status codes."""
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
        list(pool.map(one, range(start, start + count)))
    wall = time.perf_counter() - started
    return summarize(name, latencies, statuses, wall)


def summarize(name, latencies, statuses, wall):
    """Throughput and latency percentiles (ms) of answered requests."""
    count = len(latencies)
    return {
        "name": name,
        "count": count,
        "wall": wall,
        "latencies": latencies,
        "throughput": count / wall,
        "p50": percentile(latencies, 50) * 1000,
        "p90": percentile(latencies, 90) * 1000,
        "p95": percentile(latencies, 95) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "mean": statistics.mean(latencies) * 1000,
        "statuses": statuses,
    }


def merge_runs(name, runs):
    """One result of several runs of a scenario (interleaved with others)."""
    statuses = {}
    for run in runs:
        for status, n in run["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return summarize(
        name,
        [latency for run in runs for latency in run["latencies"]],
        statuses,
        sum(run["wall"] for run in runs),
    )


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


def http_bench_arguments(description, *, requests, port, db, workers=4, concurrency=16):
    """Command-line options shared by the HTTP benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--concurrency", type=int, default=concurrency)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--db", default=db)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="slices in which the scenarios take turns (where supported)",
    )
    args = parser.parse_args()
    args.requests = max(10, min(args.requests, 20000))
    return args


def print_http_results(args, results, queries, *, middle, extra=""):
    """The table of an HTTP benchmark, then each scenario against the first.

    ``middle`` is the percentile shown between p50 and p99 (``p90``, ``p95``).
    """
    print()
    print(
        f"Odoo workers: {args.workers}, clients: {args.concurrency}, "
        f"requests per scenario: {args.requests}, cores: {os.cpu_count()}" + extra
    )
    width = max(len(result["name"]) for result in results) + 2
    header = (
        f"{'scenario':{width}} {'req/s':>8} {'p50 ms':>8} {middle + ' ms':>8} "
        f"{'p99 ms':>8} {'queries':>8}  statuses"
    )
    print(header)
    print("-" * len(header))
    for result, median_queries in zip(results, queries, strict=True):
        print(
            f"{result['name']:{width}} {result['throughput']:8.0f} "
            f"{result['p50']:8.1f} {result[middle]:8.1f} {result['p99']:8.1f} "
            f"{median_queries:8.0f}  {result['statuses']}"
        )
    baseline = results[0]
    for result in results[1:]:
        print(
            f"{result['name']}: {result['throughput'] / baseline['throughput']:.0%} "
            f"of the baseline throughput, p50 {result['p50'] / baseline['p50']:.1f}x"
        )

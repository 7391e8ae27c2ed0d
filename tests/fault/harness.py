"""The fault harness: real Odoo processes, loopback simulators, faults.

- :class:`Profile`: the sizes of a run (:data:`SHORT` in ``make test``,
  :data:`FULL` in ``make fault``), its ports and database names.
- :class:`FaultDatabase`: a template database installed once per profile
  (retail_shopify, retail_pos, retail_3pl and the fixture of
  :mod:`.fixture`), cloned afresh for each scenario (``createdb -T``).
- :class:`OdooServer`: one prefork Odoo on loopback with HTTP workers, the
  scheduler (the intake's dispatcher is a cron) and queue_job's runner (in
  a prefork server, a worker process of its own the master respawns); its
  pids are read from its log, where each line carries the pid writing it.
- :class:`Senders`: concurrent clients delivering each document several
  times and retrying a refused or unanswered delivery, as Shopify, tills
  and 3PL providers do; they record what was acknowledged and how fast.
- faults: :func:`kill9`, :func:`terminate_backends` (the server's own
  PostgreSQL connections cut), :func:`restart_postgres` (the real thing,
  only when asked), :class:`FlakyFaults` (a remote failing a share of its
  calls, Shopify answering THROTTLED too) and :class:`ServedSimulator`
  (its outage) on a simulator served in this process.
- checks against the database, with SQL only (:class:`Database`,
  :func:`drain`): the harness never loads an Odoo registry itself.
"""

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg2
import requests

from odoo.addons.retail_connector_base.simulator import faults as sim_faults

#: how the harness runs Odoo (not ``python -m odoo``: see that file)
ODOO_CLI = Path(__file__).resolve().parent / "odoo_cli.py"

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
MODULES = "retail_shopify,retail_pos,retail_3pl"
#: event and job states that are work still to do
PENDING_EVENTS = ("received", "queued", "processing")
PENDING_JOBS = ("wait_dependencies", "pending", "enqueued", "started")

SHOP_DOMAIN = "fault-store.myshopify.com"
SHOP_TOKEN = "shpat_fault_token"
SHOP_SECRET = "fault-shopify-client-secret"
THREEPL_TOKEN = "fault-3pl-token"
THREEPL_SECRET = "fault-3pl-signing-secret"


@dataclass(frozen=True)
class Profile:
    """Sizes of one run of the scenarios."""

    name: str
    port_base: int
    #: duplicates: documents, deliveries of each, concurrent senders
    documents: int = 10
    copies: int = 3
    senders: int = 3
    #: HTTP workers of the server
    workers: int = 2
    #: kill -9: documents of the scenario
    kill_documents: int = 12
    #: deliveries per second of the kill and PostgreSQL scenarios
    intake_rate: float = 4.0
    #: PostgreSQL: documents, connection cuts
    pg_documents: int = 12
    pg_cuts: int = 2
    restart_postgres: bool = False
    #: remote faults: 3PL fulfilment requests, Shopify fulfilments, share
    #: of failing calls, outage (s)
    remote_orders: int = 12
    shopify_fulfilments: int = 10
    failure_rate: float = 0.3
    outage_seconds: float = 15.0
    timeouts: int = 0
    circuit_threshold: int = 3
    circuit_cooldown: int = 3
    #: flash sale: orders, seconds, workers
    flash_orders: int = 30
    flash_seconds: float = 5.0
    flash_workers: int = 4
    #: schemathesis: generated cases per API
    api_cases: int = 40
    #: seconds the work may take to drain once the faults stop
    drain_timeout: float = 120.0

    @property
    def odoo_port(self):
        return self.port_base

    @property
    def shopify_port(self):
        return self.port_base + 10

    @property
    def threepl_port(self):
        return self.port_base + 11

    def db(self, suffix):
        prefix = os.environ.get("FAULT_DB_PREFIX", f"fault_{self.name}")
        return f"{prefix}_{suffix}"

    def settings(self):
        """What :mod:`.fixture` makes the template's backends of."""
        return {
            "shop_domain": SHOP_DOMAIN,
            "shop_token": SHOP_TOKEN,
            "shop_secret": SHOP_SECRET,
            "shopify_url": f"http://127.0.0.1:{self.shopify_port}",
            "threepl_url": f"http://127.0.0.1:{self.threepl_port}/v1",
            "threepl_token": THREEPL_TOKEN,
            "threepl_secret": THREEPL_SECRET,
            "circuit_threshold": self.circuit_threshold,
            "circuit_cooldown": self.circuit_cooldown,
        }


#: what ``make test`` runs: seconds, not minutes
SHORT = Profile(name="short", port_base=8600)
#: what ``make fault`` runs: the sizes of the issue
FULL = Profile(
    name="full",
    port_base=8650,
    documents=1000,
    copies=5,
    senders=10,
    workers=4,
    kill_documents=500,
    intake_rate=10.0,
    pg_documents=500,
    pg_cuts=5,
    remote_orders=300,
    shopify_fulfilments=300,
    outage_seconds=600.0,
    timeouts=5,
    circuit_threshold=5,
    circuit_cooldown=30,
    flash_orders=5000,
    flash_seconds=300.0,
    flash_workers=4,
    api_cases=1000,
    # the drain waits for the order reconciliation too: reading every
    # order of the flash sale whole, 5 a page, it ran past 1,800 s and past
    # this hour; listing them 250 a page it drained in 637 s, on a machine
    # shared with the test suite (see README)
    drain_timeout=3600.0,
)


def scaled(profile, **sizes):
    """``profile`` with some sizes changed (a run of one scenario by hand)."""
    return replace(profile, **sizes)


# ----------------------------------------------------------------------
# databases
# ----------------------------------------------------------------------
def run(command, **options):
    return subprocess.run(command, check=True, **options)


def database_exists(db):
    listing = subprocess.run(
        ["psql", "-d", "postgres", "-Atc", "SELECT datname FROM pg_database"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return db in listing.split()


def dropdb(db):
    with Database("postgres") as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (db,),
        )
    run(["dropdb", "--if-exists", db], capture_output=True)


class Database:
    """A plain psycopg2 connection (autocommit) to read what Odoo did."""

    def __init__(self, db):
        self.db = db
        self.conn = None

    def __enter__(self):
        self.conn = psycopg2.connect(dbname=self.db)
        self.conn.autocommit = True
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def execute(self, query, args=None):
        with self.conn.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None

    def value(self, query, args=None):
        rows = self.execute(query, args)
        return rows[0][0] if rows else None

    def counts(self, query, args=None):
        """``{key: count}`` of a ``SELECT key, count(*) ... GROUP BY key``."""
        return dict(self.execute(query, args))


class FaultDatabase:
    """The template of a profile, installed once, and its clones."""

    def __init__(self, profile, workdir):
        self.profile = profile
        self.workdir = Path(workdir)
        self.template = profile.db("template")
        self.fixture = None
        self.conf = write_conf(
            self.workdir / "install",
            db=self.template,
            port=profile.odoo_port,
            workers=0,
        )

    def install(self):
        """Install the addons into the template and make the fixture."""
        dropdb(self.template)
        started = time.monotonic()
        run(
            [sys.executable, str(ODOO_CLI), "-c", str(self.conf), "-d", self.template]
            + ["-i", MODULES, "--stop-after-init", "--workers=0"],
        )
        self.fixture = self._fixture(None, "setup", json.dumps(self.profile.settings()))
        return time.monotonic() - started

    def _fixture(self, db, *commands):
        """Run the fixture's ``commands`` (``command, argument, ...``) in one
        transaction of ``db`` (the template when None); their results."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), *sys.path]))
        out = run(
            [sys.executable, "-m", "fault.fixture", str(self.conf)]
            + [db or self.template, *(str(word) for word in commands)],
            capture_output=True,
            text=True,
            env=env,
            cwd=TESTS,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    def clone(self, suffix):
        """A fresh copy of the template (and its filestore); its name."""
        db = self.profile.db(suffix)
        dropdb(db)
        run(["createdb", "-T", self.template, db])
        filestore = self.workdir / "install" / "data" / "filestore"
        if (filestore / self.template).is_dir():
            shutil.copytree(
                filestore / self.template,
                self.workdir / suffix / "data" / "filestore" / db,
                dirs_exist_ok=True,
            )
        return db

    def deliveries(self, db, count):
        """Confirm ``count`` deliveries of the 3PL warehouse in ``db``."""
        return self._fixture(db, "deliveries", count)["picking_ids"]

    def push(self, db, *, deliveries=0, ship=0):
        """At once in ``db``: confirm ``deliveries`` deliveries of the 3PL
        warehouse, validate those of ``ship`` imported Shopify orders.
        ``(3PL picking ids, Shopify picking ids)``."""
        commands = []
        if deliveries:
            commands += ["deliveries", deliveries]
        if ship:
            commands += ["ship", ship]
        if not commands:
            return [], []
        done = self._fixture(db, *commands)
        return done.get("picking_ids", []), done.get("shipped_picking_ids", [])

    def drop(self):
        dropdb(self.template)


# ----------------------------------------------------------------------
# the Odoo server
# ----------------------------------------------------------------------
def write_conf(
    directory, *, db, port, workers, cron_threads=1, channels="root:2", extra=""
):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "odoo.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {ROOT / 'addons'}\n"
        f"data_dir = {directory / 'data'}\n"
        "http_interface = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"gevent_port = {port + 1}\n"
        "without_demo = True\n"
        "server_wide_modules = base,web,queue_job\n"
        f"db_name = {db}\n"
        f"dbfilter = ^{db}$\n"
        f"workers = {workers}\n"
        f"max_cron_threads = {cron_threads}\n"
        "log_level = info\n"
        f"logfile = {directory / 'odoo.log'}\n"
        "limit_time_real = 300\n"
        "limit_time_cpu = 300\n"
        "[queue_job]\n"
        f"channels = {channels}\n" + extra
    )
    return conf


def _ppid(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command may hold spaces and parentheses: the fields follow the last ')'
    return int(stat.rsplit(")", 1)[1].split()[1])


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class OdooServer:
    """A prefork Odoo with ``workers`` HTTP workers, the scheduler and the
    job runner, on ``db`` (its own directory under ``workdir``)."""

    #: a server is killed after this many seconds whatever happens
    MAX_SECONDS = 3 * 3600

    def __init__(self, profile, db, workdir, *, workers=None):
        self.db = db
        self.port = profile.odoo_port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.directory = Path(workdir)
        self.conf = write_conf(
            self.directory,
            db=db,
            port=self.port,
            workers=workers or profile.workers,
        )
        self.log = self.directory / "odoo.log"
        self.process = None
        self.starts = 0
        self._deadline = None

    # -- life --------------------------------------------------------------
    def start(self, timeout=120):
        self.process = subprocess.Popen(
            [sys.executable, str(ODOO_CLI), "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.directory / "stderr.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        self.starts += 1
        self._deadline = threading.Timer(self.MAX_SECONDS, self.kill)
        self._deadline.daemon = True
        self._deadline.start()
        self.wait_ready(timeout)
        return self

    def supervise(self, interval=0.5):
        """Start the server again whenever it stops by itself, as a service
        manager does (``Restart=always``): Odoo's main process stops when
        its own database connection is cut while it checks the registries.
        Returns a callable that ends the supervision."""
        stopped = threading.Event()

        def watch():
            while not stopped.wait(interval):
                if self.process is not None and self.process.poll() is not None:
                    try:
                        self.start()
                    except RuntimeError:
                        continue

        thread = threading.Thread(target=watch, daemon=True, name="supervisor")
        thread.start()

        def end():
            stopped.set()
            thread.join(30)

        return end

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Odoo exited with status {self.process.returncode}; see {self.log}"
                )
            try:
                if requests.get(f"{self.base_url}/web/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"Odoo did not answer on {self.base_url} in {timeout}s")

    def stop(self, timeout=60):
        """SIGTERM (the graceful stop), SIGKILL of the group past ``timeout``."""
        if self.process is None:
            return
        if self._deadline:
            self._deadline.cancel()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reap_group()
        self.process = None

    def kill(self):
        """``kill -9`` of the master and every worker at once (a crash)."""
        if self.process is None:
            return
        pids = [self.process.pid, *self.children()]
        for pid in pids:
            kill9(pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self._reap_group()

    def _reap_group(self):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- its processes -------------------------------------------------------
    def children(self):
        """Pids of the master's live worker processes."""
        master = self.process.pid
        return [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit()
            and _ppid(int(entry.name)) == master
            and alive(int(entry.name))
        ]

    def _log_pids(self, marker):
        pids = []
        with contextlib.suppress(FileNotFoundError):
            for line in self.log.read_text(errors="replace").splitlines():
                if marker in line:
                    parts = line.split()
                    if len(parts) > 2 and parts[2].isdigit():
                        pids.append(int(parts[2]))
        return pids

    def runner_pid(self, timeout=30):
        """The job runner's worker (the last one the log saw start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            children = set(self.children())
            started = [
                pid
                for pid in self._log_pids("queue_job.jobrunner.runner: starting")
                if pid in children
            ]
            if started:
                return started[-1]
            time.sleep(0.2)
        raise RuntimeError("the job runner did not start")

    def http_worker_pids(self):
        """The live workers the access log shows answering requests."""
        children = set(self.children())
        return sorted(set(self._log_pids(" werkzeug: ")) & children)

    def log_problems(self, expected=()):
        """WARNING/ERROR/CRITICAL lines of the server's log, but those
        holding one of the ``expected`` texts (what the fault causes)."""
        problems = []
        with contextlib.suppress(FileNotFoundError):
            lines = self.log.read_text(errors="replace").splitlines()
            for line in lines:
                parts = line.split(maxsplit=4)
                if (
                    len(parts) > 3
                    and parts[3] in ("WARNING", "ERROR", "CRITICAL")
                    and not any(text in line for text in expected)
                ):
                    problems.append(line)
        # what a process printed before it could log (a worker dying at
        # start): the last line of each traceback on the server's stderr
        with contextlib.suppress(FileNotFoundError):
            errors = (self.directory / "stderr.log").read_text(errors="replace")
            for block in errors.split("Traceback (most recent call last):")[1:]:
                lines = [line.strip() for line in block.splitlines() if line.strip()]
                last = lines[-1] if lines else "?"
                if not any(text in last for text in expected):
                    problems.append(f"stderr: {last}")
        return problems


def kill9(pid):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# ----------------------------------------------------------------------
# PostgreSQL faults
# ----------------------------------------------------------------------
def terminate_backends(db):
    """Cut every PostgreSQL connection of ``db`` (the server's own): what a
    restart of PostgreSQL does to that server, without touching the
    connections of other databases. Returns how many were cut."""
    with Database("postgres") as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (db,),
        )
    return sum(1 for (done,) in rows if done)


def restart_postgres():
    """Restart the PostgreSQL server itself (``make fault
    --restart-postgres`` only: every database of the machine loses its
    connections). Returns the command that did it."""
    commands = []
    if shutil.which("pg_lsclusters"):
        listing = subprocess.run(
            ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
        ).stdout.split()
        if len(listing) >= 2:
            commands.append(["pg_ctlcluster", listing[0], listing[1], "restart"])
    commands.append(["service", "postgresql", "restart"])
    for command in commands:
        if subprocess.run(command, capture_output=True, check=False).returncode == 0:
            wait_postgres()
            return " ".join(command)
    raise RuntimeError("PostgreSQL could not be restarted on this machine")


def wait_postgres(timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            psycopg2.connect(dbname="postgres").close()
            return
        except psycopg2.OperationalError:
            time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not come back")


# ----------------------------------------------------------------------
# senders
# ----------------------------------------------------------------------
@dataclass
class Delivery:
    """One document a sender owes: its key (what identifies it at Odoo)."""

    key: str
    url: str
    headers: dict
    body: bytes


def percentile(values, pct):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class SendReport:
    """What the senders saw."""

    attempts: int = 0
    acknowledged: dict = field(default_factory=dict)  # key -> acks
    refusals: dict = field(default_factory=dict)  # status or error -> count
    latencies: list = field(default_factory=list)  # of acknowledged attempts
    unacknowledged: list = field(default_factory=list)  # keys given up
    wall: float = 0.0

    def figures(self):
        return {
            "attempts": self.attempts,
            "acknowledged documents": len(self.acknowledged),
            "acknowledgements": sum(self.acknowledged.values()),
            "refusals": dict(sorted(self.refusals.items())),
            "given up": len(self.unacknowledged),
            "ack p50 ms": round(percentile(self.latencies, 50) * 1000, 1),
            "ack p99 ms": round(percentile(self.latencies, 99) * 1000, 1),
            "seconds": round(self.wall, 1),
        }


class Senders:
    """``concurrency`` clients delivering each document ``copies`` times.

    A delivery answered anything but 2xx, or not answered, is sent again
    after a growing delay (``retry_delay`` doubled up to ``max_delay``), as
    real senders retry, until acknowledged or ``give_up`` seconds after its
    first attempt. With ``rate`` the first deliveries leave at that pace
    (deliveries per second, an open-loop load such as a flash sale),
    otherwise as fast as the clients go, copies shuffled among them.
    """

    def __init__(  # noqa: PLR0913 - the settings of a load
        self,
        deliveries,
        *,
        copies=1,
        concurrency=4,
        rate=None,
        retry_delay=0.5,
        max_delay=10.0,
        give_up=900.0,
        timeout=30.0,
        seed=0,
    ):
        self.work = [d for d in deliveries for _copy in range(copies)]
        random.Random(seed).shuffle(self.work)
        if rate:
            # the copies of one document follow it, the load keeps its pace
            order = {id(d): n for n, d in enumerate(deliveries)}
            self.work.sort(key=lambda d: order[id(d)])
        self.concurrency = concurrency
        self.rate = rate
        self.retry_delay = retry_delay
        self.max_delay = max_delay
        self.give_up = give_up
        self.timeout = timeout
        self.report = SendReport()
        self._lock = threading.Lock()
        self._next = 0
        self._local = threading.local()
        self.started = None

    def _take(self):
        with self._lock:
            if self._next >= len(self.work):
                return None, None
            index, self._next = self._next, self._next + 1
            return index, self.work[index]

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _refused(self, reason):
        with self._lock:
            self.report.refusals[reason] = self.report.refusals.get(reason, 0) + 1

    def _deliver(self, delivery):
        first = time.monotonic()
        delay = self.retry_delay
        while True:
            start = time.perf_counter()
            try:
                response = self._session().post(
                    delivery.url,
                    data=delivery.body,
                    headers=delivery.headers,
                    timeout=self.timeout,
                )
                status = response.status_code
            except requests.RequestException as exc:
                status, reason = None, type(exc).__name__
                self._local.session = None
            elapsed = time.perf_counter() - start
            with self._lock:
                self.report.attempts += 1
            if status is not None and 200 <= status < 300:
                with self._lock:
                    acks = self.report.acknowledged
                    acks[delivery.key] = acks.get(delivery.key, 0) + 1
                    self.report.latencies.append(elapsed)
                return
            self._refused(status if status is not None else reason)
            if time.monotonic() - first > self.give_up:
                with self._lock:
                    self.report.unacknowledged.append(delivery.key)
                return
            time.sleep(delay)
            delay = min(delay * 2, self.max_delay)

    def _client(self):
        while True:
            index, delivery = self._take()
            if delivery is None:
                return
            if self.rate:
                time.sleep(
                    max(0.0, self.started + index / self.rate - time.monotonic())
                )
            self._deliver(delivery)

    def start(self):
        """Send from background threads; :meth:`join` waits for them."""
        self.started = time.monotonic()
        self.threads = [
            threading.Thread(target=self._client, daemon=True, name=f"sender-{n}")
            for n in range(self.concurrency)
        ]
        for thread in self.threads:
            thread.start()
        return self

    @property
    def sent(self):
        """Deliveries taken by the clients so far."""
        with self._lock:
            return self._next

    def join(self, timeout=None):
        for thread in self.threads:
            thread.join(timeout)
        self.report.wall = time.monotonic() - self.started
        return self.report

    def run(self):
        return self.start().join()


def wait_until(predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# ----------------------------------------------------------------------
# remote faults
# ----------------------------------------------------------------------
class FlakyFaults(sim_faults.Faults):
    """A remote failing ``rate`` of its calls at random (429 with
    Retry-After, 500, 502, 503, or one of the remote's own ``answers``,
    faults by name such as Shopify's ``THROTTLED``, drawn for
    ``answer_share`` of the failures, by default as often as each status)
    and, ``timeouts`` times, holding a call past the client's read timeout;
    the queued faults of the base class are taken first. ``taken`` counts
    them by status, name or ``timeout``. Set ``enabled`` false to stop
    failing."""

    STATUSES = (429, 500, 502, 503)

    def __init__(  # noqa: PLR0913 - the settings of the faults
        self,
        rate,
        *,
        timeouts=0,
        timeout_delay=31.0,
        seed=0,
        answers=None,
        answer_share=None,
    ):
        super().__init__()
        self.rate = rate
        self.timeouts = timeouts
        self.timeout_delay = timeout_delay
        self.random = random.Random(seed)
        self.answers = dict(answers or {})
        if answer_share is None:
            answer_share = len(self.answers) / (len(self.answers) + len(self.STATUSES))
        self.answer_share = answer_share
        self.enabled = True
        self.taken = {}

    def _kind(self, fault):
        if fault.timeout:
            return "timeout"
        names = [name for name, answer in self.answers.items() if answer == fault]
        return names[0] if names else fault.status

    def _draw(self):
        if self.timeouts:
            self.timeouts -= 1
            return sim_faults.Fault(None, delay=self.timeout_delay)
        if self.answers and self.random.random() < self.answer_share:
            return self.answers[self.random.choice(sorted(self.answers))]
        status = self.random.choice(self.STATUSES)
        retry_after = 1 if status in (429, 503) else None
        return sim_faults.Fault(status, retry_after=retry_after)

    def take(self):
        fault = super().take()
        with self._lock:
            if fault is None and self.enabled and self.random.random() < self.rate:
                fault = self._draw()
            if fault is not None:
                kind = self._kind(fault)
                self.taken[kind] = self.taken.get(kind, 0) + 1
        return fault


class ServedSimulator:
    """A simulator served on a fixed loopback port; :meth:`outage` stops
    serving it (connections refused) until :meth:`restore`."""

    def __init__(self, simulator, port, serve):
        self.simulator = simulator
        self.port = port
        self._serve = serve
        self.server = None

    def start(self):
        self.server, _url = self._serve(self.simulator, "127.0.0.1", self.port)
        return self

    def outage(self):
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    def restore(self):
        deadline = time.monotonic() + 30
        while True:
            try:
                return self.start()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self):
        if self.server is not None:
            self.outage()


class CircuitWatch:
    """Polls the circuit states of the database; keeps every state seen."""

    def __init__(self, db, key_prefix, interval=0.2):
        self.db = db
        self.key_prefix = key_prefix
        self.interval = interval
        self.seen = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        with Database(self.db) as database:
            while not self._stop.wait(self.interval):
                states = database.execute(
                    "SELECT state FROM retail_circuit WHERE key LIKE %s",
                    (f"{self.key_prefix}%",),
                )
                for (state,) in states:
                    if not self.seen or self.seen[-1] != state:
                        self.seen.append(state)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    @property
    def opened_then_closed(self):
        return "open" in self.seen and self.seen[-1] == "closed"


# ----------------------------------------------------------------------
# what the database says
# ----------------------------------------------------------------------
def stuck(database):
    """Events and jobs still to be done: ``{"events": {state: n}, "jobs": ...}``."""
    return {
        "events": database.counts(
            "SELECT state, count(*) FROM retail_event WHERE state IN %s GROUP BY state",
            (PENDING_EVENTS,),
        ),
        "jobs": database.counts(
            "SELECT state, count(*) FROM queue_job WHERE state IN %s GROUP BY state",
            (PENDING_JOBS,),
        ),
    }


def drain(database, timeout):
    """Wait until no event and no job is left to do; the seconds it took,
    or None when some are still there after ``timeout``."""
    started = time.monotonic()
    drained = wait_until(
        lambda: not any(stuck(database).values()), timeout, interval=0.5
    )
    return round(time.monotonic() - started, 1) if drained else None


def failures(database):
    """Failed events and jobs, jobs that spent all their tries, open sync
    exceptions."""
    return {
        "failed events": database.value(
            "SELECT count(*) FROM retail_event WHERE state = 'failed'"
        ),
        "failed jobs": database.value(
            "SELECT count(*) FROM queue_job WHERE state = 'failed'"
        ),
        "exhausted jobs": database.value(
            "SELECT count(*) FROM queue_job"
            " WHERE max_retries > 0 AND retry >= max_retries"
        ),
        "open exceptions": database.value(
            "SELECT count(*) FROM retail_sync_exception WHERE state = 'open'"
        ),
    }


@dataclass
class Result:
    """A scenario's figures and checks."""

    name: str
    figures: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)  # (what, ok, detail)

    def check(self, what, ok, detail=""):
        self.checks.append((what, bool(ok), detail))
        return ok

    @property
    def ok(self):
        return all(ok for _what, ok, _detail in self.checks)

    def failed(self):
        return [(what, detail) for what, ok, detail in self.checks if not ok]

    def text(self):
        lines = [f"== {self.name}"]
        lines += [f"   {key}: {value}" for key, value in self.figures.items()]
        lines += [
            f"   [{'ok' if ok else 'FAILED'}] {what}"
            + (f" ({detail})" if detail else "")
            for what, ok, detail in self.checks
        ]
        return "\n".join(lines)


def workdir(prefix="retail-fault-"):
    return Path(tempfile.mkdtemp(prefix=prefix))

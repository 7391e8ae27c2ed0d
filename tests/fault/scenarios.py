"""The fault scenarios: each starts its servers on a fresh clone of the
profile's template, injects its fault, and checks the database afterwards.

Every scenario returns a :class:`~.harness.Result` (figures and checks);
:mod:`.run` prints them (``make fault``), ``test_fault_short.py`` asserts
them at the short profile's sizes (``make test``).

- :func:`duplicates`: Shopify orders, POS tickets and 3PL shipment
  confirmations, each delivered several times by concurrent senders;
- :func:`kill_workers`: ``kill -9`` of the job runner and of HTTP workers
  while orders are being taken and imported, then of the whole server,
  restarted;
- :func:`connection_loss`: the server's PostgreSQL connections cut during
  intake (or PostgreSQL itself restarted, when the profile says so);
- :func:`remote_faults`: the 3PL and Shopify answering 429/5xx (Shopify
  THROTTLED too) or timing out on a share of the calls, then down for an
  outage, while fulfilment requests and fulfilments are sent;
- :func:`flash_sale`: orders at a steady high rate for minutes;
- :func:`schemathesis_apis` (in :mod:`.apis`): generated requests against
  the POS and 3PL OpenAPI documents.
"""

import contextlib
import json
import threading
import time
import uuid

from odoo.addons.retail_3pl.simulator import GenericProviderSimulator
from odoo.addons.retail_connector_base import simulator as sim_base
from odoo.addons.retail_pos.simulator.tills import TillSimulator
from odoo.addons.retail_shopify.simulator.schema import schema_path
from odoo.addons.retail_shopify.simulator.shopify import ShopifySimulator, SpentBucket

from . import fixture
from .harness import (
    SHOP_DOMAIN,
    SHOP_SECRET,
    SHOP_TOKEN,
    THREEPL_SECRET,
    THREEPL_TOKEN,
    CircuitWatch,
    Database,
    Delivery,
    FlakyFaults,
    OdooServer,
    Result,
    Senders,
    ServedSimulator,
    drain,
    failures,
    kill9,
    restart_postgres,
    stuck,
    terminate_backends,
    wait_until,
)

#: what a killed job or connection leaves in the server's log, on purpose
KILL_NOISE = (
    "Re-queued dead job",
    "Worker (",  # the master reports the worker it lost and respawns it
    "queue_job.jobrunner.runner: exception",
    "could not connect",
    "server closed the connection",
    "terminating connection due to administrator command",
    "connection already closed",
    "SSL connection has been closed",
    "InterfaceError",
    "OperationalError",
)
#: what a request, a cron or a job cut from PostgreSQL logs, on purpose
CONNECTION_NOISE = (
    *KILL_NOISE,
    "Exception during request handling",
    "Exception in cron",
    "odoo.addons.base.models.ir_cron: Job '",
    "bad query",
    "terminating connection",
    # the main process's own connection cut: it stops, and is started again
    "server closed the connection unexpectedly",
)


# ----------------------------------------------------------------------
# the remotes and their documents
# ----------------------------------------------------------------------
def shopify_simulator():
    if not schema_path().is_file():
        raise RuntimeError(
            f"The Shopify schema is not cached in {schema_path()}: `make test` "
            "fetches it."
        )
    sim = ShopifySimulator(
        shop_domain=SHOP_DOMAIN, access_token=SHOP_TOKEN, client_secret=SHOP_SECRET
    )
    variants = [
        sim.add_product(sku, variants=[{"sku": sku, "price": price}])["variants"][0]
        for sku, price in fixture.SHOPIFY_SKUS
    ]
    return sim, variants


def shopify_orders(sim, variants, server, backend_id, count):
    """``count`` paid orders placed in the shop, as signed ``orders/create``
    deliveries to the store's webhook route."""
    url = f"{server.base_url}/retail/shopify/webhook/{backend_id}"
    result = []
    for i in range(count):
        payload = sim.create_order(
            [
                {"variant_gid": v["id"], "quantity": 1 + (i + n) % 3, "price": price}
                for n, (v, (_sku, price)) in enumerate(
                    zip(variants, fixture.SHOPIFY_SKUS, strict=True)
                )
            ],
            customer={
                "first_name": "Fault",
                "last_name": f"Customer {i % 20}",
                "email": f"customer{i % 20}@fault.example",
            },
            shipping={"title": "Standard", "price": "5.00"},
            notify=False,
        )
        headers, body = sim.signed_webhook(
            "orders/create", payload, event_id=str(uuid.uuid4())
        )
        result.append(Delivery(str(payload["id"]), url, headers, body))
    return result


def pos_batches(server, key, count, batch_size=5):
    """``count`` tickets of the tills, in signed batches of ``batch_size``."""
    tills = TillSimulator(
        fixture.POS_STORE,
        key,
        base_url=server.base_url,
        products={sku: (price, "VAT20") for sku, price in fixture.POS_SKUS},
        terminals=("T1", "T2"),
        batch_size=batch_size,
    )
    for terminal in tills.terminals:
        tills.go_offline(terminal)
    skus = [sku for sku, _price in fixture.POS_SKUS]
    for i in range(count):
        tills._clock.advance(1)
        items = [(sku, 1 + (i + n) % 3) for n, sku in enumerate(skus[: 1 + i % 3])]
        tills.sell("T1" if i % 2 else "T2", items, method="CARD" if i % 4 else "CASH")
    for terminal in tills.terminals:
        tills.go_online(terminal)
    result = []
    for webhook in list(tills.outbox):
        (url, _route), *_ = tills._webhook_routes(webhook)
        headers, body = tills._sign_webhook(webhook, None)
        tickets = ",".join(t["ticket_id"] for t in webhook.payload["tickets"])
        result.append(Delivery(tickets, url, headers, body))
    return result


def threepl_simulator(profile, faults=None):
    sim = GenericProviderSimulator(
        THREEPL_TOKEN,
        THREEPL_SECRET,
        base_url=f"http://127.0.0.1:{profile.threepl_port}/v1",
        warehouse_code=fixture.THREEPL_WAREHOUSE,
    )
    if faults is not None:
        sim.faults = faults
    return sim


def threepl_confirmations(sim, server, provider_id):
    """Ship every order the provider accepted; the signed
    ``shipment.confirmed`` messages, one per order."""
    url = f"{server.base_url}/retail/3pl/v1/providers/{provider_id}/messages"
    for order_ref in sorted(sim.orders):
        sim.pick(order_ref)
        sim.ship(order_ref, carrier="UPS", service="Ground")
    result = []
    for webhook in list(sim.outbox):
        headers, body = sim._sign_webhook(webhook, None)
        result.append(Delivery(webhook.event_id, url, headers, body))
    return result


@contextlib.contextmanager
def served(sim, port, serve=sim_base.serve):
    served_sim = ServedSimulator(sim, port, serve).start()
    try:
        yield served_sim
    finally:
        served_sim.stop()


# ----------------------------------------------------------------------
# checks shared by the scenarios
# ----------------------------------------------------------------------
def check_drained(result, database, profile, server, expected_noise=()):
    seconds = drain(database, profile.drain_timeout)
    result.figures["drain seconds"] = seconds
    left = stuck(database)
    result.check(
        "no event left received/queued/processing, no job left to run",
        seconds is not None,
        f"still there after {profile.drain_timeout:g}s: {left}"
        if seconds is None
        else "",
    )
    problems = failures(database)
    result.figures.update(problems)
    for what in ("failed events", "failed jobs", "exhausted jobs"):
        result.check(f"no {what}", problems[what] == 0, str(problems[what]))
    log = server.log_problems(expected_noise)
    result.figures["unexpected WARNING/ERROR log lines"] = len(log)
    result.check(
        "the server's log has no unexpected WARNING/ERROR",
        not log,
        " | ".join(line[:300] for line in log[:3]),
    )


def check_acknowledged(result, report, expected):
    result.figures.update(report.figures())
    result.check(
        f"every one of the {expected} documents acknowledged",
        len(report.acknowledged) == expected and not report.unacknowledged,
        f"{len(report.acknowledged)} acknowledged, {len(report.unacknowledged)} "
        "given up",
    )


def shopify_counts(database, backend_id):
    return {
        "sale orders": database.value("SELECT count(*) FROM sale_order"),
        "order bindings": database.value(
            "SELECT count(DISTINCT external_id) FROM shopify_sale_order"
            " WHERE backend_id = %s",
            (backend_id,),
        ),
        "order events": database.value(
            "SELECT count(*) FROM retail_event WHERE backend_model = 'shopify.backend'"
            " AND backend_id = %s AND topic = 'orders/create'",
            (backend_id,),
        ),
        "order events done": database.value(
            "SELECT count(*) FROM retail_event WHERE backend_model = 'shopify.backend'"
            " AND backend_id = %s AND topic = 'orders/create' AND state = 'done'",
            (backend_id,),
        ),
    }


def check_orders_once(result, database, backend_id, count):
    counts = shopify_counts(database, backend_id)
    result.figures.update(counts)
    result.check(
        f"exactly {count} sale orders, one per Shopify order",
        counts["sale orders"] == count and counts["order bindings"] == count,
        str(counts),
    )
    result.check(
        f"exactly {count} stored deliveries, all done",
        counts["order events"] == count and counts["order events done"] == count,
        str(counts),
    )


# ----------------------------------------------------------------------
# scenarios
# ----------------------------------------------------------------------
def duplicates(profile, fdb, workdir, only=None):
    """Each document delivered ``copies`` times by ``senders`` clients."""
    result = Result(
        f"duplicates: {profile.documents} documents x {profile.copies} deliveries, "
        f"{profile.senders} concurrent senders, {profile.workers} workers"
    )
    kinds = only or ("shopify", "pos", "3pl")
    db = fdb.clone("duplicates")
    ids = fdb.fixture
    picking_ids = fdb.deliveries(db, profile.documents) if "3pl" in kinds else []
    shop, variants = shopify_simulator()
    provider = threepl_simulator(profile)
    from odoo.addons.retail_shopify.simulator import server as shopify_server  # noqa: PLC0415

    with (
        served(shop, profile.shopify_port, shopify_server.serve),
        served(provider, profile.threepl_port),
        OdooServer(profile, db, workdir / "duplicates") as server,
        Database(db) as database,
    ):
        if "shopify" in kinds:
            deliveries = shopify_orders(
                shop, variants, server, ids["shopify_backend_id"], profile.documents
            )
            report = Senders(
                deliveries, copies=profile.copies, concurrency=profile.senders
            ).run()
            result.figures["shopify"] = report.figures()
            result.check(
                "every Shopify delivery acknowledged",
                len(report.acknowledged) == profile.documents
                and not report.unacknowledged,
            )
        if "pos" in kinds:
            batches = pos_batches(server, ids["pos_key"], profile.documents)
            report = Senders(
                batches, copies=profile.copies, concurrency=profile.senders
            ).run()
            result.figures["pos"] = report.figures()
            result.check(
                "every POS batch acknowledged",
                len(report.acknowledged) == len(batches) and not report.unacknowledged,
            )
        if "3pl" in kinds:
            accepted = wait_until(
                lambda: len(provider.orders) >= profile.documents,
                profile.drain_timeout,
                interval=0.5,
            )
            result.check(
                f"the provider accepted {profile.documents} fulfilment requests",
                accepted and len(provider.orders) == profile.documents,
                f"{len(provider.orders)} accepted",
            )
            messages = threepl_confirmations(provider, server, ids["provider_id"])
            report = Senders(
                messages, copies=profile.copies, concurrency=profile.senders
            ).run()
            result.figures["3pl"] = report.figures()
            result.check(
                "every 3PL confirmation acknowledged",
                len(report.acknowledged) == len(messages) and not report.unacknowledged,
            )
        check_drained(result, database, profile, server)
        if "shopify" in kinds:
            check_orders_once(
                result, database, ids["shopify_backend_id"], profile.documents
            )
        if "pos" in kinds:
            pos_orders = database.value("SELECT count(*) FROM pos_order")
            ticket_events = database.counts(
                "SELECT state, count(*) FROM retail_event"
                " WHERE backend_model = 'retail.pos.store' AND topic = 'pos/ticket'"
                " GROUP BY state"
            )
            result.figures["pos orders"] = pos_orders
            result.figures["ticket events"] = ticket_events
            result.check(
                f"exactly {profile.documents} POS orders",
                pos_orders == profile.documents,
                str(pos_orders),
            )
        if "3pl" in kinds:
            states = database.counts(
                "SELECT state, count(*) FROM stock_picking WHERE id IN %s"
                " GROUP BY state",
                (tuple(picking_ids),),
            )
            backorders = database.value(
                "SELECT count(*) FROM stock_picking WHERE backorder_id IN %s",
                (tuple(picking_ids),),
            )
            result.figures["3pl pickings"] = states
            result.figures["3pl backorders"] = backorders
            result.check(
                f"exactly {profile.documents} deliveries validated, no backorder",
                states == {"done": profile.documents} and backorders == 0,
                f"{states}, {backorders} backorders",
            )
    return result


def _orders_under_fault(  # noqa: PLR0913, PLR0917
    profile, fdb, workdir, name, title, count, inject, noise, *, supervised=False
):
    """Orders sent while ``inject(server, senders, database, result)`` runs
    in this thread; then drained and checked (``name``: of its database).
    ``supervised``: the server is started again whenever it stops by
    itself, as its service manager would."""
    db = fdb.clone(name)
    ids = fdb.fixture
    shop, variants = shopify_simulator()
    from odoo.addons.retail_shopify.simulator import server as shopify_server  # noqa: PLC0415

    result = Result(title)
    server = OdooServer(profile, db, workdir / name)
    with (
        served(shop, profile.shopify_port, shopify_server.serve),
        contextlib.ExitStack() as stack,
    ):
        server.start()
        stack.callback(server.stop)
        if supervised:
            stack.callback(server.supervise())
        database = stack.enter_context(Database(db))
        deliveries = shopify_orders(
            shop, variants, server, ids["shopify_backend_id"], count
        )
        # paced: deliveries keep arriving while the faults strike
        senders = Senders(
            deliveries,
            copies=2,
            concurrency=profile.senders,
            rate=profile.intake_rate,
            max_delay=5.0,
        ).start()
        inject(server, senders, database, result)
        report = senders.join()
        check_acknowledged(result, report, count)
        # the database may have been restarted: a new connection
        database = stack.enter_context(Database(db))
        check_drained(result, database, profile, server, noise)
        check_orders_once(result, database, ids["shopify_backend_id"], count)
        result.figures["server starts"] = server.starts
    return result


def kill_workers(profile, fdb, workdir):
    """``kill -9`` of the runner and of HTTP workers while orders are taken
    and imported; then of the whole server, started again."""
    count = profile.kill_documents

    def inject(server, senders, database, result):
        killed = {"runner": 0, "http workers": 0, "whole server": 0}

        def imported():
            return database.value(
                "SELECT count(*) FROM retail_event WHERE state = 'done'"
            )

        # runner and HTTP workers, while jobs run and deliveries arrive
        for share in (0.2, 0.45):
            wait_until(lambda share=share: imported() >= share * count, 300)
            kill9(server.runner_pid())
            killed["runner"] += 1
            workers = server.http_worker_pids()
            for pid in workers[:2]:
                kill9(pid)
                killed["http workers"] += 1
            time.sleep(1)
        # the whole server, in the middle of the rest
        wait_until(lambda: imported() >= 0.65 * count, 300)
        server.kill()
        killed["whole server"] += 1
        time.sleep(2)
        server.start()
        result.figures["killed"] = killed
        result.figures["jobs re-queued as dead"] = len(
            server._log_pids("Re-queued dead job")
        )

    return _orders_under_fault(
        profile,
        fdb,
        workdir,
        "kill",
        f"kill -9: {count} orders x 2 deliveries",
        count,
        inject,
        KILL_NOISE,
    )


def connection_loss(profile, fdb, workdir):
    """The server's PostgreSQL connections cut during intake (PostgreSQL
    restarted instead with ``profile.restart_postgres``)."""
    count = profile.pg_documents
    how = "PostgreSQL restarted" if profile.restart_postgres else "connections cut"

    def inject(server, senders, database, result):
        cuts = []
        total = len(senders.work)
        for n in range(profile.pg_cuts):
            share = (n + 1) / (profile.pg_cuts + 1)
            wait_until(lambda share=share: senders.sent >= share * total, 300, 0.05)
            if profile.restart_postgres:
                cuts.append(restart_postgres())
            else:
                cuts.append(terminate_backends(server.db))
        result.figures["faults"] = cuts

    return _orders_under_fault(
        profile,
        fdb,
        workdir,
        "postgres",
        f"PostgreSQL ({how} {profile.pg_cuts} times): {count} orders x 2 deliveries",
        count,
        inject,
        CONNECTION_NOISE,
        supervised=True,
    )


#: how far short of a call's cost a THROTTLED call finds Shopify's bucket:
#: a second of the simulator's restore rate, within what the client waits
THROTTLE_SHORT_BY = 100
#: what a remote answering 429/5xx, timing out or down makes the server log
REMOTE_NOISE = (*KILL_NOISE, "Circuit", "circuit", "Retry", "retry")
#: the jobs sending to the remotes
THREEPL_REQUEST = ("retail.3pl.picking", "_threepl_job")
SHOPIFY_EXPORT = ("shopify.backend", "_retail_export_job")


def shopify_deliveries_open(database, backend_id):
    """Outgoing deliveries of the store's imported orders still to ship."""
    return database.value(
        "SELECT count(*) FROM stock_picking p"
        " JOIN shopify_sale_order b ON b.odoo_id = p.sale_id"
        " JOIN stock_picking_type t ON t.id = p.picking_type_id"
        " WHERE b.backend_id = %s AND t.code = 'outgoing'"
        " AND p.state NOT IN ('done', 'cancel')",
        (backend_id,),
    )


def jobs_of(database, model, method):
    """``{state: [jobs, most tries of one]}`` of the jobs ``model.method``
    (queue_job counts every run in ``retry``, the one that succeeds too)."""
    rows = database.execute(
        "SELECT state, count(*), max(retry) FROM queue_job"
        " WHERE model_name = %s AND method_name = %s GROUP BY state",
        (model, method),
    )
    return {state: [count, tries] for state, count, tries in rows}


def reconciliations(database):
    """``{state: runs}`` of the Shopify order reconciliation."""
    return database.counts(
        "SELECT state, count(*) FROM retail_sync_run"
        " WHERE backend_model = 'shopify.backend' GROUP BY state"
    )


def remote_faults(profile, fdb, workdir):  # noqa: PLR0915 - one timeline
    """Work pushed to a 3PL and to Shopify failing ``failure_rate`` of their
    calls (429, 500, 502, 503, timeouts; Shopify's THROTTLED too), then both
    down ``outage_seconds`` while more work is pushed to them.

    The timeline: the 3PL's first deliveries are confirmed before the
    server starts, and requested under faults while the Shopify orders are
    imported and the order reconciliation the scheduler starts with the
    server reads them (Shopify fault-free: neither is under test here). Then
    one Shopify delivery is shipped while the shop answers THROTTLED
    ``circuit_threshold`` times in a row: a THROTTLED answer comes with HTTP
    200, so the circuit counts it as an answer, never as a failure, and
    stays closed; the client waits for the bucket once inline, a second
    THROTTLED in a row postpones the export job (one of its tries). Then
    Shopify fails at random too and the next deliveries are shipped. Then
    both remotes go down; the rest of the 3PL deliveries and of the Shopify
    ones are pushed during the outage, which opens both circuits; once the
    remotes are back, the circuits close and the work drains.
    """
    count = profile.remote_orders
    shipments = profile.shopify_fulfilments
    during_outage = (count // 3, shipments // 3)
    throttled_shipments = 1
    result = Result(
        f"remote faults: {count} 3PL fulfilment requests and {shipments} Shopify "
        f"fulfilments, {profile.failure_rate:.0%} of calls failing, "
        f"{profile.outage_seconds:g}s outage"
    )
    db = fdb.clone("remote")
    ids = fdb.fixture
    backend_id = ids["shopify_backend_id"]
    faults = FlakyFaults(profile.failure_rate, timeouts=profile.timeouts)
    provider = threepl_simulator(profile, faults)
    throttled = SpentBucket(short_by=THROTTLE_SHORT_BY)
    # THROTTLED is how Shopify's GraphQL API says a shop is busy: half of
    # its failures, the other half HTTP ones
    shop_faults = FlakyFaults(
        profile.failure_rate,
        timeouts=profile.timeouts,
        answers={"THROTTLED": throttled},
        answer_share=0.5,
    )
    shop_faults.enabled = False
    shop, variants = shopify_simulator()
    shop.faults = shop_faults
    picking_ids = fdb.deliveries(db, count - during_outage[0])
    from odoo.addons.retail_shopify.simulator import server as shopify_server  # noqa: PLC0415

    def shop_throttled():
        return sum(1 for call in shop.calls if call.outcome == "throttled")

    phases = result.figures["phase seconds"] = {}
    clock = [time.monotonic()]

    def phase(name):
        now = time.monotonic()
        phases[name] = round(now - clock[0], 1)
        clock[0] = now

    with (
        served(provider, profile.threepl_port) as remote,
        served(shop, profile.shopify_port, shopify_server.serve) as shop_remote,
        CircuitWatch(db, "circuit:retail.3pl.provider:") as circuit,
        CircuitWatch(db, "circuit:shopify.backend:") as shop_circuit,
        OdooServer(profile, db, workdir / "remote") as server,
        Database(db) as database,
    ):
        phase("start")
        report = Senders(
            shopify_orders(shop, variants, server, backend_id, shipments),
            concurrency=profile.senders,
        ).run()
        result.check(
            f"the {shipments} Shopify orders delivered",
            len(report.acknowledged) == shipments,
            str(report.figures()),
        )
        imported = wait_until(
            lambda: shopify_deliveries_open(database, backend_id) >= shipments,
            profile.drain_timeout,
            0.5,
        )
        result.check(
            f"the {shipments} Shopify orders imported, each with its delivery",
            imported,
            str(shopify_deliveries_open(database, backend_id)),
        )
        wait_until(
            lambda: (runs := reconciliations(database)) and "running" not in runs,
            profile.drain_timeout,
            0.5,
        )
        reconciled = set(reconciliations(database)) == {"done"}
        result.figures["order reconciliations before the faults"] = reconciliations(
            database
        )
        result.check(
            "the order reconciliation the server starts with done before the faults",
            reconciled,
            str(reconciliations(database)),
        )
        phase("Shopify orders imported")
        # THROTTLED in a row, no other fault: the circuit stays closed
        shop.spend_bucket_next(profile.circuit_threshold, THROTTLE_SHORT_BY)
        fdb.push(db, ship=throttled_shipments)
        wait_until(
            lambda: len(shop.fulfillments) >= throttled_shipments,
            profile.drain_timeout,
        )
        in_a_row = shop_throttled()
        queued = dict(shop_faults.taken)
        seen = list(shop_circuit.seen)
        result.figures["THROTTLED in a row"] = {
            "answers": in_a_row,
            "circuit states seen": seen,
            "export jobs": jobs_of(database, *SHOPIFY_EXPORT),
        }
        result.check(
            f"THROTTLED {profile.circuit_threshold} times in a row (the circuit's "
            "threshold), the circuit stayed closed, the delivery fulfilled",
            in_a_row >= profile.circuit_threshold
            and "open" not in seen
            and len(shop.fulfillments) == throttled_shipments,
            f"{in_a_row} THROTTLED, circuit {seen}, "
            f"{len(shop.fulfillments)} fulfilments",
        )
        phase("THROTTLED in a row")
        # Shopify fails at random too
        shop_faults.enabled = True
        before = shipments - throttled_shipments - during_outage[1]
        fdb.push(db, ship=before)
        result.check(
            "before the outage: the provider accepted "
            f"{count - during_outage[0]} requests, Shopify holds "
            f"{shipments - during_outage[1]} fulfilments",
            wait_until(
                lambda: (
                    len(shop.fulfillments) >= shipments - during_outage[1]
                    and len(provider.orders) >= count - during_outage[0]
                ),
                profile.drain_timeout,
                0.5,
            ),
            f"{len(provider.orders)} and {len(shop.fulfillments)}",
        )
        phase("random faults")
        # both down; more work pushed to them meanwhile
        remote.outage()
        shop_remote.outage()
        outage_started = time.monotonic()
        pushed, _shipped = fdb.push(
            db, deliveries=during_outage[0], ship=during_outage[1]
        )
        picking_ids += pushed
        time.sleep(max(0.0, outage_started + profile.outage_seconds - time.monotonic()))
        remote.restore()
        shop_remote.restore()
        result.figures["outage seconds"] = round(time.monotonic() - outage_started, 1)
        phase("outage")
        wait_until(
            lambda: (
                len(provider.orders) >= count and len(shop.fulfillments) >= shipments
            ),
            profile.drain_timeout,
            0.5,
        )
        phase("after the outage")
        check_drained(result, database, profile, server, REMOTE_NOISE)
        result.figures["3PL request jobs"] = jobs_of(database, *THREEPL_REQUEST)
        result.figures["Shopify export jobs"] = jobs_of(database, *SHOPIFY_EXPORT)
    check_threepl_fulfilled(result, provider, faults, circuit, db, picking_ids)
    random_faults = {
        kind: taken - queued.get(kind, 0)
        for kind, taken in sorted(shop_faults.taken.items(), key=str)
    }
    check_shopify_fulfilled(result, shop, random_faults, shop_circuit, db, backend_id)
    return result


def check_threepl_fulfilled(result, provider, faults, circuit, db, picking_ids):  # noqa: PLR0917
    count = len(picking_ids)
    result.figures["calls answered by the provider"] = len(provider.calls)
    result.figures["injected faults"] = dict(sorted(faults.taken.items(), key=str))
    result.figures["circuit states seen"] = circuit.seen
    result.check(
        "the provider failed calls on purpose",
        sum(faults.taken.values()) > 0,
        str(faults.taken),
    )
    result.check(
        f"the provider holds each of the {count} orders once",
        len(provider.orders) == count,
        str(len(provider.orders)),
    )
    with Database(db) as database:
        states = database.counts(
            "SELECT remote_state, count(*) FROM retail_3pl_picking"
            " WHERE odoo_id IN %s GROUP BY remote_state",
            (tuple(picking_ids),),
        )
    result.figures["3pl bindings"] = states
    result.check(
        f"the {count} deliveries recorded as accepted by the provider",
        states == {"accepted": count},
        str(states),
    )
    result.check(
        "the provider's circuit opened, then closed",
        circuit.opened_then_closed,
        str(circuit.seen),
    )


def check_shopify_fulfilled(result, shop, random_faults, circuit, db, backend_id):  # noqa: PLR0917
    """``random_faults``: those Shopify took at random, by kind."""
    throttled = sum(1 for call in shop.calls if call.outcome == "throttled")
    result.figures["calls answered by Shopify"] = len(shop.calls)
    result.figures["Shopify injected faults at random"] = random_faults
    result.figures["Shopify THROTTLED answers"] = throttled
    result.figures["Shopify circuit states seen"] = circuit.seen
    result.check(
        "Shopify answered THROTTLED and failed calls at random too",
        random_faults.get("THROTTLED", 0) > 0
        and sum(v for k, v in random_faults.items() if k != "THROTTLED") > 0,
        f"{throttled} THROTTLED, {random_faults} at random",
    )
    orders = list(shop.orders.values())
    per_order = sorted({len(order["_fulfillments"]) for order in orders})
    result.check(
        f"Shopify holds one fulfilment for each of the {len(orders)} orders",
        per_order == [1] and len(shop.fulfillments) == len(orders),
        f"{len(shop.fulfillments)} fulfilments, {per_order} per order",
    )
    with Database(db) as database:
        states = database.counts(
            "SELECT sync_state, count(*) FROM shopify_fulfillment"
            " WHERE backend_id = %s GROUP BY sync_state",
            (backend_id,),
        )
        recorded = database.value(
            "SELECT count(DISTINCT external_id) FROM shopify_fulfillment"
            " WHERE backend_id = %s",
            (backend_id,),
        )
    result.figures["Shopify fulfilment bindings"] = states
    result.check(
        f"the {len(orders)} deliveries recorded as fulfilled in Shopify",
        states == {"synced": len(orders)} and recorded == len(orders),
        f"{states}, {recorded} fulfilment ids",
    )
    result.check(
        "the Shopify circuit opened, then closed",
        circuit.opened_then_closed,
        str(circuit.seen),
    )


def flash_sale(profile, fdb, workdir):
    """``flash_orders`` orders in ``flash_seconds`` with ``flash_workers``."""
    count = profile.flash_orders
    rate = count / profile.flash_seconds
    result = Result(
        f"flash sale: {count} orders in {profile.flash_seconds:g}s "
        f"({rate:.1f}/s), {profile.flash_workers} workers"
    )
    db = fdb.clone("flash")
    ids = fdb.fixture
    shop, variants = shopify_simulator()
    from odoo.addons.retail_shopify.simulator import server as shopify_server  # noqa: PLC0415

    with (
        served(shop, profile.shopify_port, shopify_server.serve),
        OdooServer(
            profile, db, workdir / "flash", workers=profile.flash_workers
        ) as server,
        Database(db) as database,
    ):
        deliveries = shopify_orders(
            shop, variants, server, ids["shopify_backend_id"], count
        )
        report = Senders(
            deliveries, concurrency=max(8, profile.senders), rate=rate
        ).run()
        result.figures.update(report.figures())
        result.figures["achieved rate /s"] = round(count / report.wall, 1)
        result.check("no delivery refused", not report.refusals, str(report.refusals))
        check_acknowledged(result, report, count)
        stored = database.value(
            "SELECT count(*) FROM retail_event WHERE topic = 'orders/create'"
        )
        result.check(f"{count} deliveries stored", stored == count, str(stored))
        check_drained(result, database, profile, server)
        check_orders_once(result, database, ids["shopify_backend_id"], count)
    return result


SCENARIOS = {
    "duplicates": duplicates,
    "kill": kill_workers,
    "postgres": connection_loss,
    "remote": remote_faults,
    "flash": flash_sale,
}


def jsonable(result):
    return json.loads(json.dumps(result.figures, default=str))


def start_in_thread(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread

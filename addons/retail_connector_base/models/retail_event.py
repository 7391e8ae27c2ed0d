import json
import logging
from datetime import timedelta

import psycopg2
from psycopg2 import sql as pg_sql

from odoo import api, fields, models, sql_db
from odoo.exceptions import AccessError, UserError

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION
from odoo.addons.queue_job.job import ENQUEUED, PENDING, WAIT_DEPENDENCIES

from ..services import correlation, dispatch_loop, errors, wait_keys
from ..services.pg import KeptConnection
from ..services.wakeup import CoalescingWaker
from .retail_backend_mixin import MANAGER_GROUP

_logger = logging.getLogger(__name__)

#: prefetch group of an event's body and headers: read only when asked for
BODY_PREFETCH = "payload"
PENDING_STATES = ("received", "queued", "processing")
EVENT_STATES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("processing", "Processing"),
    ("done", "Done"),
    ("ignored", "Ignored"),
    ("failed", "Failed"),
]
ORIGINS = [
    ("delivery", "Delivery"),
    ("poll", "Reconciliation"),
]
# what the retention cron deletes: (system parameter, default days)
RETENTION_PARAMS = {
    "processed": ("retail_connector_base.event_retention_days", 30),
    "failed": ("retail_connector_base.failed_event_retention_days", 90),
    "exceptions": ("retail_connector_base.exception_retention_days", 180),
    "exports": ("retail_connector_base.personal_export_retention_days", 30),
    "remote_calls": ("retail_connector_base.remote_call_retention_days", 30),
}
RETENTION_BATCH = 1000
# a backend model naming its personal data exports (attachments) declares
# their name's prefix in this class attribute
PERSONAL_EXPORT_PREFIX = "_retail_personal_export_prefix"
REQUEUE_BATCH = 500
REQUEUE_AFTER = timedelta(minutes=5)
#: states of a job that has not started: a new job with its identity key is
#: not created (as queue_job's with_delay() decides)
JOB_WAITING_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED)
#: the dispatcher's loop (``services/dispatch_loop.py``): at most 200 events
#: turned into jobs per transaction; it keeps looking for work for a second
#: after it last found some (longer than the waker's interval, so that no
#: stored event waits for the cron's next regular run), waits 0.2 s after a
#: partial batch so that the next pass finds several, and a run under
#: constant load hands over after 20 s
DISPATCH_LOOP = dispatch_loop.LoopSettings(
    batch_size=200, linger=1.0, gather=0.2, poll=0.1, max_seconds=20
)
DISPATCH_BATCH = DISPATCH_LOOP.batch_size
DISPATCH_CRON = "retail_connector_base.ir_cron_retail_event_dispatch"
#: the class of a body under an ordinary topic (see ``body_class``)
ORDINARY_BODY = "-"


def _wake_dispatcher(dbname):
    """Make the dispatcher due and wake the cron workers of ``dbname``: one
    trigger row for the deliveries stored since the last wake-up (the
    waker's thread, never a request), then the notification
    ``ir.cron._notifydb`` sends. A delivery whose wake-up is lost (the
    process died between its commit and this) is queued by the
    dispatcher's next regular run, a minute later at most."""
    with sql_db.db_connect(dbname).cursor() as cr:
        cr.execute(
            """INSERT INTO ir_cron_trigger (cron_id, call_at)
               SELECT res_id, now() AT TIME ZONE 'UTC' FROM ir_model_data
                WHERE module = %s AND name = %s AND model = 'ir.cron'""",
            tuple(DISPATCH_CRON.split(".", 1)),
        )
    _wake_cron_workers(dbname)


def _connect_postgres():
    _dbname, info = sql_db.connection_info_for("postgres")
    return psycopg2.connect(**info)


#: this process's connection to the ``postgres`` database, for the
#: notifications of the waker's thread (Odoo's pool would open one for each)
NOTIFY_CONNECTION = KeptConnection(_connect_postgres)


def _wake_cron_workers(dbname):
    """Notify the cron workers of ``dbname`` as ``ir.cron._notifydb`` does
    (they listen on the ``postgres`` database), on the process's kept
    connection to it."""
    NOTIFY_CONNECTION.execute(
        pg_sql.SQL("SELECT {}('cron_trigger', %s)").format(
            pg_sql.Identifier(ODOO_NOTIFY_FUNCTION)
        ),
        (dbname,),
    )


#: this process's waker of the dispatcher (one wake-up per 0.2 s at most)
DISPATCH_WAKER = CoalescingWaker(_wake_dispatcher, interval=0.2)


def _json_or_none(text):
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError, RecursionError):
        return None


class RetailEvent(models.Model):
    """One accepted inbound delivery (webhook, partner API call).

    An event knows its **subject** (``remote_ref``: the remote object it is
    about, e.g. an order GID; a refund or a fulfilment is about its order),
    what it **waits for** when it is held (``wait_ids``: keys such as
    ``product:sku:APRON-SND``, see :mod:`..services.wait_keys`) and its
    **parent** (a batch delivery fans out into one child event per unit,
    each with its own key, state, job and result). Nothing searches raw
    payload text to find an event:

    - :meth:`_about` finds the events of a backend about a set of subjects
      (customer redaction, the order delivery a refund waits for ...);
    - a handler raising an error with ``waits_for`` keys holds the event
      (:meth:`_hold`): it fails with its sync exception, and
      :meth:`_release` queues it again when a change provides one of the
      keys (the base releases ``product:`` keys for every connector when a
      product gets that SKU or barcode);
    - :meth:`_spawn` fans a batch out into child events, stored once each.

    Each event has a **correlation id** of its own (``correlation_id``),
    stored by the intake's statement, carried by its job, its remote calls,
    its sync exceptions and the log lines of its processing (see
    :mod:`..services.correlation`).

    Items found by a reconciliation poll that cannot be imported are stored
    as events too (``origin`` "poll"), so there is one way to hold and
    release, whichever flow found the item.

    Transactions: the intake stores the row in the request's transaction
    with one statement (:meth:`_ingest`); once the request commits, the
    dispatcher cron is triggered and woken (from a thread, at most every
    0.2 s) and queues the event's job (:meth:`_cron_dispatch`), so no
    queue_job row is written by a request. Other stores (polls, batches,
    tests) queue their job at once (:meth:`_enqueue`). The job's processing
    runs in a savepoint, so a permanent failure rolls back the handler's
    writes but keeps the event's state, error and exception.

    This file holds the fields, the processing, holds and actions; the
    intake and the dispatcher are in ``retail_event_intake.py``, the
    retention and re-queue crons in ``retail_event_crons.py``.
    """

    _name = "retail.event"
    _description = "Retail Inbound Event"
    _order = "received_at desc, id desc"

    backend_model = fields.Char(required=True, readonly=True)
    backend_id = fields.Many2oneReference(
        string="Backend record",
        model_field="backend_model",
        required=True,
        readonly=True,
    )
    retail_backend_id = fields.Many2one(
        "retail.backend", string="Backend", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    source = fields.Char(required=True, readonly=True)
    topic = fields.Char(required=True, readonly=True)
    origin = fields.Selection(
        ORIGINS,
        default="delivery",
        required=True,
        readonly=True,
        help="Delivery: sent by the remote system. Reconciliation: found by a "
        "poll and stored because it could not be imported at once.",
    )
    remote_ref = fields.Char(
        string="Subject",
        readonly=True,
        index="btree_not_null",
        help="The remote object this delivery is about (an order's id for the "
        "order's own deliveries, its refunds and its fulfilments).",
    )
    parent_id = fields.Many2one(
        "retail.event",
        string="Batch",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The batch delivery this event was part of.",
    )
    child_ids = fields.One2many(
        "retail.event", "parent_id", string="Units", readonly=True
    )
    child_count = fields.Integer(string="Unit count", compute="_compute_child_count")
    wait_ids = fields.One2many("retail.event.wait", "event_id", readonly=True)
    waiting_for = fields.Char(
        compute="_compute_waiting_for",
        search="_search_waiting_for",
        help="What this held delivery waits for; once it exists the delivery is "
        "processed again by itself.",
    )
    event_key = fields.Char(
        required=True,
        readonly=True,
        help="Delivery identifier given by the sender; a second delivery with "
        "the same key is recognised as a duplicate.",
    )
    # customer data: managers only (processing reads them as superuser).
    # Fetched together and only when read: a batch of events read for
    # anything else (the dispatcher, a list, the crons) neither loads nor
    # decompresses their bodies
    payload = fields.Text(
        string="Raw payload",
        readonly=True,
        groups=MANAGER_GROUP,
        prefetch=BODY_PREFETCH,
    )
    headers = fields.Json(readonly=True, groups=MANAGER_GROUP, prefetch=BODY_PREFETCH)
    headers_text = fields.Text(
        string="Headers (formatted)",
        compute="_compute_headers_text",
        groups=MANAGER_GROUP,
    )
    received_at = fields.Datetime(
        default=fields.Datetime.now, required=True, readonly=True, index=True
    )
    processed_at = fields.Datetime(readonly=True)
    state = fields.Selection(
        EVENT_STATES, default="received", required=True, readonly=True
    )
    attempts = fields.Integer(readonly=True, default=0)
    duplicate_count = fields.Integer(
        string="Duplicate deliveries",
        compute="_compute_duplicate_count",
        search="_search_duplicate_count",
        help="Times the sender delivered this event again after it was accepted.",
    )
    body_sha256 = fields.Char(
        string="Body SHA-256",
        readonly=True,
        help="Digest of the raw body as delivered: the same signed body is "
        "never accepted under another topic.",
    )
    body_class = fields.Char(
        readonly=True,
        help="The topic of a delivery under one of its backend's destructive "
        'topics, "-" under any other: one body is never stored under two '
        "classes (a signed body replayed under a forged topic).",
    )
    job_uuid = fields.Char(readonly=True, copy=False)
    job_id = fields.Many2one("queue.job", compute="_compute_job_id")
    correlation_id = fields.Char(
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="Born with the delivery and carried by its jobs, remote calls, "
        "sync exceptions and log lines (search the logs for [cid <id>]).",
    )
    result_model = fields.Char(readonly=True)
    result_id = fields.Many2oneReference(
        string="Result record id", model_field="result_model", readonly=True
    )
    result_ref = fields.Reference(
        selection="_selection_result_model",
        string="Result",
        compute="_compute_result_ref",
    )
    reason = fields.Char(readonly=True, help="Why the event was ignored.")
    error = fields.Text(readonly=True)
    exception_ids = fields.One2many(
        "retail.sync.exception", "event_id", string="Exceptions", readonly=True
    )
    exception_count = fields.Integer(compute="_compute_exception_count")

    _event_key_unique = models.Constraint(
        "UNIQUE (backend_model, backend_id, event_key)",
        "This event was already received for this backend.",
    )
    # the indexes of the table are what its writes pay for (the intake's
    # insert, the dispatcher's and the job's updates): the backend's events
    # are found through the unique key's (backend_model, backend_id)
    # prefix, a body through the exclusion constraint's, the states that
    # are looked for through these partial ones
    _failed_idx = models.Index("(backend_model, backend_id) WHERE state = 'failed'")
    _pending_idx = models.Index(
        "(received_at) WHERE state IN ('received', 'queued', 'processing')"
    )
    # what the dispatcher turns into jobs
    _undispatched_idx = models.Index(
        "(id) WHERE state = 'received' AND job_uuid IS NULL"
    )
    # enforced by the database, whatever the snapshots of concurrent requests
    # saw: one body, one class of topic (needs btree_gist, see init)
    _body_class_excl = models.Constraint(
        "EXCLUDE USING gist ((backend_model::text) WITH =, backend_id WITH =, "
        "(body_sha256::text) WITH =, (body_class::text) WITH <>) "
        "WHERE (body_sha256 IS NOT NULL)",
        "This body was already delivered under another topic.",
    )

    def _auto_init(self):
        # equality of text columns in the exclusion constraint above, which
        # the table's creation adds
        self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        result = super()._auto_init()
        self._compress_payloads_with_lz4()
        return result

    def _compress_payloads_with_lz4(self):
        """Store new payloads compressed with lz4 where the server has it
        (PostgreSQL 14 and later, built with lz4): several times faster than
        the default pglz, to compress at intake and to read back in the
        job, for about the same size. Stored payloads keep their
        compression until they are written again."""
        cr = self.env.cr
        cr.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
            " WHERE name = 'default_toast_compression'"
        )
        row = cr.fetchone()
        if not (row and row[0]):
            return
        cr.execute(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = 'retail_event'::regclass AND attname = 'payload'"
        )
        row = cr.fetchone()
        if row and row[0] != "l":
            cr.execute(
                "ALTER TABLE retail_event ALTER COLUMN payload SET COMPRESSION lz4"
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # each delivery (each unit of a batch) has an id of its own
            vals.setdefault("correlation_id", correlation.new_id())
        return super().create(vals_list)

    @api.depends("source", "topic", "event_key")
    def _compute_display_name(self):
        for event in self:
            event.display_name = f"{event.source or ''} {event.topic or ''} " + (
                f"#{event.id}" if event.id else ""
            )

    @api.depends("headers")
    def _compute_headers_text(self):
        for event in self:
            event.headers_text = (
                json.dumps(event.headers, indent=2, sort_keys=True)
                if event.headers
                else ""
            )

    def _compute_job_id(self):
        uuids = [uuid for uuid in self.mapped("job_uuid") if uuid]
        jobs = {
            job.uuid: job
            for job in self.env["queue.job"].sudo().search([("uuid", "in", uuids)])
        }
        for event in self:
            event.job_id = jobs.get(event.job_uuid, False)

    @api.model
    def _selection_result_model(self):
        return [
            (model.model, model.name)
            for model in self.env["ir.model"].sudo().search([])
        ]

    @api.depends("result_model", "result_id")
    def _compute_result_ref(self):
        for event in self:
            if (
                event.result_model
                and event.result_id
                and event.result_model in self.env
            ):
                event.result_ref = f"{event.result_model},{event.result_id}"
            else:
                event.result_ref = False

    def _compute_child_count(self):
        counts = dict(
            self._read_group(
                [("parent_id", "in", self.ids)], ["parent_id"], ["__count"]
            )
        )
        for event in self:
            event.child_count = counts.get(event, 0)

    @api.depends("wait_ids.key")
    def _compute_waiting_for(self):
        for event in self:
            keys = event.wait_ids.mapped("key")
            backend = event._get_backend() if keys else None
            describe = backend._retail_describe_wait if backend else wait_keys.describe
            event.waiting_for = " or ".join(describe(key) for key in keys) or False

    def _search_waiting_for(self, operator, value):
        if operator in ("!=", "not in") and not value:
            return [("wait_ids", "!=", False)]
        if operator in ("=", "in") and not value:
            return [("wait_ids", "=", False)]
        return [("wait_ids.key", operator, value)]

    def _compute_duplicate_count(self):
        counts = self.env["retail.event.duplicate"].sudo()._counts(self.ids)
        for event in self:
            event.duplicate_count = counts.get(event.id, 0)

    def _search_duplicate_count(self, operator, value):
        compare = {
            "=": lambda count: count == value,
            "!=": lambda count: count != value,
            ">": lambda count: count > value,
            ">=": lambda count: count >= value,
            "<": lambda count: count < value,
            "<=": lambda count: count <= value,
            "in": lambda count: count in value,
            "not in": lambda count: count not in value,
        }.get(operator)
        if compare is None:
            return NotImplemented
        counts = self.env["retail.event.duplicate"].sudo()._counts()
        if compare(0):
            # every event without duplicates matches: exclude those that fail
            return [("id", "not in", [i for i, c in counts.items() if not compare(c)])]
        return [("id", "in", [i for i, c in counts.items() if compare(c)])]

    def _compute_exception_count(self):
        counts = dict(
            self.env["retail.sync.exception"]._read_group(
                [("event_id", "in", self.ids)], ["event_id"], ["__count"]
            )
        )
        for event in self:
            event.exception_count = counts.get(event, 0)

    def _get_backend(self):
        self.ensure_one()
        return self.env["retail.backend"]._retail_resolve(
            self.backend_model, self.backend_id
        )

    # ------------------------------------------------------------------
    # processing (job)
    # ------------------------------------------------------------------
    def _process(self):
        """Process the event through its backend (queued job).

        A transient error postpones the job; a wait (a paused backend, an
        open circuit, a lock, a record another delivery brings) spends none
        of its tries and, past the waiting deadline, fails the event with a
        sync exception (held on what it waits for, if it says so). See
        :meth:`~.retail_backend_mixin.RetailBackendMixin._retail_retry_job`.
        """
        self.ensure_one()
        self._fetch_with_body()
        if not self.correlation_id:
            # stored before events had one
            self.correlation_id = correlation.new_id()
        with self._retail_trace(self.correlation_id):
            return self._process_traced()

    def _fetch_with_body(self):
        """Read the events' stored fields and their bodies (payload and
        headers, which are left out of a plain read) in one query."""
        names = [
            name
            for name, field in self._fields.items()
            if field.column_type
            and field.store
            and field.prefetch in (True, BODY_PREFETCH)
        ]
        self.sudo().fetch(names)

    def _process_traced(self):
        if self.state in ("done", "ignored"):
            return self.env._("Already processed.")
        backend = self._get_backend()
        if not backend:
            self._fail(
                errors.MappingError(
                    f"The backend {self.backend_model}({self.backend_id}) of this "
                    "event no longer exists.",
                    hint="Restore the backend or ignore this event.",
                )
            )
            return self.env._("Backend missing.")
        if not backend._retail_is_accepting():
            return self._stop_waiting(
                backend,
                errors.BackendPausedError(
                    f"Backend {backend.display_name} is {backend.state}; "
                    "processing waits until it is active again.",
                    retry_after=300,
                ),
            )
        self.write({"state": "processing", "attempts": self.attempts + 1})
        try:
            with self.env.cr.savepoint():
                result = backend.with_context(
                    retail_event_id=self.id,
                    **{correlation.CONTEXT_KEY: self.correlation_id},
                )._retail_process_event(self)
        except Exception as exc:  # noqa: BLE001 - classified below
            kind = errors.classify(exc)
            if kind == "transient":
                return self._stop_waiting(backend, exc)
            if kind == "permanent":
                return self._fail_or_hold(exc)
            raise
        self.wait_ids.unlink()
        if self.state != "ignored":
            vals = {
                "state": "done",
                "processed_at": fields.Datetime.now(),
                "error": False,
            }
            if result:
                vals.update(result_model=result._name, result_id=result[:1].id)
            self.write(vals)
        self.exception_ids.filtered(lambda e: e.state == "open")._resolve(
            self.env._("Event processed successfully.")
        )
        return self.env._("Done: %(state)s", state=self.state)

    def _stop_waiting(self, backend, exc):
        """Postpone the job for the transient ``exc`` (raises), or, once a
        wait lasted past the deadline, fail the event with it."""
        expired = backend._retail_retry_job(
            exc, f"Event {self.display_name}", since=self.received_at
        )
        return self._fail_or_hold(expired)

    def _fail_or_hold(self, exc):
        """Record the permanent ``exc``: held when it waits for keys."""
        if exc.waits_for:
            self._hold(exc)
            return self.env._(
                "Held until %(keys)s: %(error)s",
                keys=", ".join(exc.waits_for),
                error=str(exc),
            )
        self._fail(exc)
        return self.env._("Failed: %(error)s", error=str(exc))

    def _load_json(self):
        """The payload as JSON, or a PayloadValidationError."""
        self.ensure_one()
        try:
            return json.loads(self.payload or "")
        except json.JSONDecodeError as exc:
            raise errors.PayloadValidationError(
                f"The payload of {self.display_name} is not valid JSON: {exc}",
                hint="Ask the sender to deliver it again, then ignore this one.",
            ) from exc

    def _mark_ignored(self, reason):
        """Called by handlers: the event needs no work (echo, unknown topic)."""
        self.write(
            {
                "state": "ignored",
                "reason": reason[:250],
                "processed_at": fields.Datetime.now(),
                "error": False,
            }
        )

    # ------------------------------------------------------------------
    # subjects, holds and batches
    # ------------------------------------------------------------------
    @api.model
    def _about(self, backend, subjects, domain=None):
        """The events of ``backend`` about any of ``subjects`` (remote refs)."""
        subjects = [subject for subject in subjects if subject]
        if not subjects:
            return self.browse()
        return self.sudo().search(
            [
                ("backend_model", "=", backend._name),
                ("backend_id", "in", backend.ids),
                ("remote_ref", "in", subjects),
                *(domain or []),
            ]
        )

    def _hold(self, exc):
        """Fail with ``exc`` and wait for its keys: released, it runs again."""
        self._fail(exc)
        self._set_waits(exc.waits_for)

    def _set_waits(self, keys):
        Wait = self.env["retail.event.wait"].sudo()
        self.sudo().wait_ids.unlink()
        Wait.create(
            [
                {"event_id": event.id, "key": key[: wait_keys.MAX_LENGTH]}
                for event in self
                for key in dict.fromkeys(keys)
            ]
        )

    @api.model
    def _release(self, keys, domain=None):
        """Queue again the held events waiting on any of ``keys``.

        Called by the change that provides what they wait for (a product
        created, an order imported ...); returns the events queued. Their
        other keys are dropped too: processed again, an event still missing
        something is held again on what it still misses.
        """
        keys = [key for key in dict.fromkeys(keys) if key]
        if not keys:
            return self.browse()
        waits = self.env["retail.event.wait"].sudo().search([("key", "in", keys)])
        events = waits.event_id.filtered_domain(
            [("state", "=", "failed"), *(domain or [])]
        )
        if events:
            _logger.info(
                "Releasing %s held event(s) waiting for %s", len(events), keys[:5]
            )
            events._requeue()
        return events

    def _waits_state(self):
        """Whether what this held event waits for exists now.

        True when one of its keys is provided, False when none is, None when
        the backend cannot tell for some key (it may be provided).
        """
        self.ensure_one()
        backend = self._get_backend()
        states = [
            backend._retail_wait_satisfied(key) if backend else None
            for key in self.sudo().wait_ids.mapped("key")
        ]
        if not states or any(states):
            return True
        return None if None in states else False

    def _waits_satisfied(self):
        """False when nothing this held event waits for exists yet."""
        return self._waits_state() is not False

    def _requeue(self):
        """Process these events again from the start (no check: internal)."""
        self.sudo().wait_ids.unlink()
        self.sudo().write({"state": "received", "error": False, "reason": False})
        self.sudo()._enqueue()

    def _spawn(self, units):
        """Fan this batch delivery out into one child event per unit.

        ``units`` are dicts with ``topic``, ``event_key`` (unique per backend
        forever: a unit sent again in another batch is a duplicate of the
        first one), ``payload`` (text, or data dumped as JSON) and optionally
        ``remote_ref``. Returns ``[(child, created), ...]`` in the order of
        ``units``; the new children are queued, one job each.
        """
        self.ensure_one()
        backend = self._get_backend()
        results = []
        for unit in units:
            payload = unit.get("payload")
            if not isinstance(payload, str):
                payload = json.dumps(payload, separators=(",", ":"), default=str)
            results.append(
                self._accept(
                    backend,
                    topic=unit["topic"],
                    event_key=unit["event_key"],
                    payload=payload,
                    headers=False,
                    remote_ref=unit.get("remote_ref"),
                    parent=self,
                    origin=self.origin,
                )
            )
        created = self.browse([child.id for child, new in results if new])
        created._enqueue()
        return results

    def _fail(self, exc, category=None):
        """Mark failed and record a sync exception a person can act on."""
        for event in self:
            message = str(exc)
            event.write(
                {
                    "state": "failed",
                    "error": message,
                    "processed_at": fields.Datetime.now(),
                }
            )
            backend = event._get_backend()
            values = {
                "flow": "reconciliation" if event.origin == "poll" else "inbound",
                "category": category
                or getattr(exc, "category", None)
                or getattr(exc, "default_category", None)
                or "unexpected",
                "message": message,
                "hint": getattr(exc, "hint", None)
                or self.env._(
                    "Look at the payload, correct the cause, then press Retry."
                ),
                "event_id": event.id,
                "payload_excerpt": (event.payload or "")[:2000],
                "remote_ref": (
                    getattr(exc, "details", {}).get("remote_ref")
                    if isinstance(getattr(exc, "details", None), dict)
                    else None
                )
                or event.remote_ref
                or None,
                "backend_model": event.backend_model,
                "backend_id": event.backend_id,
                "company_id": event.company_id.id,
                "correlation_id": event.correlation_id or None,
            }
            related = getattr(exc, "details", None) or {}
            if isinstance(related, dict) and related.get("res_model"):
                values.update(
                    res_model=related["res_model"], res_id=related.get("res_id")
                )
            if backend:
                backend._retail_raise_exception(**values)
            else:
                self.env["retail.sync.exception"].sudo()._record(values)

    def _on_job_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job hook: the job failed for good (unexpected error or retries
        exhausted). Runs in a fresh transaction after the job's rollback."""
        for event in self.exists():
            exhausted = exc_name and exc_name.endswith("FailedJobError")
            if exhausted:
                # the tries of the job: its failed runs were rolled back, so
                # the event's own counter never saw them (waits spend none)
                job = event.sudo().job_id
                message = self.env._(
                    "Processing kept failing with temporary errors and was "
                    "abandoned after %(attempts)s tries: %(error)s",
                    attempts=job.retry or event.attempts or 1,
                    error=exc_message,
                )
                hint = self.env._(
                    "Check that the remote system is reachable and the backend "
                    "settings are right, then press Retry."
                )
            else:
                message = self.env._(
                    "Unexpected error %(name)s: %(error)s",
                    name=(exc_name or "").rsplit(".", 1)[-1],
                    error=exc_message,
                )
                hint = self.env._(
                    "This is a defect or an unforeseen payload: send the event "
                    "and the job's traceback to your integrator, then press Retry."
                )
            event._fail(errors.RetailError(message, hint=hint, category="unexpected"))

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_replay(self):
        """Process the events again (after fixing the cause)."""
        busy = self.filtered(
            lambda e: (
                e.state in ("queued", "processing")
                and e.job_id
                and e.job_id.state in ("pending", "enqueued", "started")
            )
        )
        if busy:
            raise UserError(
                self.env._(
                    "These events are already waiting for processing: %(names)s",
                    names=", ".join(busy.mapped("display_name")),
                )
            )
        self._requeue()
        return True

    def action_ignore(self):
        """Set these events aside (managers): ignored, their exceptions
        resolved, nothing waited for any more."""
        if not self.env.su and not self.env.user.has_group(
            "retail_connector_base.group_retail_manager"
        ):
            raise AccessError(
                self.env._("Only Retail Integration managers can ignore events.")
            )
        busy = self.filtered(lambda e: e.state in ("processing", "done", "ignored"))
        if busy:
            raise UserError(
                self.env._(
                    "Only failed or waiting events can be ignored: %(names)s",
                    names=", ".join(busy.mapped("display_name")),
                )
            )
        reason = self.env._("Ignored by %(user)s", user=self.env.user.name)
        events = self.sudo()
        events.wait_ids.unlink()
        events._mark_ignored(reason)
        events.exception_ids.filtered(lambda e: e.state == "open")._resolve(reason)
        return True

    def action_open_result(self):
        self.ensure_one()
        if not self.result_ref:
            raise UserError(self.env._("This event has no resulting record."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.result_model,
            "res_id": self.result_id,
            "view_mode": "form",
        }

    def action_open_job(self):
        self.ensure_one()
        if not self.job_id:
            raise UserError(self.env._("No job is linked to this event."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "queue.job",
            "res_id": self.job_id.id,
            "view_mode": "form",
        }

    def action_open_children(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Units of %(batch)s", batch=self.display_name),
            "res_model": "retail.event",
            "view_mode": "list,form",
            "domain": [("parent_id", "=", self.id)],
        }

    def action_open_exceptions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync exceptions"),
            "res_model": "retail.sync.exception",
            "view_mode": "list,form",
            "domain": [("event_id", "=", self.id)],
        }

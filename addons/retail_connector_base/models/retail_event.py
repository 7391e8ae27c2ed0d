import json
import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from ..services import errors, wait_keys
from ..services.pg import short_transaction
from .retail_backend_mixin import MANAGER_GROUP

_logger = logging.getLogger(__name__)

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
RETENTION_PARAM = "retail_connector_base.event_retention_days"
RETENTION_BATCH = 5000


def _json_or_none(text):
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError):
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

    Items found by a reconciliation poll that cannot be imported are stored
    as events too (``origin`` "poll"), so there is one way to hold and
    release, whichever flow found the item.

    Transactions: the intake stores the row and queues its job in the
    request's transaction; the job's processing runs in a savepoint, so a
    permanent failure rolls back the handler's writes but keeps the event's
    state, error and exception.
    """

    _name = "retail.event"
    _description = "Retail Inbound Event"
    _order = "received_at desc, id desc"

    backend_model = fields.Char(required=True, readonly=True, index=True)
    backend_id = fields.Many2oneReference(
        string="Backend record",
        model_field="backend_model",
        required=True,
        readonly=True,
        index=True,
    )
    retail_backend_id = fields.Many2one(
        "retail.backend", string="Backend", readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    source = fields.Char(required=True, readonly=True, index=True)
    topic = fields.Char(required=True, readonly=True, index=True)
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
    # customer data: managers only (processing reads them as superuser)
    payload = fields.Text(string="Raw payload", readonly=True, groups=MANAGER_GROUP)
    headers = fields.Json(readonly=True, groups=MANAGER_GROUP)
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
        EVENT_STATES, default="received", required=True, readonly=True, index=True
    )
    attempts = fields.Integer(readonly=True, default=0)
    duplicate_count = fields.Integer(
        string="Duplicate deliveries",
        readonly=True,
        default=0,
        help="Times the sender delivered this event again after it was accepted.",
    )
    job_uuid = fields.Char(readonly=True, index=True, copy=False)
    job_id = fields.Many2one("queue.job", compute="_compute_job_id")
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
    _pending_idx = models.Index(
        "(received_at) WHERE state IN ('received', 'queued', 'processing')"
    )

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
            event.waiting_for = ", ".join(event.wait_ids.mapped("key")) or False

    def _search_waiting_for(self, operator, value):
        if operator in ("!=", "not in") and not value:
            return [("wait_ids", "!=", False)]
        if operator in ("=", "in") and not value:
            return [("wait_ids", "=", False)]
        return [("wait_ids.key", operator, value)]

    def _compute_exception_count(self):
        counts = dict(
            self.env["retail.sync.exception"]._read_group(
                [("event_id", "in", self.ids)], ["event_id"], ["__count"]
            )
        )
        for event in self:
            event.exception_count = counts.get(event, 0)

    # ------------------------------------------------------------------
    # intake
    # ------------------------------------------------------------------
    @api.model
    def _accept(
        self,
        backend,
        *,
        topic,
        event_key,
        payload,
        headers,
        state="received",
        error=None,
        remote_ref=None,
        parent=None,
        origin="delivery",
    ):
        """Store a delivery once; return ``(event, created)``.

        ``remote_ref`` is the subject of the delivery (None: asked of the
        backend's :meth:`_retail_event_subject` from the payload; False:
        none), ``parent`` the batch event it belongs to.

        A delivery whose key is already stored only increments the duplicate
        counter of the stored row. Concurrent deliveries of the same key are
        serialised by the unique index: the loser counts itself on the
        winner's row.
        """
        Event = self.sudo()
        key_domain = [
            ("backend_model", "=", backend._name),
            ("backend_id", "=", backend.id),
            ("event_key", "=", event_key),
        ]
        existing = Event.search(key_domain, limit=1)
        if not existing and remote_ref is None:
            remote_ref = backend._retail_event_subject(topic, _json_or_none(payload))
        if not existing:
            vals = {
                "backend_model": backend._name,
                "backend_id": backend.id,
                "retail_backend_id": backend.retail_card_id.id,
                "company_id": backend.company_id.id,
                "source": backend._retail_source,
                "topic": topic,
                "event_key": event_key,
                "payload": payload,
                "headers": headers,
                "state": state,
                "error": error,
                "remote_ref": remote_ref or False,
                "parent_id": parent.id if parent else False,
                "origin": origin,
            }
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    return Event.create(vals), True
            except psycopg2.errors.UniqueViolation:
                _logger.info(
                    "Delivery %s for %s was stored concurrently: counted as a "
                    "duplicate",
                    event_key,
                    backend._retail_key(),
                )
        event = Event.browse(self._count_duplicate(backend, event_key) or existing.ids)
        event.invalidate_recordset(["duplicate_count"])
        return event, False

    @api.model
    def _count_duplicate(self, backend, event_key):
        """Count one more delivery of a stored event; return its id.

        Runs in a short transaction of its own at READ COMMITTED: the stored
        row may have been committed after this request's snapshot, and
        concurrent re-deliveries then queue on the row lock instead of failing
        with serialisation errors.
        """

        def increment(cr):
            cr.execute(
                "UPDATE retail_event SET duplicate_count = duplicate_count + 1"
                " WHERE backend_model = %s AND backend_id = %s AND event_key = %s"
                " RETURNING id",
                (backend._name, backend.id, event_key),
            )
            row = cr.fetchone()
            return row[0] if row else None

        return short_transaction(self.env.registry.cursor, increment)

    def _enqueue(self):
        """Queue the processing job of each event (one job per event)."""
        for event in self:
            backend = event._get_backend()
            # no backend: the job function's channel, the job fails at once
            flow = "reconcile" if event.origin == "poll" else "inbound"
            options = backend._retail_job_options(flow) if backend else {}
            job = event.with_delay(
                identity_key=f"retail.event:{event.id}",
                description=self.env._("Process %(event)s", event=event.display_name),
                **options,
            )._process()
            event.write(
                {
                    "state": "queued",
                    "job_uuid": getattr(job, "uuid", False) or False,
                }
            )
        return True

    def _get_backend(self):
        self.ensure_one()
        return self.env["retail.backend"]._retail_resolve(
            self.backend_model, self.backend_id
        )

    # ------------------------------------------------------------------
    # processing (job)
    # ------------------------------------------------------------------
    def _process(self):
        """Process the event through its backend (queued job)."""
        self.ensure_one()
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
            raise RetryableJobError(
                f"Backend {backend.display_name} is {backend.state}; "
                "processing waits until it is active again.",
                seconds=300,
                ignore_retry=True,
            )
        self.write({"state": "processing", "attempts": self.attempts + 1})
        try:
            with self.env.cr.savepoint():
                result = backend.with_context(
                    retail_event_id=self.id
                )._retail_process_event(self)
        except Exception as exc:  # noqa: BLE001 - classified below
            kind = errors.classify(exc)
            if kind == "transient":
                # no delay given: the job function's retry pattern applies
                retry_after = getattr(exc, "retry_after", None)
                raise RetryableJobError(
                    str(exc),
                    seconds=int(retry_after + 1) if retry_after else None,
                ) from exc
            if kind == "permanent":
                if exc.waits_for:
                    self._hold(exc)
                    return self.env._(
                        "Held until %(keys)s: %(error)s",
                        keys=", ".join(exc.waits_for),
                        error=str(exc),
                    )
                self._fail(exc)
                return self.env._("Failed: %(error)s", error=str(exc))
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
                message = self.env._(
                    "Processing kept failing with temporary errors and was "
                    "abandoned after %(attempts)s attempts: %(error)s",
                    attempts=event.attempts or 1,
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

    # ------------------------------------------------------------------
    # crons
    # ------------------------------------------------------------------
    @api.model
    def _cron_retention(self):
        """Delete old processed events; never failed or unprocessed ones."""
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, 30) or 0
        )
        if days <= 0:
            return 0
        limit_date = fields.Datetime.now() - timedelta(days=days)
        events = self.sudo().search(
            [
                ("received_at", "<", limit_date),
                ("state", "in", ("done", "ignored")),
                "!",
                ("exception_ids", "any", [("state", "=", "open")]),
            ],
            limit=RETENTION_BATCH,
            order="received_at",
        )
        count = len(events)
        events.unlink()
        if count:
            _logger.info(
                "Retail event retention: deleted %s events older than %s days",
                count,
                days,
            )
        return count

    @api.model
    def _cron_requeue_stalled(self):
        """Queue events that were stored but never queued (e.g. a crash
        between storing and queuing), and those whose job vanished."""
        limit_date = fields.Datetime.now() - timedelta(minutes=5)
        stalled = self.sudo().search(
            [("state", "in", ("received", "queued")), ("received_at", "<", limit_date)],
            limit=500,
        )
        todo = stalled.filtered(
            lambda e: (
                e.state == "received"
                or not e.job_id
                or e.job_id.state in ("done", "cancelled")
            )
        )
        todo._enqueue()
        return len(todo) + len(self._release_provided())

    @api.model
    def _release_provided(self, limit=200):
        """Queue the held events whose wait is provided although nobody
        released it (the change committed while the event was being held),
        oldest first."""
        held = self.sudo().search(
            [("state", "=", "failed"), ("wait_ids", "!=", False)],
            order="received_at, id",
            limit=limit,
        )
        ready = held.filtered(lambda event: event._waits_state() is True)
        ready._requeue()
        return ready

import hashlib

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services.errors import CATEGORIES
from ..services.pg import short_transaction
from ..services.quiet_sql import expected_unique_violation
from .retail_backend_mixin import MANAGER_GROUP

#: what a retail user (not a manager) may change on an exception by hand
USER_WRITABLE_FIELDS = frozenset({"state", "user_id"})
#: the jobs a retry may re-queue: those of the retail channels
RETAIL_CHANNELS = "root.retail%"

FLOWS = [
    ("inbound", "Inbound"),
    ("outbound", "Outbound"),
    ("reconciliation", "Reconciliation"),
]


class RetailSyncException(models.Model):
    """A synchronisation problem a person must look at.

    Identical open exceptions (same backend, flow, category, record, remote
    reference and message) are merged: the occurrence counter grows instead of
    the queue filling with copies.
    """

    _name = "retail.sync.exception"
    _description = "Retail Sync Exception"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state_sequence, last_seen desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    backend_model = fields.Char(readonly=True, index=True)
    backend_id = fields.Many2oneReference(
        string="Backend record", model_field="backend_model", readonly=True, index=True
    )
    retail_backend_id = fields.Many2one(
        "retail.backend", string="Backend", readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, default=lambda self: self.env.company
    )
    flow = fields.Selection(FLOWS, required=True, default="inbound", readonly=True)
    category = fields.Selection(
        CATEGORIES, required=True, default="unexpected", readonly=True, index=True
    )
    res_model = fields.Char(string="Record model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Record id", model_field="res_model", readonly=True
    )
    record_ref = fields.Reference(
        selection="_selection_res_model", string="Record", compute="_compute_record_ref"
    )
    remote_ref = fields.Char(string="Remote reference", readonly=True, index=True)
    message = fields.Text(required=True, readonly=True)
    hint = fields.Text(string="What to do", readonly=True)
    payload_excerpt = fields.Text(readonly=True, groups=MANAGER_GROUP)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("ignored", "Ignored")],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    occurrence_count = fields.Integer(string="Occurrences", default=1, readonly=True)
    first_seen = fields.Datetime(default=fields.Datetime.now, readonly=True)
    last_seen = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    resolved_at = fields.Datetime(readonly=True)
    resolution = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned to", tracking=True)
    event_id = fields.Many2one(
        "retail.event", readonly=True, index=True, ondelete="set null"
    )
    job_uuid = fields.Char(readonly=True, index=True)
    correlation_id = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="The delivery or trigger of the latest occurrence: its jobs, "
        "remote calls and log lines carry the same id.",
    )
    fingerprint = fields.Char(readonly=True, index=True)

    _open_fingerprint_idx = models.UniqueIndex(
        "(fingerprint) WHERE state = 'open'",
        "An identical exception is already open.",
    )

    @api.depends("category", "message", "remote_ref")
    def _compute_name(self):
        labels = dict(CATEGORIES)
        for exc in self:
            first_line = (exc.message or "").strip().splitlines()[:1]
            text = first_line[0] if first_line else ""
            exc.name = f"[{labels.get(exc.category, exc.category)}] {text}"[:200]

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"open": 0, "resolved": 1, "ignored": 2}
        for exc in self:
            exc.state_sequence = order.get(exc.state, 3)

    @api.model
    def _selection_res_model(self):
        return [(m.model, m.name) for m in self.env["ir.model"].sudo().search([])]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for exc in self:
            if exc.res_model and exc.res_id and exc.res_model in self.env:
                exc.record_ref = f"{exc.res_model},{exc.res_id}"
            else:
                exc.record_ref = False

    @api.model
    def _fingerprint(self, values):
        parts = [
            values.get("backend_model") or "",
            str(values.get("backend_id") or ""),
            values.get("flow") or "",
            values.get("category") or "",
            values.get("res_model") or "",
            str(values.get("res_id") or ""),
            values.get("remote_ref") or "",
            values.get("message") or "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    @api.model
    def _record(self, values):
        """Open an exception, or count one more occurrence of an open one."""
        values = {k: v for k, v in values.items() if v not in (None,)}
        if not values.get("correlation_id"):
            values["correlation_id"] = self._retail_correlation_id() or False
        values["fingerprint"] = self._fingerprint(values)
        existing = self.search(
            [("fingerprint", "=", values["fingerprint"]), ("state", "=", "open")],
            limit=1,
        )
        if existing:
            return existing._merge_occurrence(values)
        backend = self.env["retail.backend"]._retail_resolve(
            values.get("backend_model"), values.get("backend_id")
        )
        if backend:
            values.setdefault("retail_backend_id", backend.retail_card_id.id)
            values.setdefault("company_id", backend.company_id.id)
            if backend.user_id:
                values.setdefault("user_id", backend.user_id.id)
        try:
            with self.env.cr.savepoint(), expected_unique_violation():
                exc = self.create(values)
        except psycopg2.errors.UniqueViolation:
            # an identical exception was opened by a transaction that committed
            # after this one began: count this occurrence on it
            return self.browse(self._count_concurrent_occurrence(values["fingerprint"]))
        exc._notify_assignee()
        return exc

    @api.model
    def _count_concurrent_occurrence(self, fingerprint):
        def increment(cr):
            cr.execute(
                "UPDATE retail_sync_exception"
                " SET occurrence_count = occurrence_count + 1,"
                " last_seen = (now() AT TIME ZONE 'UTC')"
                " WHERE fingerprint = %s AND state = 'open' RETURNING id",
                (fingerprint,),
            )
            row = cr.fetchone()
            return row[0] if row else []

        return short_transaction(self.env.registry.cursor, increment)

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            refused = set(vals) - USER_WRITABLE_FIELDS
            if refused:
                raise AccessError(
                    self.env._(
                        "Only retail managers can change %(fields)s of a sync "
                        "exception.",
                        fields=", ".join(sorted(refused)),
                    )
                )
        return super().write(vals)

    def _write_as_system(self, vals):
        """Write what an action of a retail user changes besides the state.

        The user's write access (ACL and record rules) is checked first.
        """
        self.check_access("write")
        return self.sudo().write(vals)

    def _merge_occurrence(self, values):
        self.ensure_one()
        vals = {
            "occurrence_count": self.occurrence_count + 1,
            "last_seen": fields.Datetime.now(),
        }
        for key in ("payload_excerpt", "event_id", "job_uuid", "correlation_id"):
            if values.get(key):
                vals[key] = values[key]
        self.write(vals)
        return self

    def _notify_assignee(self):
        for exc in self.filtered("user_id"):
            exc.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=exc.user_id.id,
                summary=self.env._("Sync exception: %(name)s", name=exc.name)[:250],
                note=exc.hint or exc.message,
            )

    def _resolve(self, resolution):
        open_excs = self.filtered(lambda e: e.state == "open")
        if not open_excs:
            return
        open_excs._write_as_system(
            {
                "state": "resolved",
                "resolved_at": fields.Datetime.now(),
                "resolution": resolution[:250],
            }
        )
        open_excs.activity_ids.action_feedback(feedback=resolution)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Run again what produced the exception."""
        for exc in self:
            if exc.state != "open":
                raise UserError(self.env._("Only open exceptions can be retried."))
            if exc.event_id:
                if not exc.event_id._waits_satisfied():
                    raise UserError(
                        self.env._(
                            "%(name)s still waits for %(keys)s. Create or link what "
                            "is missing first: the delivery is then processed by "
                            "itself.",
                            name=exc.name,
                            keys=exc.event_id.sudo().waiting_for,
                        )
                    )
                exc.event_id.action_replay()
            elif exc.job_uuid:
                job = exc._retail_job()
                if not job:
                    raise UserError(
                        self.env._("The job of this exception no longer exists.")
                    )
                job.requeue()
            elif exc.res_model in self.env and hasattr(
                self.env[exc.res_model], "_retail_retry_exception"
            ):
                self.env[exc.res_model].browse(exc.res_id)._retail_retry_exception(exc)
            else:
                raise UserError(
                    self.env._(
                        "Nothing can be re-run automatically for %(name)s: fix the "
                        "cause, then mark it as resolved by ignoring it.",
                        name=exc.name,
                    )
                )
            exc.message_post(body=self.env._("Retry requested."))
        return True

    def _retail_job(self):
        """The queue job a retry re-queues: only one of a retail channel and
        of the user's companies, whatever ``job_uuid`` says."""
        self.ensure_one()
        return (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("uuid", "=", self.job_uuid),
                    ("channel", "=like", RETAIL_CHANNELS),
                    ("company_id", "in", self.env.user.company_ids.ids + [False]),
                ],
                limit=1,
            )
        )

    def action_ignore(self):
        self._write_as_system(
            {"state": "ignored", "resolved_at": fields.Datetime.now()}
        )
        self.activity_ids.action_feedback(feedback=self.env._("Ignored"))
        return True

    def action_reopen(self):
        self._write_as_system(
            {"state": "open", "resolved_at": False, "resolution": False}
        )
        return True

    def action_open_record(self):
        self.ensure_one()
        if not self.record_ref:
            raise UserError(self.env._("No record is linked to this exception."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_open_event(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "retail.event",
            "res_id": self.event_id.id,
            "view_mode": "form",
        }

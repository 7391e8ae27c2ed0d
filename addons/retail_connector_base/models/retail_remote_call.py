import logging
from datetime import UTC, datetime, timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import correlation
from ..services.pg import short_transaction

_logger = logging.getLogger(__name__)

OUTCOMES = [
    ("ok", "Answered"),
    ("redirected", "Redirected"),
    ("rejected", "Rejected"),
    ("refused", "Refused (credentials)"),
    ("rate_limited", "Rate limited"),
    ("unavailable", "Unavailable"),
    ("timeout", "Timed out"),
    ("unreachable", "Unreachable"),
    ("not_sent", "Not sent"),
]
#: the columns a journal entry fills, in the order of the insert
JOURNAL_COLUMNS = (
    "called_at",
    "backend_model",
    "backend_id",
    "retail_backend_id",
    "company_id",
    "source",
    "correlation_id",
    "operation",
    "method",
    "path",
    "status_code",
    "outcome",
    "duration_ms",
    "remote_request_id",
    "res_model",
    "res_id",
)


class RetailRemoteCall(models.Model):
    """The journal of the requests sent to remote systems.

    One row per request that left (each try of a retried one), written by
    the base's HTTP client through the backend
    (:meth:`~.retail_backend_mixin.RetailBackendMixin._retail_http_journal`):
    what was called, for which correlation id and record, how it was
    answered and how long it took. Never a body, a query string or a header
    value: the journal holds no customer data and no secret. The calls of a
    job are written when it ends, in one insert of their own transaction
    (they stay when the job rolls back); the retention cron deletes them
    after ``retail_connector_base.remote_call_retention_days``.
    """

    _name = "retail.remote.call"
    _description = "Retail Remote Call"
    _order = "called_at desc, id desc"
    _rec_name = "operation"
    _log_access = False

    called_at = fields.Datetime(required=True, readonly=True, index=True)
    backend_model = fields.Char(readonly=True, index=True)
    backend_id = fields.Many2oneReference(
        string="Backend record", model_field="backend_model", readonly=True
    )
    retail_backend_id = fields.Many2one(
        "retail.backend", string="Backend", readonly=True, ondelete="set null"
    )
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, ondelete="cascade"
    )
    source = fields.Char(string="Connector", readonly=True)
    correlation_id = fields.Char(readonly=True, index="btree_not_null")
    operation = fields.Char(readonly=True)
    method = fields.Char(readonly=True)
    path = fields.Char(readonly=True)
    status_code = fields.Integer(string="HTTP status", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    remote_request_id = fields.Char(
        readonly=True, help="The id the remote gave the request (its X-Request-Id)."
    )
    res_model = fields.Char(string="Record model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Record id", model_field="res_model", readonly=True
    )
    record_ref = fields.Reference(
        selection="_selection_res_model", string="Record", compute="_compute_record_ref"
    )

    _record_idx = models.Index("(res_model, res_id) WHERE res_id IS NOT NULL")

    @api.model
    def _selection_res_model(self):
        return [(m.model, m.name) for m in self.env["ir.model"].sudo().search([])]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for call in self:
            if call.res_model and call.res_id and call.res_model in self.env:
                call.record_ref = f"{call.res_model},{call.res_id}"
            else:
                call.record_ref = False

    @api.model
    def _retail_journal_row(self, backend, entry):
        """The journal row of ``entry`` (see ``HttpClient``) sent by
        ``backend``, about the record of the running trace."""
        subject = correlation.current_subject()
        res_model, _sep, res_id = (subject or "").partition(",")
        # when the request left (to the microsecond: calls are ordered by it)
        called_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(
            milliseconds=entry.get("duration_ms") or 0
        )
        return {
            "called_at": called_at,
            "backend_model": backend._name,
            "backend_id": backend.id,
            "retail_backend_id": backend.retail_card_id.id or None,
            "company_id": backend.company_id.id or None,
            "source": backend._retail_source,
            "correlation_id": entry.get("correlation_id")
            or backend._retail_correlation_id(),
            "operation": entry.get("operation"),
            "method": entry.get("method"),
            "path": entry.get("path"),
            "status_code": entry.get("status"),
            "outcome": entry.get("outcome"),
            "duration_ms": entry.get("duration_ms"),
            "remote_request_id": entry.get("remote_request_id"),
            "res_model": res_model or None,
            "res_id": int(res_id) if res_id.isdigit() else None,
        }

    @api.model
    def _retail_journal_write(self, rows):
        """Insert journal ``rows`` in one statement of their own transaction;
        a failure is logged, never raised (the calls were made)."""
        if not rows:
            return 0
        values = SQL(", ").join(
            SQL(
                "(%s)",
                SQL(", ").join(
                    SQL("%s", row.get(column)) for column in JOURNAL_COLUMNS
                ),
            )
            for row in rows
        )
        query = SQL(
            "INSERT INTO retail_remote_call (%s) VALUES %s",
            SQL(", ").join(SQL.identifier(column) for column in JOURNAL_COLUMNS),
            values,
        )

        def insert(cr):
            cr.execute(query, log_exceptions=False)
            return cr.rowcount

        try:
            try:
                return short_transaction(self.env.registry.cursor, insert)
            except psycopg2.IntegrityError:
                # a backend created in a transaction not committed yet (its
                # card is invisible to another one): journaled in this one
                with self.env.cr.savepoint():
                    return insert(self.env.cr)
        except Exception:  # noqa: BLE001 - the journal never fails a job
            _logger.exception("%s remote calls could not be journaled", len(rows))
            return 0

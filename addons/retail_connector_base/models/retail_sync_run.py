import json
import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import errors, locks, sync_runs
from ..services.quiet_sql import expected_unique_violation
from .base import traced

_logger = logging.getLogger(__name__)

# pages one job reads before it queues the next one: progress is committed
# between jobs and no transaction stays open for long
PAGES_PER_JOB = 20
# a run whose progress has not moved for this long is no longer running
STALLED_AFTER = timedelta(hours=1)
RETENTION_PARAM = "retail_connector_base.sync_run_retention_days"
RETENTION_BATCH = 5000
RUN_STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("stalled", "Stalled"),
    ("cancelled", "Cancelled"),
]


class RetailSyncRun(models.Model):
    """One paged, checkpointed reconciliation or bulk import of a backend.

    A run reads the remote's changes since a date page by page through
    its backend's hooks (``_retail_run_fetch_page`` and
    ``_retail_run_import_item``, see ``retail.sync.run.mixin``). Each job
    reads at most :data:`PAGES_PER_JOB` pages, records the progress and
    the cursor, then queues the next job: a person watches the counters
    grow, and a failure repeats only the pages of its job.

    Transactions: a job is one transaction (its pages, counters and cursor
    commit together); each item is imported in a savepoint, so an item that
    fails leaves nothing half done. A job that fails for good, or a run
    whose progress stops for :data:`STALLED_AFTER`, ends the run and opens a
    sync exception; retrying it resumes the run from its cursor.
    """

    _name = "retail.sync.run"
    _description = "Retail Sync Run"
    _retail_traced_jobs = True
    _order = "started desc, id desc"

    backend_model = fields.Char(required=True, readonly=True, index=True)
    backend_id = fields.Many2oneReference(
        string="Backend record",
        model_field="backend_model",
        required=True,
        readonly=True,
        index=True,
    )
    retail_backend_id = fields.Many2one(
        "retail.backend",
        string="Backend",
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    kind = fields.Char(
        required=True, readonly=True, index=True, help="What the run reads."
    )
    kind_label = fields.Char(string="Run", compute="_compute_kind_label")
    state = fields.Selection(
        RUN_STATES, default="running", required=True, readonly=True, index=True
    )
    since = fields.Datetime(
        string="Changes since",
        required=True,
        readonly=True,
        help="The run reads what changed in the remote system since this time "
        "(its start date or checkpoint, minus the overlap window).",
    )
    cursor = fields.Char(
        readonly=True, copy=False, help="Where the next page starts (remote cursor)."
    )
    pages = fields.Integer(string="Pages read", readonly=True)
    imported = fields.Integer(string="Imported or updated", readonly=True)
    unchanged = fields.Integer(string="Already up to date", readonly=True)
    held = fields.Integer(
        readonly=True,
        help="Items waiting for something else (e.g. a product): imported "
        "automatically once it exists.",
    )
    failed = fields.Integer(string="In exception", readonly=True)
    started = fields.Datetime(required=True, readonly=True, index=True)
    last_progress = fields.Datetime(readonly=True)
    finished = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    job_uuid = fields.Char(string="Last job", readonly=True, copy=False)
    progress = fields.Char(compute="_compute_progress")

    _running_unique = models.UniqueIndex(
        "(backend_model, backend_id, kind) WHERE state = 'running'",
        "A run of this kind is already running for this backend.",
    )
    _counters_positive = models.Constraint(
        "CHECK (pages >= 0 AND imported >= 0 AND unchanged >= 0 AND held >= 0 "
        "AND failed >= 0)",
        "The counters of a run cannot be negative.",
    )

    @api.depends("backend_model", "backend_id", "kind")
    def _compute_kind_label(self):
        for run in self:
            backend = run._backend()
            labels = backend._retail_run_kinds() if backend else {}
            run.kind_label = labels.get(run.kind) or (run.kind or "").capitalize()

    @api.depends("kind_label", "retail_backend_id", "started")
    def _compute_display_name(self):
        for run in self:
            run.display_name = self.env._(
                "%(run)s of %(backend)s, %(started)s",
                run=run.kind_label,
                backend=run.retail_backend_id.name or "?",
                started=fields.Datetime.to_string(run.started) or "",
            )

    @api.depends(
        "state",
        "kind_label",
        "since",
        "pages",
        "imported",
        "unchanged",
        "held",
        "failed",
    )
    def _compute_progress(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        for run in self:
            run.progress = self.env._(
                "%(state)s — %(run)s since %(since)s: %(imported)s imported or "
                "updated, %(unchanged)s already up to date, %(held)s held, "
                "%(failed)s in exception (%(pages)s pages read).",
                state=states.get(run.state, run.state),
                run=run.kind_label,
                since=fields.Datetime.to_string(run.since) or "?",
                imported=run.imported,
                unchanged=run.unchanged,
                held=run.held,
                failed=run.failed,
                pages=run.pages,
            )

    def _backend(self):
        """The backend record of the run (superuser), or None."""
        self.ensure_one()
        return self.env["retail.backend"]._retail_resolve(
            self.backend_model, self.backend_id
        )

    def _counts(self):
        self.ensure_one()
        return {outcome: self[outcome] for outcome in sync_runs.OUTCOMES}

    # ------------------------------------------------------------------
    # starting
    # ------------------------------------------------------------------
    @api.model
    def _runs_of(self, backend, kind, states):
        return self.sudo().search(
            [
                ("backend_model", "=", backend._name),
                ("backend_id", "=", backend.id),
                ("kind", "=", kind),
                ("state", "in", states),
            ]
        )

    @api.model
    def _current(self, backend, kind):
        """The run of ``kind`` running for ``backend``, or an empty recordset.

        A running run without progress for too long is marked stalled here:
        the next start does not wait for a run that will never end.
        """
        runs = self._runs_of(backend, kind, ["running"])
        now = fields.Datetime.now()
        stalled = runs.filtered(
            lambda run: sync_runs.is_stalled(run.last_progress, now, STALLED_AFTER)
        )
        stalled._mark_stalled()
        return runs - stalled

    @api.model
    def _start(self, backend, kind, since=None):
        """Open a run of ``kind`` for ``backend`` and queue its first job.

        ``since`` None reads from the checkpoint (or the backend's default
        start); the overlap window is taken off either. Raise UserError
        when a run of this kind is already running.
        """
        backend.ensure_one()
        backend.check_access("read")
        if self._current(backend, kind):
            raise UserError(self._already_running_message(backend, kind))
        backend = backend.sudo()
        field = backend._retail_run_checkpoint_field(kind)
        since = (
            since
            or (field and backend[field])
            or backend._retail_run_default_since(kind)
        )
        now = fields.Datetime.now()
        values = {
            "backend_model": backend._name,
            "backend_id": backend.id,
            "retail_backend_id": backend.retail_card_id.id,
            "company_id": backend.company_id.id,
            "kind": kind,
            "since": since - backend._retail_run_overlap(kind),
            "started": now,
            "last_progress": now,
        }
        try:
            with self.env.cr.savepoint(), expected_unique_violation():
                run = self.sudo().create(values)
        except psycopg2.errors.UniqueViolation:
            # started at the same moment by someone else (cron, button)
            raise UserError(self._already_running_message(backend, kind)) from None
        run._queue_job()
        return run

    @api.model
    def _already_running_message(self, backend, kind):
        return self.env._(
            "%(run)s: a run is already running for %(backend)s, wait for it to finish.",
            run=backend._retail_run_kinds().get(kind) or kind,
            backend=backend.display_name,
        )

    def _queue_job(self, eta=None):
        """Queue the job that reads the next pages of the run (``eta``:
        seconds to wait before it runs)."""
        self.ensure_one()
        backend = self._backend()
        job = self.with_delay(
            eta=eta,
            identity_key=f"retail.sync.run:{self.id}:{self.pages}",
            description=self.env._(
                "%(run)s of %(backend)s from page %(page)s",
                run=self.kind_label,
                backend=backend.display_name,
                page=self.pages + 1,
            ),
            **backend._retail_job_options("reconcile"),
        )._job_run()
        self.job_uuid = getattr(job, "uuid", False) or False

    # ------------------------------------------------------------------
    # the jobs
    # ------------------------------------------------------------------
    @traced
    def _job_run(self):
        """Read the next pages of the run (queued job).

        Transient errors postpone the job (it starts again from the
        cursor); a permanent one ends the run with a sync exception, and so
        does a wait (a paused backend, a lock) lasting past the waiting
        deadline.
        """
        self.ensure_one()
        run = self.sudo()
        if run.state != "running":
            return f"Run {run.state}: nothing to do."
        backend = run._backend()
        if not backend:
            run._fail(
                f"The backend {run.backend_model}({run.backend_id}) of this run "
                "no longer exists."
            )
            return "Backend missing."
        try:
            if not backend._retail_is_accepting():
                raise errors.BackendPausedError(
                    f"Backend {backend.display_name} is {backend.state}; the run "
                    "waits until it is active again.",
                    retry_after=300,
                )
            # a job requeued by hand while the next one runs waits for it
            locks.advisory_lock(
                self.env.cr, backend._retail_key(), f"run:{run.id}", retry_after=10
            )
            return run._run_pages()
        except Exception as exc:
            kind = errors.classify(exc)
            if kind == "transient":
                # a wait spends no tries; past the deadline the run fails
                exc = backend._retail_retry_job(exc, "The run")
            elif kind != "permanent":
                raise
            run._fail(str(exc), category=exc.category, hint=exc.hint)
            return f"Failed: {exc}"

    def _run_pages(self):
        """Read at most PAGES_PER_JOB pages from the cursor; return the totals.

        Then queue the next job, or finish the run after the last page.
        Errors of the remote on the job's first page propagate (see
        :meth:`_job_run`); a transient one on a later page keeps the pages
        read and queues the next job, after its wait.
        """
        self.ensure_one()
        backend = self._backend()
        cursor = self.cursor or None
        for page in range(PAGES_PER_JOB):
            try:
                # a page is kept or undone whole
                with self.env.cr.savepoint():
                    cursor = self._run_page(backend, cursor)
            except Exception as exc:
                if not page or errors.classify(exc) != "transient":
                    raise
                # a wait (the remote's rate limit ...) or a transient failure
                # after pages were read: they are kept, and the next job goes
                # on from the cursor once the wait is over, where the error
                # spends its tries as usual (undoing the pages would read them
                # again, and a run whose pages cost more than the remote's
                # budget allows at once would never get past its first job)
                self._queue_job(eta=errors.job_delay(exc))
                return sync_runs.summary(self.kind, self._counts(), continuing=True)
            if cursor is None:
                break
        if cursor is None:
            self._finish()
        else:
            self._queue_job()
        return sync_runs.summary(self.kind, self._counts(), continuing=bool(cursor))

    def _run_page(self, backend, cursor):
        """Read and import the page at ``cursor``, record the progress;
        the cursor of the next page (None after the last one)."""
        items, next_cursor = backend._retail_run_fetch_page(self, cursor)
        sync_runs.check_next_cursor(cursor, next_cursor)
        counts = sync_runs.count_outcomes(
            self._import_item(backend, item) for item in items
        )
        values = {
            outcome: self[outcome] + counts[outcome] for outcome in sync_runs.OUTCOMES
        }
        values.update(
            cursor=next_cursor or False,
            pages=self.pages + 1,
            last_progress=fields.Datetime.now(),
        )
        self.write(values)
        return next_cursor

    def _import_item(self, backend, item):
        """Import one item of a page; return its outcome.

        A permanent error the connector lets through becomes a sync exception
        of its own; the item's changes are undone, the run goes on.
        """
        try:
            with self.env.cr.savepoint():
                return backend._retail_run_import_item(self, item)
        except errors.PermanentError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            backend._retail_raise_exception(
                flow="reconciliation",
                category=exc.category,
                message=str(exc),
                hint=exc.hint
                or self.env._("Correct the cause, then start the run again."),
                remote_ref=details.get("remote_ref"),
                res_model=details.get("res_model"),
                res_id=details.get("res_id"),
                payload_excerpt=json.dumps(item, default=str)[:2000],
            )
            return "failed"

    def _finish(self):
        """The last page was read: done, and the checkpoint may move."""
        self.ensure_one()
        backend = self._backend()
        self.write(
            {"state": "done", "cursor": False, "finished": fields.Datetime.now()}
        )
        field = backend._retail_run_checkpoint_field(self.kind)
        if field:
            checkpoint = sync_runs.next_checkpoint(
                backend[field], self.since, self.started
            )
            if checkpoint != backend[field]:
                backend[field] = checkpoint
        # reconciliation works again: earlier runs that ended badly are over
        ended = self._runs_of(backend, self.kind, ["failed", "stalled"]) | self
        self.env["retail.sync.exception"].sudo().search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", ended.ids),
                ("state", "=", "open"),
            ]
        )._resolve(self.env._("A later run read every page."))

    def _fail(self, error, category="unexpected", hint=None):
        """End the run as failed and open a sync exception on it."""
        for run in self:
            run.write(
                {"state": "failed", "error": error, "finished": fields.Datetime.now()}
            )
            backend = run._backend()
            if not backend:
                continue
            backend._retail_raise_exception(
                flow="reconciliation",
                category=category,
                message=f"The {run.kind} run of {backend.display_name} (changes "
                f"since {fields.Datetime.to_string(run.since)}) stopped after "
                f"{run.pages} pages: {error}",
                hint=hint or backend._retail_run_failure_hint(run.kind),
                res_model=run._name,
                res_id=run.id,
            )

    def _on_job_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job hook: a job of the run failed for good (fresh transaction)."""
        for run in self.sudo().exists().filtered(lambda r: r.state == "running"):
            if exc_name and exc_name.endswith("FailedJobError"):
                error = f"kept failing with temporary errors: {exc_message}"
            else:
                error = exc_message or exc_name or "unknown error"
            run._fail(error)

    def _mark_stalled(self):
        """End runs whose progress stopped (a job was lost or killed)."""
        for run in self:
            run.write({"state": "stalled", "finished": fields.Datetime.now()})
            backend = run._backend()
            if not backend:
                continue
            backend._retail_raise_exception(
                flow="reconciliation",
                category="unexpected",
                message=f"The {run.kind} run of {backend.display_name} made no "
                f"progress since {fields.Datetime.to_string(run.last_progress)} "
                f"and was abandoned after {run.pages} pages.",
                hint=self.env._(
                    "The next run starts from the checkpoint again; press Retry "
                    "to resume this one. If runs keep stalling, look at the jobs "
                    "(Monitoring ▸ Jobs): a job may have been killed for running "
                    "too long."
                ),
                res_model=run._name,
                res_id=run.id,
            )
        if self:
            _logger.info("Sync runs %s stalled", self.ids)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_resume(self):
        """Go on from the last page read (a failed or stalled run)."""
        for run in self.sudo():
            if run.state not in ("failed", "stalled"):
                raise UserError(
                    self.env._(
                        "%(run)s is %(state)s: only failed or stalled runs can "
                        "be resumed.",
                        run=run.display_name,
                        state=run.state,
                    )
                )
            backend = run._backend()
            if not backend or not backend._retail_is_accepting():
                raise UserError(
                    self.env._(
                        "The backend of %(run)s is not active: activate it first.",
                        run=run.display_name,
                    )
                )
            if self._current(backend, run.kind):
                raise UserError(self._already_running_message(backend, run.kind))
            run.write(
                {
                    "state": "running",
                    "error": False,
                    "finished": False,
                    "last_progress": fields.Datetime.now(),
                }
            )
            run._queue_job()
        return True

    def _retail_retry_exception(self, exception):
        """Retry of a run's exception: resume the run."""
        self.ensure_one()
        return self.action_resume()

    def action_cancel(self):
        """Stop running runs: their pending job ends without reading."""
        self.filtered(lambda run: run.state == "running").write(
            {"state": "cancelled", "finished": fields.Datetime.now()}
        )
        return True

    def action_open_backend(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.backend_model,
            "res_id": self.backend_id,
            "view_mode": "form",
        }

    def action_open_exceptions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync exceptions"),
            "res_model": "retail.sync.exception",
            "view_mode": "list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
        }

    # ------------------------------------------------------------------
    # cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_stalled(self):
        """Mark stalled the runs without progress for too long, and delete
        old runs (never one with an open exception)."""
        now = fields.Datetime.now()
        stalled = self.sudo().search(
            [("state", "=", "running"), ("last_progress", "<=", now - STALLED_AFTER)]
        )
        stalled._mark_stalled()
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, 30) or 0
        )
        if days <= 0:
            return len(stalled)
        old = self.sudo().search(
            [("state", "!=", "running"), ("started", "<", now - timedelta(days=days))],
            limit=RETENTION_BATCH,
            order="started",
        )
        kept = {
            exc.res_id
            for exc in self.env["retail.sync.exception"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", old.ids),
                    ("state", "=", "open"),
                ]
            )
        }
        old.filtered(lambda run: run.id not in kept).unlink()
        return len(stalled)

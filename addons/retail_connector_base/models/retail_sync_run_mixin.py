import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# where a run starts when neither a date nor a checkpoint is given
DEFAULT_SINCE = timedelta(days=7)


class RetailSyncRunMixin(models.AbstractModel):
    """The backend side of sync runs (``retail.sync.run``).

    A connector lists its kinds of runs in :meth:`_retail_run_kinds` and
    implements two hooks: :meth:`_retail_run_fetch_page` reads one page of
    the remote listing and :meth:`_retail_run_import_item` imports one item
    of it. Optional hooks say where the checkpoint of a kind lives, how
    much the runs overlap it and what to do after a failure. The base
    queues the jobs, counts, keeps the checkpoint and notices failures.
    """

    _name = "retail.sync.run.mixin"
    _description = "Retail Sync Runs of a Backend"

    sync_run_count = fields.Integer(
        string="Sync runs", compute="_compute_sync_run_progress"
    )
    sync_run_progress = fields.Char(
        string="Running sync runs", compute="_compute_sync_run_progress"
    )

    def _compute_sync_run_progress(self):
        Run = self.env["retail.sync.run"].sudo()
        domain = [("backend_model", "=", self._name), ("backend_id", "in", self.ids)]
        counts = dict(Run._read_group(domain, ["backend_id"], ["__count"]))
        running = {}
        for run in Run.search(domain + [("state", "=", "running")]):
            running.setdefault(run.backend_id, []).append(run.progress)
        for backend in self:
            backend.sync_run_count = counts.get(backend.id, 0)
            backend.sync_run_progress = " ".join(running.get(backend.id, [])) or False

    # ------------------------------------------------------------------
    # hooks implemented by each connector
    # ------------------------------------------------------------------
    def _retail_run_kinds(self):
        """The kinds of runs of this backend: ``{kind: label}``."""
        return {}

    def _retail_run_fetch_page(self, run, cursor):
        """Read one page of ``run`` (``cursor`` None: the first page).

        Return ``(items, next_cursor)``, ``next_cursor`` None after the last
        page; ``run.since`` is where the listing starts. Raise the errors of
        ``services.errors``: transient ones postpone the job.
        """
        raise UserError(
            self.env._(
                "%(backend)s cannot read runs of %(kind)s.",
                backend=self.display_name,
                kind=run.kind,
            )
        )

    def _retail_run_import_item(self, run, item):
        """Import one item of a page of ``run``; return what became of it.

        ``"imported"`` (created or updated), ``"unchanged"`` (already up to
        date), ``"held"`` (waits for something else, imported once it
        exists) or ``"failed"`` (a sync exception says why). A permanent
        error raised here becomes a sync exception and counts as failed.
        """
        raise UserError(
            self.env._(
                "%(backend)s cannot import items of runs of %(kind)s.",
                backend=self.display_name,
                kind=run.kind,
            )
        )

    def _retail_run_checkpoint_field(self, kind):
        """Name of the backend field keeping the checkpoint of ``kind``.

        None: the runs of ``kind`` have no checkpoint.
        """
        return None

    def _retail_run_overlap(self, kind):
        """How far before the checkpoint (or date) runs of ``kind`` read."""
        return timedelta(0)

    def _retail_run_default_since(self, kind):
        """Where a run of ``kind`` starts without a date or checkpoint."""
        return fields.Datetime.now() - DEFAULT_SINCE

    def _retail_run_failure_hint(self, kind):
        """What a person does after a run of ``kind`` failed."""
        return self.env._(
            "Correct the cause (connection, credentials, the remote system's "
            "status), then press Retry to resume the run, or start a new one: "
            "what was already imported is skipped."
        )

    # ------------------------------------------------------------------
    # API for the connectors
    # ------------------------------------------------------------------
    def _retail_run_current(self, kind):
        """The run of ``kind`` running for this backend (or none)."""
        self.ensure_one()
        return self.env["retail.sync.run"]._current(self, kind)

    def _retail_run_start(self, kind, since=None):
        """Start a run of ``kind`` from ``since`` (None: the checkpoint).

        Queue its first job and return it; UserError if one is running.
        """
        self.ensure_one()
        return self.env["retail.sync.run"]._start(self, kind, since)

    def _retail_run_action_start(self, kind, since=None):
        """Start a run from a button: a notification says what happens."""
        self.ensure_one()
        label = self._retail_run_kinds().get(kind) or kind
        current = self._retail_run_current(kind)
        if current:
            return self._retail_notify(
                self.env._("%(run)s: already running", run=label),
                current.progress,
                "warning",
            )
        run = self._retail_run_start(kind, since)
        return self._retail_notify(
            self.env._("%(run)s: run queued", run=label),
            self.env._(
                "What changed since %(since)s is being read in the background; "
                "the progress shows on the form of %(backend)s.",
                since=fields.Datetime.to_string(run.since),
                backend=self.display_name,
            ),
            "info",
        )

    @api.model
    def _retail_run_cron(self, kind):
        """Start a run of ``kind`` on every active backend not running one."""
        started = self.env["retail.sync.run"]
        for backend in self.search([("state", "=", "active")]):
            if backend._retail_run_current(kind):
                continue
            try:
                started |= backend._retail_run_start(kind)
            except UserError as exc:
                # started by someone else meanwhile: the other backends go on
                _logger.info("No %s run for %s: %s", kind, backend.display_name, exc)
        return started

    def action_open_sync_runs(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync runs"),
            "res_model": "retail.sync.run",
            "view_mode": "list,form",
            "domain": [
                ("backend_model", "=", self._name),
                ("backend_id", "=", self.id),
            ],
        }

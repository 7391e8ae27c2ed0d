import threading
import time

from odoo import api, fields, models
from odoo.tools import SQL, ormcache

HEALTH_PREFIX = "retail_connector_base.health_"
#: seconds a worker answers the health probe from its last report
HEALTH_CACHE_SECONDS = 10
# per worker process: {database: (monotonic time, report)}
_health_cache = {}
_health_cache_lock = threading.Lock()


class RetailBackend(models.Model):
    """One row per connector backend, whatever its type: the dashboard cards.

    Rows are kept in step by ``retail.backend.mixin``; the counters are read
    from the concrete backend so there is one place that computes them.
    """

    _name = "retail.backend"
    _description = "Retail Integration Backend"
    _order = "sequence, name, id"

    name = fields.Char(required=True, readonly=True)
    sequence = fields.Integer(readonly=True)
    active = fields.Boolean(default=True, readonly=True)
    res_model = fields.Char(string="Backend Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Backend", model_field="res_model", required=True, readonly=True
    )
    model_description = fields.Char(
        string="Connector", compute="_compute_model_description"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("paused", "Paused"),
            ("error", "Error"),
        ],
        readonly=True,
    )
    event_count_24h = fields.Integer(
        string="Events (24 h)", compute="_compute_counters"
    )
    event_failed_count = fields.Integer(
        string="Failed events", compute="_compute_counters"
    )
    exception_open_count = fields.Integer(
        string="Open exceptions", compute="_compute_counters"
    )
    oldest_pending_age = fields.Integer(
        string="Oldest pending (min)", compute="_compute_counters"
    )
    circuit_state = fields.Selection(
        [("closed", "Closed"), ("open", "Open"), ("half_open", "Probing")],
        compute="_compute_counters",
    )
    health = fields.Selection(
        [("ok", "Healthy"), ("warning", "Needs attention"), ("danger", "Failing")],
        compute="_compute_counters",
    )
    sync_run_ids = fields.One2many("retail.sync.run", "retail_backend_id")
    sync_run_progress = fields.Char(
        string="Running sync runs", compute="_compute_sync_run_progress"
    )

    _backend_unique = models.Constraint(
        "UNIQUE (res_model, res_id)", "A backend is listed once."
    )

    @api.depends("res_model")
    def _compute_model_description(self):
        for card in self:
            card.model_description = (
                self.env["ir.model"]._get(card.res_model).name if card.res_model else ""
            )

    @api.model
    def _retail_resolve(self, model, res_id):
        """The backend ``model(res_id)`` (superuser, archived too), or None."""
        if not model or model not in self.env or not res_id:
            return None
        backend = (
            self.env[model].sudo().with_context(active_test=False).browse(res_id)
        ).exists()
        return backend or None

    def _backends(self):
        """Group cards by backend model: {model_name: backend recordset}."""
        by_model = {}
        for card in self:
            by_model.setdefault(card.res_model, []).append(card.res_id)
        return {
            model: self.env[model].with_context(active_test=False).browse(ids).exists()
            for model, ids in by_model.items()
            if model in self.env
        }

    def _compute_counters(self):
        backends = {}
        for model, records in self._backends().items():
            for backend in records:
                backends[(model, backend.id)] = backend
        for card in self:
            backend = backends.get((card.res_model, card.res_id))
            if not backend:
                card.update(
                    event_count_24h=0,
                    event_failed_count=0,
                    exception_open_count=0,
                    oldest_pending_age=0,
                    circuit_state="closed",
                    health="ok",
                )
                continue
            card.event_count_24h = backend.event_count_24h
            card.event_failed_count = backend.event_failed_count
            card.exception_open_count = backend.exception_open_count
            card.oldest_pending_age = backend.oldest_pending_age
            card.circuit_state = backend.circuit_state
            if card.state == "error" or card.circuit_state == "open":
                card.health = "danger"
            elif card.event_failed_count or card.exception_open_count:
                card.health = "warning"
            else:
                card.health = "ok"

    def _compute_sync_run_progress(self):
        progress = {}
        for model, records in self._backends().items():
            for backend in records:
                progress[(model, backend.id)] = backend.sync_run_progress
        for card in self:
            card.sync_run_progress = (
                progress.get((card.res_model, card.res_id)) or False
            )

    @api.model
    def _sync_from(self, backends):
        existing = {
            card.res_id: card
            for card in self.with_context(active_test=False).search(
                [("res_model", "=", backends._name), ("res_id", "in", backends.ids)]
            )
        }
        to_create, backends_to_link = [], []
        for backend in backends:
            vals = {
                "name": backend.name,
                "sequence": backend.sequence,
                "active": backend.active,
                "company_id": backend.company_id.id,
                "state": backend.state,
            }
            card = existing.get(backend.id)
            if card:
                card.write(vals)
            else:
                to_create.append(
                    dict(vals, res_model=backends._name, res_id=backend.id)
                )
                backends_to_link.append(backend)
        for backend, card in zip(backends_to_link, self.create(to_create), strict=True):
            backend.retail_card_id = card

    @api.model
    def _drop_for(self, backends):
        self.with_context(active_test=False).search(
            [("res_model", "=", backends._name), ("res_id", "in", backends.ids)]
        ).unlink()

    def _open(self, method):
        self.ensure_one()
        backend = self.env[self.res_model].browse(self.res_id)
        return getattr(backend, method)()

    def action_open_backend(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_open_events(self):
        return self._open("action_open_events")

    def action_open_failed_events(self):
        return self._open("action_open_failed_events")

    def action_open_exceptions(self):
        return self._open("action_open_exceptions")

    def action_open_sync_runs(self):
        return self._open("action_open_sync_runs")

    # ------------------------------------------------------------------
    # intake
    # ------------------------------------------------------------------
    @api.model
    @ormcache("model_name", "backend_id", "columns")
    def _retail_intake_row(self, model_name, backend_id, columns):
        """The values of ``columns`` of backend ``backend_id`` of
        ``model_name`` (a tuple), or None when there is none.

        The intake's read of the backend for every delivery: cached by each
        worker, and forgotten by all of them when one of the columns is
        written (``retail.backend.mixin.write`` clears the cache, which
        Odoo signals to the other workers at their next request). A column
        changed without the ORM (SQL) is seen once the cache is cleared.
        """
        model = self.env[model_name]
        for name in columns:
            field = model._fields.get(name)
            if field is None or not field.store or not field.column_type:
                raise ValueError(f"{model_name}.{name} is not a stored column")
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE id = %s",
                SQL(", ").join(SQL.identifier(name) for name in columns),
                SQL.identifier(model._table),
                backend_id,
            )
        )
        row = self.env.cr.fetchone()
        return tuple(row) if row else None

    # ------------------------------------------------------------------
    # health
    # ------------------------------------------------------------------
    @api.model
    def _health_thresholds(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return {
            "failed_jobs": int(get(f"{HEALTH_PREFIX}max_failed_jobs", 0)),
            "pending_minutes": int(get(f"{HEALTH_PREFIX}max_pending_minutes", 15)),
            "open_exceptions": int(get(f"{HEALTH_PREFIX}max_open_exceptions", 50)),
        }

    @api.model
    def _health_report_cached(self):
        """:meth:`_health_report`, computed at most once per
        ``health_cache_seconds`` (10 by default) by each worker: a probe
        polled often does not count the jobs and events at every call."""
        max_age = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"{HEALTH_PREFIX}cache_seconds", HEALTH_CACHE_SECONDS)
        )
        dbname = self.env.cr.dbname
        now = time.monotonic()
        with _health_cache_lock:
            cached = _health_cache.get(dbname)
        if cached and now - cached[0] < max_age:
            return cached[1]
        report = self._health_report()
        with _health_cache_lock:
            _health_cache[dbname] = (now, report)
        return report

    @api.model
    def _health_cache_clear(self):
        """Forget this worker's cached health report of this database."""
        with _health_cache_lock:
            _health_cache.pop(self.env.cr.dbname, None)

    @api.model
    def _health_report(self):
        """Counts only (no names, no payloads): safe for a public probe."""
        limits = self._health_thresholds()
        job_counts = dict(
            self.env["queue.job"]
            .sudo()
            ._read_group([("channel", "=like", "root.retail%")], ["state"], ["__count"])
        )
        jobs = {
            "pending": sum(
                job_counts.get(state, 0)
                for state in ("wait_dependencies", "pending", "enqueued", "started")
            ),
            "failed": job_counts.get("failed", 0),
        }
        problems = []
        if jobs["failed"] > limits["failed_jobs"]:
            problems.append("failed_jobs")
        backends = []
        for card in self.sudo().search([("active", "=", True)]):
            entry = {
                "id": card.id,
                "type": card.res_model,
                "state": card.state,
                "events_24h": card.event_count_24h,
                "failed_events": card.event_failed_count,
                "oldest_pending_minutes": card.oldest_pending_age,
                "open_exceptions": card.exception_open_count,
                "circuit": card.circuit_state,
            }
            backends.append(entry)
            key = f"{card.res_model}:{card.id}"
            if card.state == "error":
                problems.append(f"backend_error:{key}")
            if card.circuit_state == "open":
                problems.append(f"circuit_open:{key}")
            if card.oldest_pending_age > limits["pending_minutes"]:
                problems.append(f"pending_too_old:{key}")
            if card.exception_open_count > limits["open_exceptions"]:
                problems.append(f"open_exceptions:{key}")
        return {
            "status": "degraded" if problems else "ok",
            "checked_at": fields.Datetime.now().isoformat(),
            "jobs": jobs,
            "backends": backends,
            "problems": problems,
            "thresholds": limits,
        }

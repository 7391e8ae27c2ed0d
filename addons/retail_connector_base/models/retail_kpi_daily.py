import datetime

from odoo import api, fields, models

from ..services import kpi

#: days a first computation fills in, and the days the dashboard graphs show
BACKFILL_DAYS = 30
#: figures older than this are deleted by the daily computation
RETENTION_DAYS = 400


class RetailKpiDaily(models.Model):
    """One business figure of one backend for one day.

    Computed by a cron from what the suite stores, never from payloads:
    today's rows are computed again at every run, past days are kept as they
    were (the first run of a backend fills in the last 30 days). Each
    connector says which figures it has in ``_retail_kpis`` of its backend.
    """

    _name = "retail.kpi.daily"
    _description = "Retail Daily KPI"
    _order = "date desc, retail_backend_id, sequence, code, dimension"

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
    date = fields.Date(required=True, readonly=True, index=True)
    code = fields.Char(string="KPI code", required=True, readonly=True)
    name = fields.Char(string="KPI", required=True, readonly=True)
    sequence = fields.Integer(readonly=True, default=10)
    dimension = fields.Char(
        readonly=True,
        default="",
        help="What the figure is broken down by, e.g. the category of the exceptions.",
    )
    unit = fields.Char(readonly=True, help="min, h, %, count or a currency.")
    value = fields.Float(
        readonly=True, aggregator="avg", help="The headline figure of the day."
    )
    count = fields.Integer(
        string="Measured", readonly=True, aggregator="sum", help="Items measured."
    )
    p50 = fields.Float(string="Median", readonly=True, aggregator="avg")
    p95 = fields.Float(string="95th percentile", readonly=True, aggregator="avg")
    target = fields.Float(string="SLA", readonly=True, aggregator="avg")
    breaches = fields.Integer(
        readonly=True, aggregator="sum", help="Items that missed the SLA or target."
    )
    computed_at = fields.Datetime(readonly=True)

    _day_unique = models.Constraint(
        "UNIQUE (backend_model, backend_id, date, code, dimension)",
        "A backend has one figure per KPI and day.",
    )

    # ------------------------------------------------------------------
    # computation
    # ------------------------------------------------------------------
    @api.model
    def _backend_models(self):
        names = self.env.registry.descendants(["retail.backend.mixin"], "_inherit")
        return [
            self.env[name].sudo()
            for name in sorted(names)
            if not self.env[name]._abstract and not self.env[name]._transient
        ]

    @api.model
    def _cron_compute(self):
        """Today's figures of every active backend (and the days it misses
        of the last 30, the first time)."""
        for Backend in self._backend_models():
            for backend in Backend.search([("state", "=", "active")]):
                self._compute_backend(backend)
        self.sudo().search(
            [
                (
                    "date",
                    "<",
                    fields.Date.today() - datetime.timedelta(days=RETENTION_DAYS),
                )
            ]
        ).unlink()

    @api.model
    def _compute_backend(self, backend, days=None):
        """Compute (again) ``days`` of ``backend``. By default: today; the
        day before as well while its figures were computed before it ended
        (its last hours are then counted once); the last 30 days when the
        backend has no figure yet (its first computation)."""
        today = backend._retail_kpi_today()
        if days is None:
            computed = dict(
                self.sudo()._read_group(
                    [
                        ("backend_model", "=", backend._name),
                        ("backend_id", "=", backend.id),
                        ("date", ">=", today - datetime.timedelta(days=BACKFILL_DAYS)),
                    ],
                    ["date:day"],
                    ["computed_at:max"],
                )
            )
            if not computed:
                days = [
                    today - datetime.timedelta(days=n) for n in range(BACKFILL_DAYS + 1)
                ]
            else:
                days = [today]
                yesterday = today - datetime.timedelta(days=1)
                ended = kpi.day_bounds(today, backend._retail_kpi_tz())[0]
                last = computed.get(yesterday)
                if not last or last < ended:
                    days.append(yesterday)
        for day in days:
            self._store(backend, day, backend._retail_kpis_of_day(day, day == today))

    @api.model
    def _store(self, backend, day, figures):
        """Replace the figures of ``backend`` on ``day`` by ``figures``."""
        existing = {
            (row.code, row.dimension or ""): row
            for row in self.sudo().search(
                [
                    ("backend_model", "=", backend._name),
                    ("backend_id", "=", backend.id),
                    ("date", "=", day),
                ]
            )
        }
        now = fields.Datetime.now()
        to_create = []
        for figure in figures:
            vals = {
                "name": figure["name"],
                "sequence": figure.get("sequence", 10),
                "unit": figure.get("unit") or False,
                "value": figure.get("value") or 0.0,
                "count": figure.get("count") or 0,
                "p50": figure.get("p50") or 0.0,
                "p95": figure.get("p95") or 0.0,
                "target": figure.get("target") or 0.0,
                "breaches": figure.get("breaches") or 0,
                "computed_at": now,
            }
            key = (figure["code"], figure.get("dimension") or "")
            row = existing.pop(key, None)
            if row:
                row.write(vals)
            else:
                to_create.append(
                    dict(
                        vals,
                        backend_model=backend._name,
                        backend_id=backend.id,
                        retail_backend_id=backend.retail_card_id.id,
                        company_id=backend.company_id.id,
                        date=day,
                        code=key[0],
                        dimension=key[1],
                    )
                )
        self.sudo().create(to_create)
        # a figure that has nothing to count any more on that day
        for row in existing.values():
            row.unlink()

    @api.model
    def _today_of(self, backend):
        """``{(code, dimension): row}`` of today's figures of ``backend``."""
        return {
            (row.code, row.dimension or ""): row
            for row in self.sudo().search(
                [
                    ("backend_model", "=", backend._name),
                    ("backend_id", "=", backend.id),
                    ("date", "=", backend._retail_kpi_today()),
                ]
            )
        }

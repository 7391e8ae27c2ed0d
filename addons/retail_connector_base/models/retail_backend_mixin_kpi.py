import logging

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import kpi

_logger = logging.getLogger(__name__)

ALERT_ACTIVITY_TYPE = "retail_connector_base.mail_activity_type_retail_alert"
#: alert keys the condition check owns: open while the condition holds,
#: closed when it clears
CONDITION_PREFIXES = ("freshness:", "sla:")
#: default freshness threshold (minutes) of the base's flows
DEFAULT_FRESHNESS_MINUTES = 24 * 60


class RetailBackendMixinKpi(models.AbstractModel):
    """Business KPIs, freshness and alerts of a backend (every connector).

    - KPIs: :meth:`_retail_kpis` returns the figures of a day (list of
      dicts, see :meth:`_retail_kpi_figure`); the base counts the sync
      exceptions opened and resolved by category, each connector adds its
      own and calls super(). ``retail.kpi.daily`` stores them.
    - Freshness: :meth:`_retail_freshness_sources` lists the connector's
      flows with their last success and default threshold; the base adds
      deliveries received and sync runs finished. A person overrides the
      thresholds on the backend (``freshness_thresholds``).
    - Alerts: :meth:`_retail_alert_conditions` lists what is wrong now
      (silent flows, SLA breaches of the connector); the alert check keeps
      one open activity per condition for the responsible and marks it done
      once the condition clears. :meth:`_retail_alert` raises any other
      alert (stuck jobs, missing webhook subscriptions), deduplicated by key.
    """

    _inherit = "retail.backend.mixin"

    sla_ship_hours = fields.Float(
        string="Ship within (h)",
        default=24.0,
        tracking=True,
        help="Service level: an order confirmed in Odoo is shipped within this "
        "many hours. The fulfilment KPIs count the orders that missed it.",
    )
    sla_send_minutes = fields.Integer(
        string="Hand over within (min)",
        default=30,
        tracking=True,
        help="Service level: an order or delivery to send to the remote system "
        "(a 3PL warehouse, the store) is accepted there within this many "
        "minutes; later, the responsible gets an alert.",
    )
    freshness_thresholds = fields.Char(
        string="Freshness thresholds",
        tracking=True,
        help="Minutes a flow may stay silent before the responsible gets an "
        "alert, as flow=minutes separated by commas, e.g. "
        "'webhook=120, order_import=240'; 0 switches a flow's alert off. "
        "Flows not named keep the connector's default (shown on the KPI "
        "dashboard).",
    )

    _sla_positive = models.Constraint(
        "CHECK (sla_ship_hours >= 0 AND sla_send_minutes >= 0)",
        "Service levels cannot be negative.",
    )

    @api.constrains("freshness_thresholds")
    def _check_freshness_thresholds(self):
        for backend in self:
            try:
                kpi.parse_thresholds(backend.freshness_thresholds)
            except ValueError as exc:
                raise ValidationError(
                    self.env._(
                        "Freshness thresholds of %(backend)s: %(error)s. Write "
                        "them as flow=minutes separated by commas.",
                        backend=backend.display_name,
                        error=str(exc),
                    )
                ) from exc

    # ------------------------------------------------------------------
    # KPIs
    # ------------------------------------------------------------------
    def _retail_kpi_tz(self):
        self.ensure_one()
        return self.user_id.tz or "UTC"

    def _retail_kpi_today(self):
        """Today in the time zone of the backend's responsible."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self._retail_kpi_tz()))

    def _retail_kpis_of_day(self, day, is_today):
        self.ensure_one()
        start, end = kpi.day_bounds(day, self._retail_kpi_tz())
        return self._retail_kpis(day, start, end, is_today)

    @api.model
    def _retail_kpi_figure(self, code, name, durations=None, **values):
        """One figure: ``durations`` (a list) gives count, p50 and p95 and,
        unless ``value`` is given, the median as value; with ``target`` the
        breaches and, unless given, the share within target as value."""
        figure = {"code": code, "name": name, **values}
        if durations is not None:
            summary = kpi.summarize(durations)
            figure.update(count=summary.count, p50=summary.p50, p95=summary.p95)
            if values.get("target") is not None:
                result = kpi.sla(durations, values["target"])
                figure["breaches"] = result.breached
                figure.setdefault("value", result.share)
            figure.setdefault("value", summary.p50)
        return figure

    def _retail_kpis(self, day, start, end, is_today):
        """The figures of ``day``, from ``start`` to ``end`` (naive UTC).

        ``is_today``: figures of a state (levels, open sessions) only make
        sense today, and are left out of past days. The base counts the sync
        exceptions opened that day and those resolved, with the time they
        took to resolve, by category.
        """
        self.ensure_one()
        Exc = self.env["retail.sync.exception"].sudo()
        base = self._retail_domain()
        figures = []
        opened = Exc._read_group(
            base + [("first_seen", ">=", start), ("first_seen", "<", end)],
            ["category"],
            ["__count"],
        )
        for category, count in opened:
            figures.append(
                self._retail_kpi_figure(
                    "exceptions_opened",
                    self.env._("Exceptions opened"),
                    value=count,
                    count=count,
                    dimension=category,
                    unit="count",
                    sequence=90,
                )
            )
        hours = {}
        for exc in Exc.search_fetch(
            base
            + [
                ("resolved_at", ">=", start),
                ("resolved_at", "<", end),
                ("state", "in", ("resolved", "ignored")),
            ],
            ["category", "first_seen", "resolved_at"],
        ):
            hours.setdefault(exc.category, []).append(
                (exc.resolved_at - exc.first_seen).total_seconds() / 3600
            )
        for category, durations in sorted(hours.items()):
            figures.append(
                self._retail_kpi_figure(
                    "exceptions_resolved",
                    self.env._("Exceptions resolved (hours to resolve)"),
                    durations,
                    value=len(durations),
                    dimension=category,
                    unit="h",
                    sequence=91,
                )
            )
        return figures

    def _retail_metrics_kpis(self):
        """Today's stored figures: the value, and the 95th percentile of
        the figures measuring durations."""
        self.ensure_one()
        result = []
        for (code, dimension), row in sorted(
            self.env["retail.kpi.daily"]._today_of(self).items()
        ):
            name = f"{code}:{dimension}" if dimension else code
            result.append((name, row.value))
            if row.unit in ("min", "h") and row.count:
                result.append((f"{name}:p95", row.p95))
        return result

    # ------------------------------------------------------------------
    # freshness
    # ------------------------------------------------------------------
    def _retail_freshness_sources(self):
        """``[(flow, label, last success or None, default minutes)]`` of the
        connector's own flows (order import, stock push ...); extend it."""
        self.ensure_one()
        return []

    def _retail_freshness(self):
        """Every flow of this backend as :class:`~..services.kpi.Freshness`:
        deliveries received, sync runs finished, then the connector's."""
        self.ensure_one()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT max(received_at) FROM retail_event
                WHERE backend_model = %s AND backend_id = %s
                  AND origin = 'delivery'""",
            (self._name, self.id),
        )
        sources = [
            (
                "webhook",
                self.env._("Delivery received"),
                cr.fetchone()[0],
                DEFAULT_FRESHNESS_MINUTES,
            )
        ]
        cr.execute(
            """SELECT kind, max(finished) FROM retail_sync_run
                WHERE backend_model = %s AND backend_id = %s AND state = 'done'
                GROUP BY kind""",
            (self._name, self.id),
        )
        finished = dict(cr.fetchall())
        for kind, label in sorted(self._retail_run_kinds().items()):
            sources.append(
                (
                    f"run_{kind}",
                    self.env._("Reconciliation: %(run)s", run=label),
                    finished.get(kind),
                    DEFAULT_FRESHNESS_MINUTES,
                )
            )
        sources += self._retail_freshness_sources()
        overrides = kpi.parse_thresholds(self.freshness_thresholds)
        return [
            kpi.Freshness(flow, label, last, overrides.get(flow, minutes))
            for flow, label, last, minutes in sources
        ]

    def _retail_metrics_freshness(self):
        """The connector's own flows (the base reports deliveries and runs)."""
        now = fields.Datetime.now()
        rows = []
        for backend in self:
            for flow, _label, last, _minutes in backend._retail_freshness_sources():
                if last:
                    rows.append(
                        (
                            backend._retail_key(),
                            flow,
                            max(0.0, (now - last).total_seconds()),
                        )
                    )
        return rows

    # ------------------------------------------------------------------
    # alerts
    # ------------------------------------------------------------------
    def _retail_alert_conditions(self):
        """``[(key, summary, note)]``: what is wrong now. Keys start with
        ``freshness:`` or ``sla:``; the base reports silent flows, each
        connector adds its SLA breaches and calls super()."""
        self.ensure_one()
        now = fields.Datetime.now()
        conditions = []
        for flow in kpi.silent_flows(self._retail_freshness(), now):
            minutes = int(flow.age_seconds(now) // 60)
            conditions.append(
                (
                    f"freshness:{flow.flow}",
                    self.env._(
                        "%(flow)s silent for %(minutes)s min",
                        flow=flow.label,
                        minutes=minutes,
                    ),
                    self.env._(
                        "%(flow)s of %(backend)s last succeeded %(minutes)s "
                        "minutes ago (threshold %(threshold)s). Check the "
                        "remote system and the backend's connection, the jobs "
                        "and the scheduled actions; if the silence is normal, "
                        "raise the threshold on the backend.",
                        flow=flow.label,
                        backend=self.display_name,
                        minutes=minutes,
                        threshold=flow.threshold_minutes,
                    ),
                )
            )
        return conditions

    def _retail_alert_user(self):
        self.ensure_one()
        return self.user_id or self.env.ref("base.user_admin", raise_if_not_found=False)

    def _retail_open_alerts(self, prefixes=None):
        """Open alert activities of this backend: ``{key: activity}``."""
        self.ensure_one()
        domain = [
            ("res_model", "=", self._name),
            ("res_id", "=", self.id),
            ("retail_alert_key", "!=", False),
            ("active", "=", True),  # done activities are archived
        ]
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(active_test=True)
            .search(domain)
        )
        return {
            activity.retail_alert_key: activity
            for activity in activities
            if not prefixes or activity.retail_alert_key.startswith(tuple(prefixes))
        }

    def _retail_alert(self, key, summary, note):
        """An alert for the backend's responsible, once while it is open:
        a second alert of the same key updates the open activity's note."""
        self.ensure_one()
        activity = self._retail_open_alerts().get(key)
        body = Markup("<p>%s</p>") % escape(note)
        if activity:
            if activity.note != body:
                activity.write({"note": body, "summary": summary[:250]})
            return activity
        user = self._retail_alert_user()
        return self.sudo().activity_schedule(
            ALERT_ACTIVITY_TYPE,
            summary=summary[:250],
            note=body,
            user_id=user.id if user else False,
            retail_alert_key=key,
        )

    def _retail_alert_clear(self, keys, reason):
        """Mark the open alerts of ``keys`` done with ``reason``."""
        self.ensure_one()
        open_alerts = self._retail_open_alerts()
        for key in keys:
            activity = open_alerts.get(key)
            if activity:
                activity.action_feedback(feedback=reason)

    def _retail_check_alerts(self):
        """Open an alert per condition that holds, close those that cleared."""
        for backend in self:
            conditions = backend._retail_alert_conditions()
            for key, summary, note in conditions:
                backend._retail_alert(key, summary, note)
            current = {key for key, _summary, _note in conditions}
            backend._retail_alert_clear(
                sorted(set(backend._retail_open_alerts(CONDITION_PREFIXES)) - current),
                self.env._("The condition cleared."),
            )

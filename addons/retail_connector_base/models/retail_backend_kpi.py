from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import html2plaintext


class RetailBackendKpi(models.Model):
    """The KPI dashboard of the cards: today's figures, freshness, banners."""

    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    kpi_level = fields.Selection(
        [("ok", "Good"), ("warning", "To watch"), ("danger", "To act on")],
        string="KPI status",
        compute="_compute_kpi_dashboard",
    )
    kpi_banner_html = fields.Html(
        string="What to do", compute="_compute_kpi_dashboard", sanitize=False
    )
    kpi_today_html = fields.Html(
        string="Today", compute="_compute_kpi_dashboard", sanitize=False
    )
    freshness_html = fields.Html(
        string="Freshness", compute="_compute_kpi_dashboard", sanitize=False
    )

    def _compute_kpi_dashboard(self):
        backends = {}
        for model, records in self._backends().items():
            for backend in records:
                backends[(model, backend.id)] = backend
        now = fields.Datetime.now()
        for card in self:
            backend = backends.get((card.res_model, card.res_id))
            if not backend:
                card.update(
                    kpi_level="ok",
                    kpi_banner_html=False,
                    kpi_today_html=False,
                    freshness_html=False,
                )
                continue
            backend = backend.sudo()
            alerts = backend._retail_open_alerts()
            conditions = (
                backend._retail_alert_conditions() if backend.state == "active" else []
            )
            banners = [("danger", summary, note) for _k, summary, note in conditions]
            known = {key for key, _s, _n in conditions}
            banners += [
                ("warning", activity.summary, html2plaintext(activity.note or ""))
                for key, activity in sorted(alerts.items())
                if key not in known
            ]
            card.kpi_level = "danger" if conditions else "warning" if banners else "ok"
            card.kpi_banner_html = (
                Markup("").join(
                    Markup(
                        '<div role="alert" class="alert alert-%s mb-1 p-1">'
                        "<strong>%s</strong><div class='small'>%s</div></div>"
                    )
                    % (level, summary or "", note or "")
                    for level, summary, note in banners
                )
                or False
            )
            card.kpi_today_html = card._kpi_table(backend)
            card.freshness_html = card._freshness_table(backend, now)

    @api.model
    def _kpi_table(self, backend):
        rows = sorted(
            self.env["retail.kpi.daily"]._today_of(backend).values(),
            key=lambda r: (r.sequence, r.code, r.dimension or ""),
        )
        if not rows:
            return False
        lines = []
        for row in rows:
            label = f"{row.name} ({row.dimension})" if row.dimension else row.name
            detail = ""
            if row.unit in ("min", "h") and row.count:
                detail = self.env._(
                    "p50 %(p50)s, p95 %(p95)s %(unit)s over %(count)s",
                    p50=round(row.p50, 1),
                    p95=round(row.p95, 1),
                    unit=row.unit,
                    count=row.count,
                )
            elif row.count and row.unit == "%":
                detail = self.env._("over %(count)s", count=row.count)
            if row.breaches:
                detail += " · " + self.env._("%(n)s missed", n=row.breaches)
            css = "text-danger" if row.breaches else ""
            lines.append(
                Markup(
                    "<tr><td>%s</td><td class='text-end fw-bold %s'>%s %s</td>"
                    "<td class='small text-muted'>%s</td></tr>"
                )
                % (label, css, round(row.value, 1), row.unit or "", detail)
            )
        return Markup("<table class='table table-sm mb-0'>%s</table>") % Markup(
            ""
        ).join(lines)

    @api.model
    def _freshness_table(self, backend, now):
        lines = []
        for flow in backend._retail_freshness():
            age = flow.age_seconds(now)
            if age is None:
                when = self.env._("never")
            elif age < 3600:
                when = self.env._("%(n)s min ago", n=int(age // 60))
            else:
                when = self.env._("%(n)s h ago", n=round(age / 3600, 1))
            css = "text-danger fw-bold" if flow.is_silent(now) else ""
            limit = (
                self.env._("alert after %(n)s min", n=flow.threshold_minutes)
                if flow.threshold_minutes
                else self.env._("no alert")
            )
            lines.append(
                Markup(
                    "<tr><td>%s</td><td class='%s'>%s</td>"
                    "<td class='small text-muted'>%s</td></tr>"
                )
                % (flow.label, css, when, limit)
            )
        return Markup("<table class='table table-sm mb-0'>%s</table>") % Markup(
            ""
        ).join(lines)

    def action_open_kpis(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_base.action_retail_kpi_daily"
        )
        action["domain"] = [("retail_backend_id", "=", self.id)]
        action["context"] = {"search_default_last_30_days": 1}
        action["name"] = self.env._("KPIs of %(name)s", name=self.name)
        return action

    def action_compute_kpis(self):
        # managers only (the cards are theirs to write)
        self.check_access("write")
        for backend in self._backends().values():
            for record in backend.sudo():
                self.env["retail.kpi.daily"]._compute_backend(record)
        return True

    @api.model
    def _cron_check_alerts(self):
        """The alerts of every active backend (scheduled action)."""
        for Backend in self.env["retail.kpi.daily"]._backend_models():
            Backend.search([("state", "=", "active")])._retail_check_alerts()

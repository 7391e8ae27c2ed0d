from odoo import models

from .retail_pos_store_cashups import CLOSED_STATES


class RetailPosStoreKpis(models.Model):
    """Business KPIs, freshness and alerts of a store (reporting)."""

    _inherit = "retail.pos.store"  # pylint: disable=consider-merging-classes-inherited

    def _retail_pos_sessions(self, domain):
        return (
            self.env["pos.session"]
            .sudo()
            .search([("retail_pos_store_id", "=", self.id), *domain])
        )

    def _retail_pos_sessions_past_day(self, day):
        """Sessions still open whose business date is before ``day``."""
        return self._retail_pos_sessions(
            [("retail_business_date", "<", day), ("state", "not in", CLOSED_STATES)]
        )

    def _retail_kpis(self, day, start, end, is_today):
        figures = super()._retail_kpis(day, start, end, is_today)
        Order = self.env["pos.order"].sudo()
        tickets = Order.search_count(
            [
                ("session_id.retail_pos_store_id", "=", self.id),
                ("retail_pos_ticket_id", "!=", False),
                ("retail_business_date", "=", day),
            ]
        )
        if tickets:
            figures.append(
                self._retail_kpi_figure(
                    "pos_tickets",
                    self.env._("Tickets of the business day"),
                    value=tickets,
                    count=tickets,
                    unit="count",
                    sequence=1,
                )
            )
        closed = self._retail_pos_sessions(
            [("state", "=", "closed"), ("stop_at", ">=", start), ("stop_at", "<", end)]
        )
        if closed:
            differences = [abs(session.cash_register_difference) for session in closed]
            figures.append(
                self._retail_kpi_figure(
                    "pos_cashup_difference",
                    self.env._("Cash-up differences (sessions closed)"),
                    value=sum(differences),
                    count=len(closed),
                    breaches=sum(1 for amount in differences if amount > 0.0001),
                    unit=self.company_id.currency_id.name,
                    sequence=3,
                )
            )
        if is_today:
            late = self._retail_pos_sessions_past_day(day)
            figures.append(
                self._retail_kpi_figure(
                    "pos_sessions_past_day",
                    self.env._("Sessions open past their business date"),
                    value=len(late),
                    count=len(late),
                    breaches=len(late),
                    unit="count",
                    sequence=2,
                )
            )
        return figures

    def _retail_freshness_sources(self):
        sources = super()._retail_freshness_sources()
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT max(o.create_date) FROM pos_order o
                 JOIN pos_session s ON s.id = o.session_id
                WHERE s.retail_pos_store_id = %s
                  AND o.retail_pos_ticket_id IS NOT NULL""",
            (self.id,),
        )
        return sources + [
            (
                "ticket_import",
                self.env._("Ticket imported"),
                self.env.cr.fetchone()[0],
                24 * 60,
            ),
            (
                "feed_read",
                self.env._("Feeds read by a till"),
                self.feed_read_at or None,
                24 * 60,
            ),
        ]

    def _retail_alert_conditions(self):
        conditions = super()._retail_alert_conditions()
        late = self._retail_pos_sessions_past_day(self._retail_kpi_today())
        if late:
            conditions.append(
                (
                    "sla:session_past_day",
                    self.env._(
                        "%(count)s sessions open past their business date",
                        count=len(late),
                    ),
                    self.env._(
                        "Sessions %(names)s of %(store)s are still open after "
                        "their business date: their cash-ups have not arrived "
                        "or did not match. Look at the open exceptions of the "
                        "store; ask the store for the missing cash-up, or close "
                        "the session by hand in the point of sale.",
                        names=", ".join(late.mapped("name")),
                        store=self.display_name,
                    ),
                )
            )
        return conditions

from datetime import timedelta

from odoo import fields, models

from .retail_3pl_picking import AT_PROVIDER

#: days back the alert on shipments without tracking looks
NO_TRACKING_DAYS = 7


class Retail3plProviderKpis(models.Model):
    """Business KPIs, freshness and alerts of a provider (reporting)."""

    _inherit = "retail.3pl.provider"  # pylint: disable=consider-merging-classes-inherited

    def _threepl_orders(self, domain):
        return (
            self.env["retail.3pl.picking"]
            .sudo()
            .search([("backend_id", "=", self.id), ("kind", "=", "delivery"), *domain])
        )

    def _retail_kpis(self, day, start, end, is_today):
        figures = super()._retail_kpis(day, start, end, is_today)
        # handed over: released in Odoo -> accepted by the provider (its
        # answer to the request, not the last exchange about the order); an
        # order cancelled before it was sent has nothing to hand over
        released = self._threepl_orders(
            [("create_date", ">=", start), ("create_date", "<", end)]
        )
        accepted = released.filtered("accepted_at")
        waiting = (released - accepted).filtered(lambda o: o.remote_state == "queued")
        if accepted or waiting:
            minutes = [
                max(0.0, (o.accepted_at - o.create_date).total_seconds()) / 60
                for o in accepted
            ]
            figure = self._retail_kpi_figure(
                "threepl_handover",
                self.env._("Orders accepted by the provider in time"),
                minutes,
                target=self.sla_send_minutes,
                unit="%",
                sequence=1,
            )
            # not accepted yet: missed once the service level is past
            limit = fields.Datetime.now() - timedelta(minutes=self.sla_send_minutes)
            figure["breaches"] += len(waiting.filtered(lambda o: o.create_date < limit))
            figures.append(figure)
        # shipped: released -> shipped by the provider, against the SLA
        shipments = (
            self.env["retail.3pl.shipment"]
            .sudo()
            .search(
                [
                    ("order_id.backend_id", "=", self.id),
                    ("shipped_at", ">=", start),
                    ("shipped_at", "<", end),
                ]
            )
        )
        if shipments:
            figures.append(
                self._retail_kpi_figure(
                    "threepl_ship_time",
                    self.env._("Shipped by the provider within the service level"),
                    [
                        max(
                            0.0, (s.shipped_at - s.order_id.create_date).total_seconds()
                        )
                        / 3600
                        for s in shipments
                    ],
                    target=self.sla_ship_hours,
                    unit="%",
                    sequence=2,
                )
            )
        # stock comparisons made that day
        checks = (
            self.env["retail.3pl.stock.check"]
            .sudo()
            .search(
                [
                    ("provider_id", "=", self.id),
                    ("create_date", ">=", start),
                    ("create_date", "<", end),
                ]
            )
        )
        compared = sum(checks.mapped("sku_count"))
        if compared:
            matched = sum(checks.mapped("matched_count"))
            figures.append(
                self._retail_kpi_figure(
                    "stock_accuracy",
                    self.env._("SKUs matching the provider's stock"),
                    value=100.0 * matched / compared,
                    count=compared,
                    breaches=compared - matched,
                    unit="%",
                    sequence=4,
                )
            )
            figures.append(
                self._retail_kpi_figure(
                    "stock_adjusted",
                    self.env._("Stock drift corrected (SKUs adjusted)"),
                    value=sum(checks.mapped("adjusted_count")),
                    count=compared,
                    breaches=sum(checks.mapped("exception_count")),
                    unit="count",
                    sequence=5,
                )
            )
        if is_today:
            in_flight = len(self._threepl_orders([("remote_state", "in", AT_PROVIDER)]))
            figures.append(
                self._retail_kpi_figure(
                    "threepl_in_flight",
                    self.env._("Orders at the provider, not shipped yet"),
                    value=in_flight,
                    count=in_flight,
                    unit="count",
                    sequence=3,
                )
            )
        return figures

    def _retail_freshness_sources(self):
        sources = super()._retail_freshness_sources()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT max(sync_date) FROM retail_3pl_picking
                WHERE backend_id = %s AND sync_state = 'synced'""",
            (self.id,),
        )
        last_push = cr.fetchone()[0]
        cr.execute(
            """SELECT max(create_date) FROM retail_3pl_stock_check
                WHERE provider_id = %s""",
            (self.id,),
        )
        last_snapshot = cr.fetchone()[0]
        cr.execute(
            """SELECT max(s.create_date) FROM retail_3pl_shipment s
                 JOIN retail_3pl_picking o ON o.id = s.order_id
                WHERE o.backend_id = %s""",
            (self.id,),
        )
        last_shipment = cr.fetchone()[0]
        return sources + [
            ("fulfilment_push", self.env._("Order sent"), last_push, 24 * 60),
            ("shipment", self.env._("Shipment confirmed"), last_shipment, 24 * 60),
            ("snapshot", self.env._("Stock snapshot compared"), last_snapshot, 36 * 60),
        ]

    def _retail_alert_conditions(self):
        conditions = super()._retail_alert_conditions()
        now = fields.Datetime.now()
        if self.sla_send_minutes:
            late = self._threepl_orders(
                [
                    ("remote_state", "=", "queued"),
                    (
                        "create_date",
                        "<",
                        now - timedelta(minutes=self.sla_send_minutes),
                    ),
                ]
            )
            if late:
                conditions.append(
                    (
                        "sla:not_sent",
                        self.env._(
                            "%(count)s orders not sent to %(provider)s",
                            count=len(late),
                            provider=self.display_name,
                        ),
                        self.env._(
                            "Orders %(refs)s were released more than %(minutes)s "
                            "minutes ago and the provider has not accepted them. "
                            "Open the provider's exceptions and jobs; test its "
                            "connection, then press Retry on the orders.",
                            refs=", ".join(late.mapped("external_id")[:10]),
                            minutes=self.sla_send_minutes,
                        ),
                    )
                )
        untracked = (
            self.env["retail.3pl.shipment"]
            .sudo()
            .search(
                [
                    ("order_id.backend_id", "=", self.id),
                    ("order_id.kind", "=", "delivery"),
                    ("shipped_at", ">=", now - timedelta(days=NO_TRACKING_DAYS)),
                    ("tracking_numbers", "=", False),
                    ("picking_id.carrier_tracking_ref", "=", False),
                ]
            )
        )
        if untracked:
            conditions.append(
                (
                    "sla:no_tracking",
                    self.env._(
                        "%(count)s shipments without tracking", count=len(untracked)
                    ),
                    self.env._(
                        "%(provider)s confirmed shipments %(refs)s without a "
                        "tracking number. Ask the provider for the numbers and "
                        "enter them on the deliveries.",
                        provider=self.display_name,
                        refs=", ".join(untracked.mapped("shipment_ref")[:10]),
                    ),
                )
            )
        return conditions

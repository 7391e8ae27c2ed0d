import logging
from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.retail_connector_base.services import errors

from ..services import webhooks

_logger = logging.getLogger(__name__)

#: days back the alert on deliveries shipped without tracking looks
NO_TRACKING_DAYS = 7
WEBHOOKS_ALERT_KEY = "webhooks:missing"


class ShopifyBackendKpis(models.Model):
    """Business KPIs, freshness and alerts of a store (reporting), and the
    daily check of its webhook subscriptions (reconciliation)."""

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # KPIs
    # ------------------------------------------------------------------
    def _shopify_order_pickings(self, domain):
        return (
            self.env["stock.picking"]
            .sudo()
            .search(
                [
                    ("sale_id.shopify_binding_ids.backend_id", "=", self.id),
                    ("picking_type_code", "=", "outgoing"),
                    *domain,
                ]
            )
        )

    def _retail_kpis(self, day, start, end, is_today):
        figures = super()._retail_kpis(day, start, end, is_today)
        Binding = self.env["shopify.sale.order"].sudo()
        # order flow lag: placed in Shopify -> confirmed in Odoo
        lags = [
            (binding.odoo_id.date_order - binding.shopify_created_at).total_seconds()
            / 60
            for binding in Binding.search(
                [
                    ("backend_id", "=", self.id),
                    ("shopify_created_at", "!=", False),
                    ("odoo_id.state", "=", "sale"),
                    ("odoo_id.date_order", ">=", start),
                    ("odoo_id.date_order", "<", end),
                ]
            )
        ]
        if lags:
            figures.append(
                self._retail_kpi_figure(
                    "order_flow_lag",
                    self.env._("Order flow lag (placed to confirmed)"),
                    lags,
                    unit="min",
                    sequence=1,
                )
            )
        # fulfilment timeliness: confirmed -> shipped, against the SLA
        shipped = self._shopify_order_pickings(
            [
                ("state", "=", "done"),
                ("date_done", ">=", start),
                ("date_done", "<", end),
            ]
        )
        hours = [
            (picking.date_done - picking.sale_id.date_order).total_seconds() / 3600
            for picking in shipped
            if picking.sale_id.date_order
        ]
        if hours:
            figures.append(
                self._retail_kpi_figure(
                    "ship_time",
                    self.env._("Shipped within the service level"),
                    hours,
                    target=self.sla_ship_hours,
                    unit="%",
                    sequence=2,
                )
            )
        # shipped -> fulfilment acknowledged by Shopify (its answer to the
        # fulfilment created, not the last exchange: a tracking update later
        # neither delays nor withdraws it)
        fulfillments = (
            self.env["shopify.fulfillment"]
            .sudo()
            .search([("backend_id", "=", self.id), ("odoo_id", "in", shipped.ids)])
        )
        acknowledged = fulfillments.filtered("acknowledged_at")
        if fulfillments:
            figures.append(
                self._retail_kpi_figure(
                    "fulfilment_ack",
                    self.env._("Fulfilment acknowledged by Shopify (after shipping)"),
                    [
                        max(
                            0.0,
                            (f.acknowledged_at - f.odoo_id.date_done).total_seconds(),
                        )
                        / 60
                        for f in acknowledged
                    ],
                    unit="min",
                    breaches=len(fulfillments - acknowledged),
                    sequence=3,
                )
            )
        if is_today:
            figures += self._shopify_stock_accuracy()
        return figures

    def _shopify_stock_accuracy(self):
        """Published levels whose quantity in Shopify, as last compared,
        is what Odoo published; the others drifted (corrected by the next
        push of their product)."""
        levels = (
            self.env["shopify.inventory.level"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", self.id),
                    ("remote_known", "=", True),
                    ("last_sync", "!=", False),
                ]
            )
        )
        if not levels:
            return []
        drifted = levels.filtered(lambda lvl: lvl.remote_quantity != lvl.sent_quantity)
        return [
            self._retail_kpi_figure(
                "stock_accuracy",
                self.env._("Stock levels matching Shopify"),
                value=100.0 * (len(levels) - len(drifted)) / len(levels),
                count=len(levels),
                breaches=len(drifted),
                unit="%",
                sequence=4,
            )
        ]

    # ------------------------------------------------------------------
    # freshness
    # ------------------------------------------------------------------
    def _retail_freshness_sources(self):
        sources = super()._retail_freshness_sources()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "SELECT max(sync_date) FROM shopify_sale_order WHERE backend_id = %s",
            (self.id,),
        )
        last_order = cr.fetchone()[0]
        cr.execute(
            "SELECT max(last_sync) FROM shopify_inventory_level WHERE backend_id = %s",
            (self.id,),
        )
        last_stock = cr.fetchone()[0]
        cr.execute(
            """SELECT max(sync_date) FROM shopify_fulfillment
                WHERE backend_id = %s AND sync_state = 'synced'""",
            (self.id,),
        )
        last_fulfilment = cr.fetchone()[0]
        return sources + [
            ("order_import", self.env._("Order imported"), last_order, 24 * 60),
            ("stock_push", self.env._("Stock published"), last_stock, 24 * 60),
            (
                "fulfilment_push",
                self.env._("Fulfilment sent"),
                last_fulfilment,
                2 * 24 * 60,
            ),
        ]

    # ------------------------------------------------------------------
    # alerts
    # ------------------------------------------------------------------
    def _retail_alert_conditions(self):
        conditions = super()._retail_alert_conditions()
        now = fields.Datetime.now()
        Fulfillment = self.env["shopify.fulfillment"].sudo()
        if self.sla_send_minutes:
            late = Fulfillment.search(
                [
                    ("backend_id", "=", self.id),
                    ("acknowledged_at", "=", False),
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
                        "sla:fulfilment_late",
                        self.env._(
                            "%(count)s deliveries not fulfilled in Shopify",
                            count=len(late),
                        ),
                        self.env._(
                            "Deliveries %(names)s were shipped more than %(minutes)s "
                            "minutes ago and Shopify has not acknowledged their "
                            "fulfilment. Open the exceptions of the store and the "
                            "fulfilment jobs; retry once the cause is fixed.",
                            names=", ".join(late.odoo_id.mapped("name")[:10]),
                            minutes=self.sla_send_minutes,
                        ),
                    )
                )
        untracked = Fulfillment.search(
            [
                ("backend_id", "=", self.id),
                ("odoo_id.date_done", ">=", now - timedelta(days=NO_TRACKING_DAYS)),
                ("odoo_id.carrier_tracking_ref", "=", False),
            ]
        )
        if untracked:
            conditions.append(
                (
                    "sla:no_tracking",
                    self.env._(
                        "%(count)s deliveries shipped without tracking",
                        count=len(untracked),
                    ),
                    self.env._(
                        "Deliveries %(names)s were shipped without a tracking "
                        "number: the customers cannot follow their parcels. "
                        "Enter the tracking number on each delivery; it is sent "
                        "to Shopify when saved.",
                        names=", ".join(untracked.odoo_id.mapped("name")[:10]),
                    ),
                )
            )
        return conditions

    # ------------------------------------------------------------------
    # reconciliation: the webhook subscriptions, daily
    # ------------------------------------------------------------------
    def _shopify_missing_webhooks(self):
        """The subscribed topics that have no subscription calling this
        Odoo at the store (sorted)."""
        self.ensure_one()
        client = self._shopify_client()
        callback = self._shopify_callback_url()
        registered = {
            node["topic"]
            for node in client.paginate(
                "WebhookSubscriptions", {"first": 50}, ("webhookSubscriptions",)
            )
            if node.get("uri") == callback
        }
        return sorted(
            topic
            for topic in webhooks.SUBSCRIBED_TOPICS
            if webhooks.topic_to_graphql_enum(topic) not in registered
        )

    def _shopify_check_webhooks(self):
        """Alert the responsible when topics lack their subscription; close
        the alert once they are all registered again. Returns the missing."""
        self.ensure_one()
        missing = self._shopify_missing_webhooks()
        if missing:
            self._retail_alert(
                WEBHOOKS_ALERT_KEY,
                self.env._(
                    "%(count)s webhook subscriptions missing in Shopify",
                    count=len(missing),
                ),
                self.env._(
                    "Shopify does not send %(topics)s to %(url)s: orders, stock "
                    "and refunds then arrive only with the reconciliation. "
                    "Press Register webhooks on the store (and check that the "
                    "app still has its access scopes).",
                    topics=", ".join(missing),
                    url=self._shopify_callback_url(),
                ),
            )
        else:
            self._retail_alert_clear(
                [WEBHOOKS_ALERT_KEY],
                self.env._("Every webhook subscription is registered again."),
            )
        return missing

    @api.model
    def _cron_check_webhooks(self):
        """The daily comparison of every active store's subscriptions."""
        for backend in self.search([("state", "=", "active")]):
            try:
                backend._shopify_check_webhooks()
            except Exception as exc:
                kind = errors.classify(exc)
                if kind == "unexpected":
                    raise
                if kind == "permanent":
                    backend._retail_alert(
                        WEBHOOKS_ALERT_KEY,
                        self.env._("Webhook subscriptions could not be checked"),
                        self.env._(
                            "Shopify refused to list the webhook subscriptions: "
                            "%(error)s. Test the connection of the store and "
                            "check the app's access scopes.",
                            error=str(exc),
                        ),
                    )
                    continue
                # the store is unreachable: the next run checks again
                _logger.info(
                    "Webhook subscriptions of %s not checked: %s",
                    backend.display_name,
                    exc,
                )

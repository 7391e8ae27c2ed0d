from odoo import api, fields, models

from .retail_3pl_picking import AT_PROVIDER, REMOTE_STATES

#: fields of a delivery its fulfilment order is made of: changed after the
#: order was sent, the change is sent too
ORDER_FIELDS = frozenset({"partner_id", "carrier_id", "note"})
#: picking states a release policy sends
RELEASED_STATES = {
    "confirmed": ("confirmed", "waiting", "assigned"),
    "reserved": ("assigned",),
}


class StockPicking(models.Model):
    """Deliveries of 3PL-operated warehouses: released, cancelled by request."""

    _inherit = "stock.picking"

    threepl_order_ids = fields.Many2many(
        "retail.3pl.picking",
        "retail_3pl_picking_stock_picking_rel",
        "picking_id",
        "order_id",
        string="3PL fulfilment orders",
        copy=False,
        groups="stock.group_stock_user",
    )
    threepl_state = fields.Selection(
        REMOTE_STATES,
        string="3PL status",
        compute="_compute_threepl_state",
        groups="stock.group_stock_user",
    )

    @api.depends("threepl_order_ids.remote_state")
    def _compute_threepl_state(self):
        for picking in self:
            picking.threepl_state = picking.sudo().threepl_order_ids[:1].remote_state

    threepl_change_state = fields.Selection(
        related="threepl_order_ids.change_state",
        string="3PL change",
        groups="stock.group_stock_user",
    )

    def write(self, vals):
        result = super().write(vals)
        if ORDER_FIELDS.intersection(vals):
            self._threepl_changed()
        return result

    def _threepl_changed(self):
        """These deliveries changed: their fulfilment orders the provider has
        not started shipping get the change (see
        ``retail.3pl.picking._threepl_request_update``)."""
        if self.env.context.get("threepl_no_change") or not self:
            return
        orders = (
            self.env["retail.3pl.picking"]
            .sudo()
            .search(
                [
                    ("odoo_id", "in", self.ids),
                    ("kind", "=", "delivery"),
                    ("remote_state", "=", "accepted"),
                ]
            )
        )
        orders._threepl_request_update()

    def _threepl_provider(self):
        """The active provider operating this delivery's warehouse, or empty."""
        self.ensure_one()
        provider = self.picking_type_id.warehouse_id.sudo().threepl_provider_id
        return provider if provider.active else provider.browse()

    def _threepl_release(self):
        """Send the deliveries the release policy of their provider allows.

        A delivery is sent once: not again when it already has a fulfilment
        order, nor when it is the backorder of one (the provider ships the
        rest of that order). Receipts of the warehouse are announced once
        ready, the same way.
        """
        if self.env.context.get("threepl_no_release"):
            return
        Order = self.env["retail.3pl.picking"].sudo()
        for picking in self.sudo():
            if picking.picking_type_code not in ("outgoing", "incoming"):
                continue
            provider = picking._threepl_provider()
            if not provider:
                continue
            # a receipt is announced once it is ready (expected for sure)
            policy = (
                "reserved"
                if picking.picking_type_code == "incoming"
                else provider.release_policy
            )
            if picking.state not in RELEASED_STATES[policy]:
                continue
            if picking.threepl_order_ids or picking.backorder_id.threepl_order_ids:
                continue
            Order._threepl_release(provider, picking)

    def action_cancel(self):
        """A delivery the provider has is cancelled only once the provider
        confirms: its cancel is requested instead."""
        if self.env.context.get("threepl_cancel_confirmed"):
            return super().action_cancel()
        requested = self.browse()
        for picking in self:
            orders = picking.sudo().threepl_order_ids.filtered(
                lambda o, p=picking: (
                    o.odoo_id == p
                    # a receipt notice is not withdrawn: the receipt just
                    # never comes
                    and o.kind == "delivery"
                    and o.remote_state in AT_PROVIDER
                    # after a final shipment the provider ships nothing more
                    and not o.final_received
                )
            )
            if orders:
                orders._threepl_request_cancel()
                requested |= picking
        rest = self - requested
        if rest:
            return super(StockPicking, rest).action_cancel()
        return True

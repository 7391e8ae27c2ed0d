from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        self.env["shopify.fulfillment"].sudo()._register_pickings(self)
        return res

    def write(self, vals):
        res = super().write(vals)
        if "carrier_tracking_ref" in vals or "carrier_id" in vals:
            bindings = (
                self.env["shopify.fulfillment"]
                .sudo()
                .search([("odoo_id", "in", self.ids), ("sync_state", "=", "synced")])
            )
            if bindings:
                # the carrier changed the parcel's tracking: tell Shopify
                bindings._retail_mark_outdated()
                bindings.backend_id._retail_schedule_export("fulfillments")
        return res

from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        self.env["shopify.inventory.level"]._mark_dirty(self.product_id)
        return moves

    def _action_assign(self, force_qty=False):
        res = super()._action_assign(force_qty=force_qty)
        self.env["shopify.inventory.level"]._mark_dirty(self.product_id)
        return res

    def _do_unreserve(self):
        res = super()._do_unreserve()
        self.env["shopify.inventory.level"]._mark_dirty(self.product_id)
        return res

from odoo import models


class StockMove(models.Model):
    """Stock moved or was (un)reserved: the connectors publishing it are told.

    The one hook for every connector: a connector publishes stock through a
    model inheriting ``retail.stock.level.mixin`` and never overrides
    ``stock.move`` itself.
    """

    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        self._retail_stock_notify()
        return moves

    def _action_assign(self, force_qty=False):
        res = super()._action_assign(force_qty=force_qty)
        self._retail_stock_notify()
        return res

    def _do_unreserve(self):
        res = super()._do_unreserve()
        self._retail_stock_notify()
        return res

    def _retail_stock_notify(self):
        self.env["retail.stock.level.mixin"]._retail_stock_notify(self.product_id)

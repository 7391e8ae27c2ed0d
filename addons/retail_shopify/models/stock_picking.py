from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        self.env["shopify.fulfillment"].sudo()._register_pickings(self)
        return res

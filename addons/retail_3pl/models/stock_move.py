from odoo import models


class StockMove(models.Model):
    """Confirming or reserving a move may release its delivery to a 3PL."""

    _inherit = "stock.move"

    def _action_confirm(self, merge=True, merge_into=False, create_proc=True):
        moves = super()._action_confirm(
            merge=merge, merge_into=merge_into, create_proc=create_proc
        )
        (moves | self).exists().picking_id._threepl_release()
        return moves

    def _action_assign(self, force_qty=False):
        res = super()._action_assign(force_qty=force_qty)
        self.exists().picking_id._threepl_release()
        return res

from odoo import api, models

#: a change of these on a move of a sent delivery changes its order's lines
LINE_FIELDS = frozenset({"product_id", "product_uom_qty", "product_uom"})


class StockMove(models.Model):
    """Confirming or reserving a move may release its delivery to a 3PL; a
    line added, changed or cancelled after that changes the order sent."""

    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves.picking_id._threepl_changed()
        return moves

    def write(self, vals):
        result = super().write(vals)
        if LINE_FIELDS.intersection(vals) or vals.get("state") == "cancel":
            self.picking_id._threepl_changed()
        return result

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

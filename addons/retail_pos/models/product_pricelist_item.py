from odoo import api, models


class ProductPricelistItem(models.Model):
    """A rule of a store's pricelist changed: the store's catalog items are
    stamped (their price may have changed)."""

    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items.pricelist_id._retail_pos_touch_stores()
        return items

    def write(self, vals):
        pricelists = self.pricelist_id
        res = super().write(vals)
        (pricelists | self.pricelist_id)._retail_pos_touch_stores()
        return res

    def unlink(self):
        pricelists = self.pricelist_id
        res = super().unlink()
        pricelists._retail_pos_touch_stores()
        return res

from odoo import models


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    def _retail_pos_touch_stores(self):
        """Stamp the catalog of the stores selling at these pricelists, or at
        a pricelist based on one of them."""
        if not self:
            return
        Store = self.env["retail.pos.store"].sudo()
        pricelists = self.sudo()
        seen = self.browse()
        while pricelists - seen:
            seen |= pricelists
            based = (
                self.env["product.pricelist.item"]
                .sudo()
                .search(
                    [("base", "=", "pricelist"), ("base_pricelist_id", "in", seen.ids)]
                )
                .pricelist_id
            )
            pricelists = seen | based
        stores = Store.search([("pricelist_id", "in", seen.ids)])
        self.env["retail.pos.product"].sudo()._retail_pos_touch(stores)

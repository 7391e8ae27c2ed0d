from odoo import api, models

from ..services import wait_keys


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        products._retail_release_waiting()
        return products

    def write(self, vals):
        res = super().write(vals)
        if "default_code" in vals or "barcode" in vals:
            self._retail_release_waiting()
        return res

    def _retail_release_waiting(self):
        """Deliveries of any connector held for want of these products' SKU
        or barcode are processed again (and only those)."""
        keys = [
            key
            for product in self
            for key in wait_keys.product_keys(product.default_code, product.barcode)
        ]
        if keys:
            self.env["retail.event"].sudo()._release(keys)

    def _retail_sync_history_records(self):
        # a connector may bind the template (Shopify products) or the variant
        return [self, self.product_tmpl_id]

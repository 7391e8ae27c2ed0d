from odoo import api, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        if any(vals.get("default_code") or vals.get("barcode") for vals in vals_list):
            self.env["shopify.backend"].sudo().search(
                [("state", "=", "active")]
            )._retry_held_orders()
        return products

    def write(self, vals):
        res = super().write(vals)
        if "default_code" in vals or "barcode" in vals:
            self.env["shopify.backend"].sudo().search(
                [("state", "=", "active")]
            )._retry_held_orders()
        return res

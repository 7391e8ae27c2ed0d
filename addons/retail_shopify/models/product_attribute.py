from odoo import models


class ProductAttribute(models.Model):
    _inherit = "product.attribute"

    def write(self, vals):
        res = super().write(vals)
        if "name" in vals:
            # a Shopify option name of the products using it
            self.env["shopify.product.template"]._shopify_mark_export(
                self.attribute_line_ids.product_tmpl_id
            )
        return res

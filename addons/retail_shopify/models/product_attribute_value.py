from odoo import models


class ProductAttributeValue(models.Model):
    _inherit = "product.attribute.value"

    def write(self, vals):
        res = super().write(vals)
        if "name" in vals:
            # a Shopify option value of the products using it
            self.env["shopify.product.template"]._shopify_mark_export(
                self.pav_attribute_line_ids.product_tmpl_id
            )
        return res

from odoo import models


class ProductTemplateAttributeValue(models.Model):
    _inherit = "product.template.attribute.value"

    def write(self, vals):
        res = super().write(vals)
        if "price_extra" in vals:
            # the price of the variants with this value changed
            self.env["shopify.product.template"]._shopify_mark_export(
                self.product_tmpl_id
            )
        return res

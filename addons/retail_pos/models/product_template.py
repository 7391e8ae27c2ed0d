from odoo import models

from .product_product import CATALOG_FIELDS


class ProductTemplate(models.Model):
    """A change the tills must see stamps the catalog items of the
    template's variants (archived ones too)."""

    _inherit = "product.template"

    def write(self, vals):
        res = super().write(vals)
        if CATALOG_FIELDS & set(vals):
            variants = self.with_context(active_test=False).product_variant_ids
            self.env["retail.pos.product"]._retail_pos_touch_products(variants)
        return res

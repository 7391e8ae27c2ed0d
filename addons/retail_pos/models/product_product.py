from odoo import api, models

#: product fields the catalog feed shows or depends on
CATALOG_FIELDS = frozenset(
    {
        "name",
        "default_code",
        "barcode",
        "active",
        "list_price",
        "lst_price",
        "taxes_id",
        "sale_ok",
        "available_in_pos",
        "company_id",
        "product_tmpl_id",
        "product_template_attribute_value_ids",
    }
)


class ProductProduct(models.Model):
    """A change the tills must see stamps the product's catalog items."""

    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        self.env["retail.pos.product"]._retail_pos_touch_products(products)
        return products

    def write(self, vals):
        res = super().write(vals)
        if CATALOG_FIELDS & set(vals):
            self.env["retail.pos.product"]._retail_pos_touch_products(self)
        return res

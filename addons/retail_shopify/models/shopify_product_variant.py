from odoo import api, fields, models


class ShopifyProductVariant(models.Model):
    """A Shopify product variant and the Odoo product it stands for."""

    _name = "shopify.product.variant"
    _inherit = "retail.binding.mixin"
    _description = "Shopify Variant Binding"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    odoo_id = fields.Many2one(
        "product.product",
        string="Product",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True, index=True
    )
    product_gid = fields.Char(string="Shopify product GID", index=True)
    inventory_item_gid = fields.Char(string="Inventory item GID", index=True)
    sku = fields.Char(string="Shopify SKU")

    @api.model_create_multi
    def create(self, vals_list):
        bindings = super().create(vals_list)
        bindings.backend_id._retry_held_orders()
        return bindings

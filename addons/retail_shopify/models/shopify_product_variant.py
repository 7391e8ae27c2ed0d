from odoo import api, fields, models

from odoo.addons.retail_connector_base.services import wait_keys

from ..services.graphql_client import admin_url


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
    admin_url = fields.Char(string="Shopify admin", compute="_compute_admin_url")

    @api.depends("product_gid", "backend_id.shop_domain")
    def _compute_admin_url(self):
        for binding in self:
            binding.admin_url = (
                admin_url(binding.backend_id.shop_domain, binding.product_gid) or False
            )

    def action_open_shopify(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.admin_url, "target": "new"}

    @api.model_create_multi
    def create(self, vals_list):
        bindings = super().create(vals_list)
        # orders held for want of these variants are imported now
        self.env["retail.event"]._release(
            [wait_keys.make("shopify-variant", b.external_id) for b in bindings]
        )
        # a variant just linked shows Odoo's stock from now on
        self.env["shopify.inventory.level"]._retail_stock_changed(bindings.odoo_id)
        return bindings

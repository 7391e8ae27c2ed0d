from odoo import api, fields, models

#: variant fields Shopify shows: a change sends the product again
EXPORTED_FIELDS = frozenset(
    {"default_code", "barcode", "active", "product_template_attribute_value_ids"}
)


class ProductProduct(models.Model):
    _inherit = "product.product"

    shopify_variant_ids = fields.One2many(
        "shopify.product.variant", "odoo_id", string="Shopify variants"
    )
    shopify_sync_state = fields.Selection(
        [
            ("pending", "Pending"),
            ("synced", "Synced"),
            ("outdated", "Outdated"),
            ("error", "Error"),
        ],
        string="Shopify status",
        compute="_compute_shopify_sync_state",
        compute_sudo=True,
    )

    @api.depends("shopify_variant_ids.sync_state")
    def _compute_shopify_sync_state(self):
        for product in self:
            product.shopify_sync_state = (
                product.shopify_variant_ids[:1].sync_state or False
            )

    def action_open_shopify_admin(self):
        self.ensure_one()
        # the link is shown to every product user, bindings are not
        return self.sudo().shopify_variant_ids[:1].action_open_shopify()

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        self.env["shopify.product.template"]._shopify_mark_export(
            products.product_tmpl_id
        )
        return products

    def write(self, vals):
        res = super().write(vals)
        if EXPORTED_FIELDS.intersection(vals):
            self.env["shopify.product.template"]._shopify_mark_export(
                self.product_tmpl_id
            )
        return res

    def unlink(self):
        templates = self.product_tmpl_id
        res = super().unlink()
        self.env["shopify.product.template"]._shopify_mark_export(templates.exists())
        return res

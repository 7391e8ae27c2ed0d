from odoo import api, fields, models
from odoo.exceptions import UserError

from .shopify_product_template import STATE_PRIORITY

#: template fields Shopify shows: a change sends the product again
EXPORTED_FIELDS = frozenset(
    {
        "name",
        "description_sale",
        "list_price",
        "active",
        "sale_ok",
        "default_code",
        "barcode",
        "attribute_line_ids",
        "is_storable",
        "type",
    }
)
SHOPIFY_READERS = (
    "retail_connector_base.group_retail_user,sales_team.group_sale_salesman"
)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    shopify_backend_ids = fields.Many2many(
        "shopify.backend",
        "shopify_backend_product_template_rel",
        "product_tmpl_id",
        "backend_id",
        string="Shopify stores",
        copy=False,
        groups=SHOPIFY_READERS,
        help="Publish this product on these Shopify stores (those with Export "
        "products ticked). Removed from a store, it is archived there.",
    )
    shopify_product_ids = fields.One2many(
        "shopify.product.template",
        "odoo_id",
        string="Shopify products",
        groups=SHOPIFY_READERS,
    )
    shopify_product_state = fields.Selection(
        [
            ("pending", "Pending"),
            ("synced", "Synced"),
            ("outdated", "Outdated"),
            ("error", "Error"),
        ],
        string="Shopify product status",
        compute="_compute_shopify_product_state",
        compute_sudo=True,
    )

    @api.depends("shopify_product_ids.sync_state")
    def _compute_shopify_product_state(self):
        for template in self:
            states = set(template.shopify_product_ids.mapped("sync_state"))
            template.shopify_product_state = next(
                (state for state in STATE_PRIORITY if state in states), False
            )

    def action_open_shopify_products(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Shopify products"),
            "res_model": "shopify.product.template",
            "view_mode": "list",
            "domain": [("odoo_id", "=", self.id)],
        }

    def _retail_retry_exception(self, exception):
        """Retry of a sync exception about publishing this product."""
        self.ensure_one()
        if exception.backend_model != "shopify.backend":
            raise UserError(
                self.env._("Nothing can be re-run automatically for this exception.")
            )
        backend = self.env["shopify.backend"].sudo().browse(exception.backend_id)
        Binding = self.env["shopify.product.template"].sudo()
        binding = Binding.search(
            [("backend_id", "=", backend.id), ("odoo_id", "=", self.id)]
        ) or Binding._shopify_create_bindings(self, backends=backend)
        if not binding:
            raise UserError(
                self.env._(
                    "%(product)s is not marked for Shopify store %(store)s: add the "
                    "store to its Shopify stores first.",
                    product=self.display_name,
                    store=backend.name,
                )
            )
        binding._shopify_force_resend()

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        marked = templates.sudo().filtered("shopify_backend_ids")
        if marked:
            self.env["shopify.product.template"]._shopify_sync_stores(marked)
        return templates

    def write(self, vals):
        res = super().write(vals)
        Binding = self.env["shopify.product.template"]
        if "shopify_backend_ids" in vals:
            Binding._shopify_sync_stores(self)
        elif EXPORTED_FIELDS.intersection(vals):
            Binding._shopify_mark_export(self)
        return res

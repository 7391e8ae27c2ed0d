from odoo import fields, models


class ShopifyTaxMapping(models.Model):
    """Which Odoo tax stands for a Shopify tax line (title and rate)."""

    _name = "shopify.tax.mapping"
    _inherit = "retail.tax.mapping.mixin"
    _description = "Shopify Tax Mapping"
    _order = "backend_id, title, rate"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    title = fields.Char(
        string="Shopify tax", help="Tax title as Shopify shows it, e.g. 'CA State Tax'."
    )

    _mapping_unique = models.Constraint(
        "UNIQUE (backend_id, title, rate)", "This Shopify tax is already mapped."
    )

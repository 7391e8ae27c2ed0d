from odoo import fields, models


class ShopifyLocation(models.Model):
    """A Shopify location and the Odoo warehouse standing for it."""

    _name = "shopify.location"
    _inherit = "retail.location.mixin"
    _description = "Shopify Location"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    external_id = fields.Char(string="Location GID")

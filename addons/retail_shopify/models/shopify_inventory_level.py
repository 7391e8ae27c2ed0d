from odoo import fields, models


class ShopifyInventoryLevel(models.Model):
    """What Shopify should show for one variant at one location."""

    _name = "shopify.inventory.level"
    _inherit = "retail.stock.level.mixin"
    _description = "Shopify Inventory Level"
    _retail_stock_binding_field = "variant_binding_id"
    _retail_stock_location_field = "location_id"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    variant_binding_id = fields.Many2one(
        "shopify.product.variant", required=True, ondelete="cascade", index=True
    )
    location_id = fields.Many2one(
        "shopify.location", required=True, ondelete="cascade", index=True
    )
    remote_quantity = fields.Integer(
        help="Available quantity Shopify had at the last exchange."
    )
    sent_quantity = fields.Integer(help="Last quantity Odoo set in Shopify.")

    _level_unique = models.Constraint(
        "UNIQUE (variant_binding_id, location_id)",
        "This variant already has a level at this location.",
    )

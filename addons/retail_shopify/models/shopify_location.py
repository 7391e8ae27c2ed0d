from odoo import fields, models


class ShopifyLocation(models.Model):
    """A Shopify location and the Odoo warehouse standing for it."""

    _name = "shopify.location"
    _description = "Shopify Location"
    _order = "backend_id, name"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(string="Location GID", required=True)
    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Orders shipped from this location are delivered from this "
        "warehouse, and its stock is published to this location.",
    )

    _location_unique = models.Constraint(
        "UNIQUE (backend_id, external_id)", "This location is already mapped."
    )

from odoo import api, fields, models


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

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        locations.filtered("warehouse_id")._publish_stock()
        return locations

    def write(self, vals):
        res = super().write(vals)
        if "warehouse_id" in vals or vals.get("active"):
            self.filtered("warehouse_id")._publish_stock()
        return res

    def _publish_stock(self):
        """A newly mapped warehouse: send its stock of every linked variant."""
        variants = (
            self.env["shopify.product.variant"]
            .sudo()
            .search([("backend_id", "in", self.backend_id.ids)])
        )
        if variants:
            self.env["shopify.inventory.level"]._mark_dirty(variants.odoo_id)

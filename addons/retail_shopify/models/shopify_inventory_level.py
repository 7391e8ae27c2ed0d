from odoo import api, fields, models


class ShopifyInventoryLevel(models.Model):
    """What Shopify should show for one variant at one location."""

    _name = "shopify.inventory.level"
    _description = "Shopify Inventory Level"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True, index=True
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
    remote_known = fields.Boolean()
    sent_quantity = fields.Integer(help="Last quantity Odoo set in Shopify.")
    dirty = fields.Boolean(
        string="To send",
        compute="_compute_dirty",
        search="_search_dirty",
        help="Odoo's quantity changed since it was last sent.",
    )
    last_sync = fields.Datetime(readonly=True)

    _level_unique = models.Constraint(
        "UNIQUE (variant_binding_id, location_id)",
        "This variant already has a level at this location.",
    )

    def _compute_dirty(self):
        marked = set(
            self.env["shopify.inventory.level.mark"]
            .sudo()
            .search([("level_id", "in", self.ids)])
            .mapped("level_id")
        )
        for level in self:
            level.dirty = level.id in marked

    def _search_dirty(self, operator, value):
        if operator != "in":
            return NotImplemented
        marked = self.env["shopify.inventory.level.mark"].sudo()._search([])
        if True in value:
            return [("id", "in", marked.subselect("level_id"))]
        return [("id", "not in", marked.subselect("level_id"))]

    def _mark_to_send(self):
        """Record that these levels are to publish (insert-only)."""
        self.env["shopify.inventory.level.mark"].sudo().create(
            [{"backend_id": lvl.backend_id.id, "level_id": lvl.id} for lvl in self]
        )
        self.invalidate_recordset(["dirty"])

    @api.model
    def _mark_dirty(self, products):
        """Stock of these products moved: their Shopify levels are to send."""
        bindings = (
            self.env["shopify.product.variant"]
            .sudo()
            .search(
                [("odoo_id", "in", products.ids), ("backend_id.state", "=", "active")]
            )
        )
        if not bindings:
            return self
        existing = self.sudo().search([("variant_binding_id", "in", bindings.ids)])
        known = {(lvl.variant_binding_id.id, lvl.location_id.id) for lvl in existing}
        vals_list = []
        for binding in bindings:
            for location in binding.backend_id.location_ids.filtered(
                lambda loc: loc.active and loc.warehouse_id
            ):
                if (binding.id, location.id) not in known:
                    vals_list.append(
                        {
                            "backend_id": binding.backend_id.id,
                            "variant_binding_id": binding.id,
                            "location_id": location.id,
                        }
                    )
        levels = existing | self.sudo().create(vals_list)
        levels._mark_to_send()
        levels.backend_id._retail_schedule_export("inventory")
        return levels

    def _odoo_quantity(self):
        """What the warehouse can promise: on hand minus reserved."""
        self.ensure_one()
        stock_location = self.location_id.warehouse_id.lot_stock_id
        product = self.variant_binding_id.odoo_id.with_context(
            location=stock_location.id
        )
        return max(0, int(product.free_qty))

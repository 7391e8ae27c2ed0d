from odoo import fields, models


class RetailPosLocation(models.Model):
    """The stock location of a store: its warehouse, whose available
    quantities the stock feed publishes. One per store, made and kept in
    step by the store (the base's location mixin publishes the warehouse's
    stock when it is mapped)."""

    _name = "retail.pos.location"
    _inherit = "retail.location.mixin"
    _description = "External POS Store Location"

    backend_id = fields.Many2one(
        "retail.pos.store", required=True, ondelete="cascade", index=True
    )

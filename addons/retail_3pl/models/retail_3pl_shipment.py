from odoo import fields, models


class Retail3plShipment(models.Model):
    """One shipment the provider confirmed for a fulfilment order.

    Several per order when it ships in parts, each applied once (unique per
    order and ``shipment_ref``). It keeps the tracking numbers of its
    parcels (Odoo's packages have no tracking field) and the delivery it
    validated, whose ``carrier_tracking_ref`` carries them.
    """

    _name = "retail.3pl.shipment"
    _description = "3PL Shipment"
    _order = "shipped_at, id"
    _rec_name = "shipment_ref"

    order_id = fields.Many2one(
        "retail.3pl.picking",
        string="Fulfilment order",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", related="order_id.company_id", store=True, index=True
    )
    shipment_ref = fields.Char(required=True, readonly=True)
    picking_id = fields.Many2one(
        "stock.picking", string="Delivery validated", readonly=True, index=True
    )
    shipped_at = fields.Datetime(readonly=True)
    occurred_at = fields.Datetime(
        readonly=True, help="When the provider's latest message about it occurred."
    )
    final = fields.Boolean(readonly=True)
    carrier_code = fields.Char(string="Provider carrier", readonly=True)
    service = fields.Char(readonly=True)
    carrier_id = fields.Many2one("delivery.carrier", readonly=True)
    tracking_numbers = fields.Char(readonly=True)
    package_count = fields.Integer(readonly=True)
    quantities_hash = fields.Char(readonly=True)

    _shipment_unique = models.Constraint(
        "UNIQUE (order_id, shipment_ref)", "This shipment is already recorded."
    )

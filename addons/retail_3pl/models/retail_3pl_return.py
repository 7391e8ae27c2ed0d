from odoo import fields, models


class Retail3plReturn(models.Model):
    """A customer return the provider received (``return.received``), once.

    Its return pickings bring the units back to the warehouse's stock,
    linked to the deliveries of the fulfilment order; the damaged ones are
    then scrapped.
    """

    _name = "retail.3pl.return"
    _description = "3PL Return"
    _order = "id desc"
    _rec_name = "rma_ref"

    provider_id = fields.Many2one(
        "retail.3pl.provider", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", related="provider_id.company_id", store=True, index=True
    )
    rma_ref = fields.Char(string="RMA", required=True, readonly=True)
    order_id = fields.Many2one(
        "retail.3pl.picking", string="Fulfilment order", readonly=True, index=True
    )
    picking_ids = fields.Many2many(
        "stock.picking", string="Return pickings", readonly=True
    )
    scrap_ids = fields.Many2many("stock.scrap", string="Scrapped", readonly=True)

    _rma_unique = models.Constraint(
        "UNIQUE (provider_id, rma_ref)", "This return is already recorded."
    )

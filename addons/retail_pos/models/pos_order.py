from odoo import fields, models


class PosOrder(models.Model):
    """An order made from a ticket of an external store's till."""

    _inherit = "pos.order"

    retail_pos_ticket_id = fields.Char(
        string="Till ticket",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="The ticket of the store's till this order was made from.",
    )
    retail_pos_terminal = fields.Char(string="Till terminal", readonly=True, copy=False)
    retail_pos_number = fields.Integer(string="Till number", readonly=True, copy=False)
    retail_business_date = fields.Date(
        string="Business date",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The trading day of the ticket (a late ticket may be booked in "
        "the session of another day).",
    )
    retail_pos_note = fields.Char(
        string="Import note",
        readonly=True,
        copy=False,
        help="What happened on import: a late ticket booked in another "
        "session says so here.",
    )

    def _retail_sync_history_records(self):
        # a ticket's history shows its order's and its deliveries'
        return [self, self.picking_ids]

from odoo import fields, models


class PosSession(models.Model):
    """A session of an external store holds the tickets of one business date."""

    _inherit = "pos.session"

    retail_pos_store_id = fields.Many2one(
        "retail.pos.store",
        string="External store",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    retail_business_date = fields.Date(
        string="Business date",
        readonly=True,
        help="The trading day of the store's tickets in this session.",
    )

    _retail_pos_day_unique = models.Constraint(
        "UNIQUE (retail_pos_store_id, retail_business_date)",
        "An external store has one session per business date.",
    )

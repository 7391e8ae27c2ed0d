from odoo import fields, models


class ResPartner(models.Model):
    """The loyalty id the store tills know a customer by."""

    _inherit = "res.partner"

    retail_pos_loyalty_id = fields.Char(
        string="Store loyalty ID",
        copy=False,
        index="btree_not_null",
        help="The customer's loyalty card or account id in the store tills: "
        "a ticket with this loyalty id is sold to this customer. Unique per "
        "company.",
    )

    _retail_pos_loyalty_unique = models.UniqueIndex(
        "(COALESCE(company_id, 0), retail_pos_loyalty_id) "
        "WHERE retail_pos_loyalty_id IS NOT NULL",
        "This store loyalty ID is already another customer's.",
    )

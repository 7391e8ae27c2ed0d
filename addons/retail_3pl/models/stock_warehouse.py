from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    threepl_provider_id = fields.Many2one(
        "retail.3pl.provider",
        string="Operated by (3PL)",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        help="The third-party logistics provider that operates this warehouse: "
        "its outgoing deliveries are sent to the provider.",
    )

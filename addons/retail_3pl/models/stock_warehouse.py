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
    threepl_last_check_id = fields.Many2one(
        "retail.3pl.stock.check",
        string="Last 3PL stock comparison",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    threepl_last_check_state = fields.Selection(
        related="threepl_last_check_id.state", string="Last comparison"
    )
    threepl_last_check_as_of = fields.Datetime(
        related="threepl_last_check_id.as_of", string="Inventory as of"
    )
    shipbob_location_id = fields.Integer(
        string="ShipBob fulfillment center",
        help="The id of the ShipBob fulfillment center (location) this "
        "warehouse is, for a provider of the ShipBob adapter: its inventory "
        "levels are this warehouse's stock. Needed when the provider operates "
        "several warehouses.",
    )

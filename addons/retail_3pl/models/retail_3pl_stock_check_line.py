from odoo import fields, models


class Retail3plStockCheckLine(models.Model):
    """A SKU whose stock differs between the provider and Odoo."""

    _name = "retail.3pl.stock.check.line"
    _description = "3PL Stock Comparison Line"
    _order = "outcome desc, sku"

    check_id = fields.Many2one(
        "retail.3pl.stock.check", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", related="check_id.company_id", store=True, index=True
    )
    sku = fields.Char(string="SKU", required=True, readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    odoo_qty = fields.Float(string="In Odoo", readonly=True)
    provider_qty = fields.Float(string="At the provider", readonly=True)
    in_flight_qty = fields.Float(
        string="In flight",
        readonly=True,
        help="Sent to the provider in fulfilment orders not confirmed as "
        "shipped: the provider may have shipped them already.",
    )
    unexplained_qty = fields.Float(
        string="Unexplained",
        readonly=True,
        help="The difference the in-flight quantities do not explain.",
    )
    outcome = fields.Selection(
        [
            ("adjusted", "Adjusted"),
            ("exception", "Above tolerance"),
            ("unknown", "Unknown SKU"),
        ],
        required=True,
        readonly=True,
    )

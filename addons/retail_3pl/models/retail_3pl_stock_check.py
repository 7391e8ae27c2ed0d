from odoo import api, fields, models

OUTCOMES = [
    ("matched", "Matched"),
    ("adjusted", "Adjusted"),
    ("exception", "In exception"),
]


class Retail3plStockCheck(models.Model):
    """One comparison of a provider's inventory with Odoo's stock.

    Made from an ``inventory.snapshot`` message or an inventory read by the
    pull (``source``); its lines are the SKUs that differ or that Odoo does
    not know (matched SKUs are counted, not stored). The warehouse keeps its
    latest one (``threepl_last_check_id``).
    """

    _name = "retail.3pl.stock.check"
    _description = "3PL Stock Comparison"
    _order = "as_of desc, id desc"
    _rec_name = "as_of"

    provider_id = fields.Many2one(
        "retail.3pl.provider", required=True, ondelete="cascade", index=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", related="provider_id.company_id", store=True, index=True
    )
    as_of = fields.Datetime(string="Inventory as of", required=True, readonly=True)
    source = fields.Selection(
        [("push", "Sent by the provider"), ("pull", "Read from the provider")],
        required=True,
        readonly=True,
    )
    state = fields.Selection(OUTCOMES, required=True, readonly=True, index=True)
    sku_count = fields.Integer(string="SKUs compared", readonly=True)
    matched_count = fields.Integer(string="Matched", readonly=True)
    adjusted_count = fields.Integer(string="Adjusted", readonly=True)
    exception_count = fields.Integer(string="In exception", readonly=True)
    line_ids = fields.One2many("retail.3pl.stock.check.line", "check_id", readonly=True)
    is_last = fields.Boolean(
        string="Last of its warehouse",
        compute="_compute_is_last",
        search="_search_is_last",
    )

    def _compute_is_last(self):
        for check in self:
            check.is_last = check.warehouse_id.threepl_last_check_id == check

    def _search_is_last(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        last = (
            self.env["stock.warehouse"]
            .search([("threepl_last_check_id", "!=", False)])
            .threepl_last_check_id
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", last.ids)]

    @api.depends("warehouse_id", "as_of")
    def _compute_display_name(self):
        for check in self:
            check.display_name = f"{check.warehouse_id.code} {check.as_of}"

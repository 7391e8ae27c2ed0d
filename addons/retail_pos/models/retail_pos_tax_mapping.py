from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RetailPosTaxMapping(models.Model):
    """Which Odoo tax stands for a tax code of the store's tills.

    The tills record prices with the tax included: the Odoo tax must be a
    sale tax included in the price. The rate is the Odoo tax's.
    """

    _name = "retail.pos.tax.mapping"
    _inherit = "retail.tax.mapping.mixin"
    _description = "External POS Tax Mapping"
    _order = "store_id, title"

    store_id = fields.Many2one(
        "retail.pos.store", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    title = fields.Char(
        string="Till tax code", help="The tax code the tills send: VAT20 ..."
    )
    rate = fields.Float(
        compute="_compute_rate", store=True, readonly=True, precompute=True
    )
    price_include = fields.Selection(default="included", readonly=True)

    _code_unique = models.Constraint(
        "UNIQUE (store_id, title)", "This till tax code is already mapped."
    )

    @api.depends("tax_id.amount", "tax_id.amount_type")
    def _compute_rate(self):
        for row in self:
            tax = row.tax_id
            row.rate = tax.amount / 100 if tax.amount_type == "percent" else 0.0

    @api.constrains("tax_id")
    def _check_price_included(self):
        for row in self:
            if not row.tax_id.price_include:
                raise ValidationError(
                    self.env._(
                        "The tills' prices include their taxes: map %(code)s to "
                        "a tax included in the price, not %(tax)s.",
                        code=row.title,
                        tax=row.tax_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._retail_pos_release()
        rows._retail_pos_touch_catalog()
        return rows

    def write(self, vals):
        stores = self.store_id
        res = super().write(vals)
        if {"title", "tax_id"} & set(vals):
            self._retail_pos_release()
            self.env["retail.pos.product"].sudo()._retail_pos_touch(
                stores | self.store_id
            )
        return res

    def unlink(self):
        stores = self.store_id
        res = super().unlink()
        self.env["retail.pos.product"].sudo()._retail_pos_touch(stores)
        return res

    def _retail_pos_touch_catalog(self):
        """The tax codes of the stores' catalog items may have changed."""
        self.env["retail.pos.product"].sudo()._retail_pos_touch(self.store_id)

    def _retail_pos_release(self):
        """Tickets held for want of these tax codes are processed again."""
        self.env["retail.event"].sudo()._release(
            [row.store_id._retail_pos_tax_key(row.title) for row in self]
        )

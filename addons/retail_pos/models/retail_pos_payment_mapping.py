from odoo import api, fields, models


class RetailPosPaymentMapping(models.Model):
    """Which point of sale payment method a till's method code is.

    An explicit table: a code the table does not hold is never guessed from
    names. The mapped methods are the payment methods of the store's point
    of sale.
    """

    _name = "retail.pos.payment.mapping"
    _description = "External POS Payment Method Mapping"
    _order = "store_id, code"
    _check_company_auto = True

    store_id = fields.Many2one(
        "retail.pos.store", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    code = fields.Char(
        string="Till method code", required=True, help="CASH, CARD, VOUCHER ..."
    )
    payment_method_id = fields.Many2one(
        "pos.payment.method", required=True, check_company=True
    )
    is_cash = fields.Boolean(related="payment_method_id.is_cash_count")

    _code_unique = models.Constraint(
        "UNIQUE (store_id, code)", "This till payment method is already mapped."
    )

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._retail_pos_sync()
        return rows

    def write(self, vals):
        res = super().write(vals)
        self._retail_pos_sync()
        return res

    def unlink(self):
        stores = self.store_id
        res = super().unlink()
        for store in stores:
            store._retail_pos_sync_config()
        return res

    def _retail_pos_sync(self):
        for store in self.store_id:
            store._retail_pos_sync_config()
        self.env["retail.event"].sudo()._release(
            [row.store_id._retail_pos_payment_key(row.code) for row in self]
        )

from odoo import fields, models


class RetailTestPartnerBinding(models.Model):
    _name = "retail.test.partner.binding"
    _inherit = "retail.binding.mixin"
    _description = "Test Connector Partner Binding"

    backend_id = fields.Many2one(
        "retail.test.backend", required=True, ondelete="cascade", index=True
    )
    odoo_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True, index=True
    )

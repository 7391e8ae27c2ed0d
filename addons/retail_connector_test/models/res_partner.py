from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    retail_test_binding_ids = fields.One2many(
        "retail.test.partner.binding", "odoo_id", string="Test feed bindings"
    )

    def write(self, vals):
        res = super().write(vals)
        bindings = self.sudo().retail_test_binding_ids
        if bindings and bindings._retail_export_allowed():
            # changed in Odoo: the remote copy is now out of date
            bindings._retail_mark_outdated()
            bindings.backend_id._retail_schedule_export("partners")
        return res

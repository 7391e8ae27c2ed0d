from odoo import api, fields, models

from odoo.addons.retail_connector_base.models.retail_backend_mixin import (
    MANAGER_GROUP,
)


class RetailPosApiKeyWizard(models.TransientModel):
    """Make a store API key (or rotate the store's keys) and show it once.

    The key is kept on this transient row only until the wizard is closed
    (:meth:`action_done` clears it; the transient vacuum removes what is
    left); the store keeps its hash.
    """

    _name = "retail.pos.api.key.wizard"
    _description = "New External POS API Key"
    _transient_max_hours = 0.25

    store_id = fields.Many2one("retail.pos.store", required=True, readonly=True)
    name = fields.Char(string="Label", help="Which till or integration uses it.")
    rotate = fields.Boolean(
        help="The keys valid now stop working after the overlap: the tills "
        "switch to the new key meanwhile.",
    )
    overlap_hours = fields.Float(string="Overlap (hours)", default=24.0)
    key = fields.Char(readonly=True, groups=MANAGER_GROUP, copy=False)
    state = fields.Selection([("new", "New"), ("shown", "Shown")], default="new")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if values.get("store_id"):
            self.env["retail.pos.store"].browse(values["store_id"])._check_manager()
        return values

    def action_generate(self):
        self.ensure_one()
        _record, key = self.store_id._retail_pos_new_key(
            name=self.name, overlap_hours=self.overlap_hours if self.rotate else None
        )
        self.sudo().write({"key": key, "state": "shown"})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("New API key (shown once)"),
        }

    def action_done(self):
        self.sudo().write({"key": False})
        return {"type": "ir.actions.act_window_close"}

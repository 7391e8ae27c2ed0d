from odoo import api, fields, models

from odoo.addons.retail_connector_base.models.retail_backend_mixin import (
    MANAGER_GROUP,
)


class RetailPosApiKey(models.Model):
    """An API key of a store: only its hash is kept.

    Made by the store (``_retail_pos_new_key``) and shown once in the
    wizard; valid until ``expires_at`` (set by a rotation or a revocation).
    """

    _name = "retail.pos.api.key"
    _description = "External POS API Key"
    _order = "store_id, create_date desc, id desc"
    _check_company_auto = True

    store_id = fields.Many2one(
        "retail.pos.store", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True)
    name = fields.Char(required=True)
    prefix = fields.Char(
        readonly=True, help="The first characters of the key, to recognise it."
    )
    key_hash = fields.Char(readonly=True, groups=MANAGER_GROUP, copy=False)
    expires_at = fields.Datetime(
        readonly=True,
        help="The key stops working then (a rotation or a revocation set it).",
    )
    state = fields.Selection(
        [("valid", "Valid"), ("expiring", "Expiring"), ("expired", "Expired")],
        compute="_compute_state",
    )

    @api.depends("expires_at")
    def _compute_state(self):
        now = fields.Datetime.now()
        for key in self:
            if not key.expires_at:
                key.state = "valid"
            elif key.expires_at > now:
                key.state = "expiring"
            else:
                key.state = "expired"

    def _is_valid(self, now):
        self.ensure_one()
        return not self.expires_at or self.expires_at > now

    def action_revoke(self):
        """Stop these keys now (managers)."""
        self.store_id._check_manager()
        now = fields.Datetime.now()
        for key in self.sudo().filtered(lambda k: k._is_valid(now)):
            key.expires_at = now
            key.store_id.message_post(
                body=self.env._("API key %(prefix)s… revoked.", prefix=key.prefix)
            )
        return True

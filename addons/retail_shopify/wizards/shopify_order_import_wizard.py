from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError


class ShopifyOrderImportWizard(models.TransientModel):
    """Ask from which date the store's orders are to be imported."""

    _name = "shopify.order.import.wizard"
    _description = "Import Shopify Orders"

    backend_id = fields.Many2one("shopify.backend", required=True, ondelete="cascade")
    date_from = fields.Datetime(
        string="Orders updated since",
        required=True,
        default=lambda self: fields.Datetime.now() - timedelta(days=7),
        help="Every order created or changed in Shopify since this date is "
        "imported or brought up to date; orders already up to date are skipped.",
    )

    def action_import(self):
        self.ensure_one()
        if self.date_from > fields.Datetime.now():
            raise UserError(
                self.env._("The date is in the future: no order to import.")
            )
        if self.backend_id.state != "active":
            raise UserError(
                self.env._(
                    "Store %(store)s is not active: activate it first.",
                    store=self.backend_id.display_name,
                )
            )
        return self.backend_id._retail_run_action_start("orders", self.date_from)

from odoo import fields, models

from ..services import refunds
from ..services.refund_webhook import refund_from_webhook


class ShopifyBackendRefunds(models.Model):
    """What a Shopify store does with refunds (inherited by shopify.backend)."""

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    refund_policy = fields.Selection(
        refunds.POLICIES,
        string="Refunds",
        default=refunds.POLICY_RETURN,
        required=True,
        tracking=True,
        help="What Odoo does when a refund is made in Shopify:\n"
        "- Credit note and return: a credit note of the refunded amount from "
        "the sale order; shipped items put back in stock by Shopify are "
        "expected back on a return; items not shipped yet are taken off the "
        "order.\n"
        "- Credit note only: the credit note, nothing in the warehouse (use it "
        "when returns are handled by hand or by a logistics partner).\n"
        "- Record only: the refund is listed and a sync exception asks a "
        "person to make the credit note and the return.",
    )
    refund_auto_post = fields.Boolean(
        string="Post credit notes",
        default=True,
        tracking=True,
        help="Post the credit notes of Shopify refunds (and the invoice made "
        "first for an order not invoiced yet). Untick to leave them in draft "
        "for an accountant to check and post.",
    )
    refund_count = fields.Integer(compute="_compute_refund_count")

    def _compute_refund_count(self):
        counts = dict(
            self.env["shopify.refund"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        for backend in self:
            backend.refund_count = counts.get(backend, 0)

    # ------------------------------------------------------------------
    # inbound: refunds/create
    # ------------------------------------------------------------------
    def _shopify_handle_refund(self, event):
        """refunds/create: apply the refund to its imported order."""
        payload = event._load_json()
        refund = refund_from_webhook(payload)
        return self.env["shopify.refund"]._import_refund(
            self, refund, payload, event=event
        )

    def action_open_refunds(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Shopify refunds"),
            "res_model": "shopify.refund",
            "view_mode": "list,form",
            "domain": [("backend_id", "=", self.id)],
            "context": {"default_backend_id": self.id},
        }

from odoo import fields, models

RESTOCK_TYPES = [
    ("return", "Returned"),
    ("legacy_restock", "Restocked (legacy)"),
    ("cancel", "Cancelled before shipping"),
    ("no_restock", "Not restocked"),
]


class ShopifyRefundLine(models.Model):
    """One order line (or the shipping) given back in a Shopify refund."""

    _name = "shopify.refund.line"
    _description = "Shopify Refund Line"
    _order = "refund_id, sequence, id"

    refund_id = fields.Many2one(
        "shopify.refund", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", related="refund_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="refund_id.currency_id")
    sequence = fields.Integer(default=10)
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order line",
        required=True,
        ondelete="cascade",
        index=True,
    )
    product_id = fields.Many2one(related="sale_line_id.product_id")
    line_gid = fields.Char(string="Shopify line", readonly=True)
    name = fields.Char(string="Description", readonly=True)
    is_shipping = fields.Boolean(readonly=True)
    restock_type = fields.Selection(
        RESTOCK_TYPES,
        readonly=True,
        help="What Shopify did with the units: returned to stock, cancelled "
        "before shipping, or refunded without restocking.",
    )
    quantity = fields.Integer(string="Refunded", readonly=True)
    qty_cancelled = fields.Integer(
        string="Taken off the order",
        readonly=True,
        help="Units not shipped yet: removed from the ordered quantity so "
        "they are never delivered.",
    )
    qty_returned = fields.Integer(
        string="To receive back",
        readonly=True,
        help="Shipped units expected back: they are on the return.",
    )
    qty_kept = fields.Integer(
        string="Without stock move",
        readonly=True,
        help="Units refunded without any stock move: the customer keeps "
        "them, or the refund policy leaves the goods to a person.",
    )
    subtotal = fields.Monetary(
        readonly=True,
        help="Refunded amount of the units as Shopify computed it, in the "
        "order's price basis (taxes included when the prices include them).",
    )
    tax_amount = fields.Monetary(string="Tax", readonly=True)

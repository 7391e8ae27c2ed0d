from odoo import api, fields, models
from odoo.tools import float_compare


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    shopify_line_gid = fields.Char(
        string="Shopify line GID", copy=False, index="btree_not_null"
    )
    shopify_refund_line_ids = fields.One2many(
        "shopify.refund.line", "sale_line_id", string="Shopify refunds"
    )
    shopify_refunded_qty = fields.Float(
        string="Refunded in Shopify",
        digits="Product Unit",
        compute="_compute_shopify_refunded_qty",
        store=True,
        copy=False,
        help="Units refunded in Shopify and credited that are still on the "
        "ordered quantity (delivered, then returned or kept by the customer). "
        "They are not invoiced again.",
    )

    @api.depends(
        "shopify_refund_line_ids.qty_returned",
        "shopify_refund_line_ids.qty_kept",
        "shopify_refund_line_ids.refund_id.odoo_id.state",
    )
    def _compute_shopify_refunded_qty(self):
        for line in self:
            line.shopify_refunded_qty = sum(
                refund_line.qty_returned + refund_line.qty_kept
                for refund_line in line.sudo().shopify_refund_line_ids
                if refund_line.refund_id.odoo_id.state in ("draft", "posted")
            )

    @api.depends("shopify_refunded_qty")
    def _compute_qty_to_invoice(self):
        """Units refunded in Shopify and credited are not invoiced again."""
        res = super()._compute_qty_to_invoice()
        for line in self:
            if not line.shopify_refunded_qty or line.state != "sale":
                continue
            if line.display_type or line.product_id.type == "combo":
                continue
            kept = line.product_uom_qty - line.shopify_refunded_qty
            if line.product_id.invoice_policy == "order":
                line.qty_to_invoice = kept - line.qty_invoiced
            else:
                line.qty_to_invoice = min(line.qty_delivered, kept) - line.qty_invoiced
        return res

    @api.depends("shopify_refunded_qty")
    def _compute_invoice_status(self):
        """A line invoiced for all it kept after Shopify refunds is invoiced."""
        res = super()._compute_invoice_status()
        precision = self.env["decimal.precision"].precision_get("Product Unit")
        for line in self:
            if (
                line.shopify_refunded_qty
                and line.state == "sale"
                and line.invoice_status == "no"
                and float_compare(
                    line.qty_invoiced,
                    line.product_uom_qty - line.shopify_refunded_qty,
                    precision_digits=precision,
                )
                >= 0
            ):
                line.invoice_status = "invoiced"
        return res

    def _shopify_units_refunded(self):
        """Units of this line refunded by earlier refunds and still on the
        order (returned or kept), whether credited or not."""
        self.ensure_one()
        return sum(
            line.qty_returned + line.qty_kept
            for line in self.sudo().shopify_refund_line_ids
        )

    def _shopify_taxes_included(self):
        """Whether the line's price includes its taxes (Shopify's subtotals
        are in that basis)."""
        self.ensure_one()
        return bool(self.tax_ids) and all(self.tax_ids.mapped("price_include"))

    def _shopify_returnable_moves(self):
        """Done deliveries of this line to the customer, newest first, with
        the units of each not returned yet: ``[(move, units), ...]``."""
        self.ensure_one()
        moves = self.move_ids.filtered(
            lambda move: (
                move.state == "done"
                and move.location_dest_usage == "customer"
                and not move.origin_returned_move_id
            )
        )
        result = []
        for move in moves.sorted(lambda move: (move.date, move.id), reverse=True):
            returned = sum(
                returned.quantity
                if returned.state == "done"
                else returned.product_uom_qty
                for returned in move.returned_move_ids
                if returned.state != "cancel"
            )
            units = int(round(move.quantity - returned))
            if units > 0:
                result.append((move, units))
        return result

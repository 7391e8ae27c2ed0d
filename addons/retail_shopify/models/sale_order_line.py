from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    shopify_line_gid = fields.Char(
        string="Shopify line GID", copy=False, index="btree_not_null"
    )

from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    shopify_binding_ids = fields.One2many(
        "shopify.sale.order", "odoo_id", string="Shopify bindings"
    )
    shopify_sync_state = fields.Selection(
        [
            ("pending", "Pending"),
            ("synced", "Synced"),
            ("outdated", "Outdated"),
            ("error", "Error"),
        ],
        string="Shopify status",
        compute="_compute_shopify_sync_state",
        search="_search_shopify_sync_state",
    )
    shopify_exception_count = fields.Integer(compute="_compute_shopify_exception_count")
    shopify_refund_ids = fields.One2many(
        "shopify.refund", "sale_order_id", string="Shopify refunds"
    )
    shopify_refund_count = fields.Integer(compute="_compute_shopify_refund_count")

    def _retail_sync_history_records(self):
        # an order's history shows its deliveries' (a 3PL shipping them)
        return [self, self.picking_ids]

    @api.depends("shopify_binding_ids.sync_state")
    def _compute_shopify_sync_state(self):
        for order in self:
            order.shopify_sync_state = order.shopify_binding_ids[:1].sync_state or False

    def _search_shopify_sync_state(self, operator, value):
        return [("shopify_binding_ids.sync_state", operator, value)]

    def _compute_shopify_exception_count(self):
        counts = dict(
            self.env["retail.sync.exception"]
            .sudo()
            ._read_group(
                [
                    ("res_model", "=", "sale.order"),
                    ("res_id", "in", self.ids),
                    ("state", "=", "open"),
                ],
                ["res_id"],
                ["__count"],
            )
        )
        for order in self:
            order.shopify_exception_count = counts.get(order.id, 0)

    @api.depends("shopify_refund_ids")
    def _compute_shopify_refund_count(self):
        for order in self:
            order.shopify_refund_count = len(order.shopify_refund_ids)

    def action_open_shopify_refunds(self):
        self.ensure_one()
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Shopify refunds"),
            "res_model": "shopify.refund",
            "view_mode": "list,form",
            "domain": [("sale_order_id", "=", self.id)],
        }
        if len(self.shopify_refund_ids) == 1:
            action.update(res_id=self.shopify_refund_ids.id, view_mode="form")
        return action

    def action_open_shopify_exceptions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sync exceptions"),
            "res_model": "retail.sync.exception",
            "view_mode": "list,form",
            "domain": [("res_model", "=", "sale.order"), ("res_id", "=", self.id)],
        }

    def action_open_shopify_admin(self):
        self.ensure_one()
        return self.shopify_binding_ids[:1].action_open_shopify()

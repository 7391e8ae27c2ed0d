from odoo import api, fields, models

from odoo.addons.retail_connector_base.services import errors

from ..services import fulfillment_mapper


class ShopifyFulfillment(models.Model):
    """A delivery done in Odoo and the Shopify fulfilment it became."""

    _name = "shopify.fulfillment"
    _inherit = "retail.binding.mixin"
    _description = "Shopify Fulfilment Binding"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    odoo_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True, index=True
    )
    order_binding_id = fields.Many2one(
        "shopify.sale.order", required=True, ondelete="cascade", index=True
    )
    tracking_number = fields.Char(readonly=True)
    remote_status = fields.Selection(
        [
            ("pending", "Pending"),
            ("open", "Open"),
            ("success", "Success"),
            ("cancelled", "Cancelled"),
            ("error", "Error"),
            ("failure", "Failure"),
        ],
        string="Shopify status",
        readonly=True,
        help="Status of the fulfilment in Shopify, as last reported by Shopify.",
    )
    shipment_status = fields.Char(
        readonly=True, help="Carrier status reported by Shopify (in_transit, ...)."
    )
    acknowledged_at = fields.Datetime(
        string="Acknowledged by Shopify",
        readonly=True,
        copy=False,
        help="When Shopify accepted the fulfilment of this delivery: it answered "
        "the fulfilment created, or showed the lines fulfilled already. Later "
        "exchanges (tracking updates) do not move it; the fulfilment KPI "
        "measures from the delivery's validation to it.",
    )

    _picking_unique = models.Constraint(
        "UNIQUE (backend_id, odoo_id)", "This delivery is already fulfilled."
    )

    @api.model
    def _register_pickings(self, pickings):
        """Outgoing deliveries of Shopify orders just done: to be sent."""
        vals_list = []
        for picking in pickings.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state == "done"
        ):
            for order_binding in picking.sale_id.shopify_binding_ids:
                if self.search_count(
                    [
                        ("backend_id", "=", order_binding.backend_id.id),
                        ("odoo_id", "=", picking.id),
                    ]
                ):
                    continue
                vals_list.append(
                    {
                        "backend_id": order_binding.backend_id.id,
                        "odoo_id": picking.id,
                        "order_binding_id": order_binding.id,
                        "sync_state": "pending",
                    }
                )
        bindings = self.create(vals_list)
        bindings.backend_id._retail_schedule_export("fulfillments")
        return bindings

    # ------------------------------------------------------------------
    # outbound (called by the backend's export job)
    # ------------------------------------------------------------------
    def _shopify_send(self, client):
        """Create the Shopify fulfilment of this delivery; False when Shopify
        fulfilled it already."""
        self.ensure_one()
        order = self.order_binding_id
        data = client.execute("FulfillmentOrdersForOrder", {"id": order.external_id})
        fulfillment_orders = (
            (data.get("order") or {}).get("fulfillmentOrders", {}).get("nodes", [])
        )
        if self._fulfilled_in_shopify(fulfillment_orders):
            self._retail_mark_synced(
                acknowledged_at=self.acknowledged_at or fields.Datetime.now()
            )
            self.odoo_id.message_post(
                body=self.env._(
                    "Shopify order %(order)s was already fulfilled in Shopify: "
                    "no fulfilment sent for this delivery.",
                    order=order.shopify_name,
                )
            )
            return False
        result = client.mutate(
            "FulfillmentCreate",
            {"fulfillment": self._fulfillment_input(fulfillment_orders)},
            result_key="fulfillmentCreate",
        )
        fulfillment = result["fulfillment"]
        tracking = fulfillment.get("trackingInfo") or []
        self._retail_mark_synced(
            external_id=fulfillment["id"],
            tracking_number=tracking[0].get("number") if tracking else False,
            remote_status=(fulfillment.get("status") or "").lower() or False,
            acknowledged_at=fields.Datetime.now(),
        )
        return True

    def _shopify_not_sent(self, exc):
        """The sync exception of a delivery Shopify refused to fulfil."""
        self.ensure_one()
        return {
            "message": f"Delivery {self.odoo_id.name} was not sent to Shopify "
            f"order {self.order_binding_id.shopify_name}: {exc}",
            "hint": self.env._("Correct the delivery, then press Retry."),
            "res_model": "stock.picking",
            "res_id": self.odoo_id.id,
            "remote_ref": self.order_binding_id.external_id,
        }

    def _shopify_send_tracking(self, client):
        """Send the tracking changed on this delivery, already fulfilled."""
        self.ensure_one()
        picking = self.odoo_id
        client.mutate(
            "FulfillmentTrackingInfoUpdate",
            {
                "fulfillmentId": self.external_id,
                "trackingInfoInput": fulfillment_mapper.tracking_input(
                    picking.carrier_tracking_ref, picking.carrier_id.name
                )
                or {"number": None, "company": None},
                "notifyCustomer": True,
            },
            result_key="fulfillmentTrackingInfoUpdate",
        )
        self._retail_mark_synced(tracking_number=picking.carrier_tracking_ref)
        return True

    def _shopify_tracking_not_sent(self, exc):
        """The sync exception of a tracking change Shopify refused."""
        self.ensure_one()
        return {
            "message": f"The tracking of delivery {self.odoo_id.name} was not "
            f"updated in Shopify: {exc}",
            "hint": self.env._("Correct the tracking number, then save again."),
            "res_model": "stock.picking",
            "res_id": self.odoo_id.id,
            "remote_ref": self.external_id,
        }

    def _shipped_line_gids(self):
        return {
            move.sale_line_id.shopify_line_gid
            for move in self.odoo_id.move_ids.filtered(lambda m: m.state == "done")
            if move.sale_line_id.shopify_line_gid
        }

    def _fulfilled_in_shopify(self, fulfillment_orders):
        """Whether Shopify already fulfilled every line this delivery shipped.

        Someone fulfilled the order in Shopify, then the clerk validated the
        delivery in Odoo: there is nothing left to send, and nothing wrong.
        """
        self.ensure_one()
        gids = self._shipped_line_gids()
        closed, expected = set(), set()
        for fulfillment_order in fulfillment_orders:
            for item in fulfillment_order["lineItems"]["nodes"]:
                gid = item["lineItem"]["id"]
                if fulfillment_order["status"] == "CLOSED":
                    closed.add(gid)
                elif fulfillment_order["status"] in ("OPEN", "IN_PROGRESS") and (
                    item["remainingQuantity"] > 0
                ):
                    expected.add(gid)
        return bool(gids) and gids <= closed and not gids & expected

    def _fulfillment_input(self, fulfillment_orders):
        """FulfillmentInput for this delivery from Shopify's open
        fulfillment orders: the shipped quantity of each order line, capped
        by what Shopify still expects."""
        self.ensure_one()
        shipped = {}
        for move in self.odoo_id.move_ids.filtered(lambda m: m.state == "done"):
            gid = move.sale_line_id.shopify_line_gid
            if gid:
                shipped[gid] = shipped.get(gid, 0) + int(move.quantity)
        by_order = []
        for fulfillment_order in fulfillment_orders:
            if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
                continue
            items = []
            for item in fulfillment_order["lineItems"]["nodes"]:
                gid = item["lineItem"]["id"]
                quantity = min(shipped.get(gid, 0), item["remainingQuantity"])
                if quantity > 0:
                    items.append({"id": item["id"], "quantity": quantity})
                    shipped[gid] -= quantity
            if items:
                by_order.append(
                    {
                        "fulfillmentOrderId": fulfillment_order["id"],
                        "fulfillmentOrderLineItems": items,
                    }
                )
        if not by_order:
            raise errors.ConflictError(
                f"Delivery {self.odoo_id.name} of Shopify order "
                f"{self.order_binding_id.shopify_name}: Shopify expects no more "
                "items for these lines (already fulfilled or cancelled there).",
                hint="Check the order in Shopify; if it is fulfilled there, "
                "ignore this exception.",
                details={"remote_ref": self.order_binding_id.external_id},
            )
        fulfillment = {"lineItemsByFulfillmentOrder": by_order, "notifyCustomer": True}
        picking = self.odoo_id
        if picking.carrier_tracking_ref:
            fulfillment["trackingInfo"] = fulfillment_mapper.tracking_input(
                picking.carrier_tracking_ref, picking.carrier_id.name
            )
        return fulfillment

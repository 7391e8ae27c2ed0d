from odoo import models

from odoo.addons.retail_connector_base.services import errors

EPSILON = 1e-6


class Retail3plProviderReturns(models.Model):
    """Inbound: ``return.received``, a customer return at the provider.

    The returned units come back through return pickings of the deliveries
    of the fulfilment order (Odoo's return wizard, without its screen),
    validated at once (the goods are on the provider's shelves already, so
    they are not announced to it); damaged units are then scrapped. Each
    ``rma_ref`` is applied once. More returned than shipped, or a SKU the
    order did not ship, is an exception.
    """

    _inherit = "retail.3pl.provider"  # pylint: disable=consider-merging-classes-inherited

    def _threepl_handle_return_received(self, event, message):
        payload = message.payload
        Return = self.env["retail.3pl.return"]
        if Return.search_count(
            [("provider_id", "=", self.id), ("rma_ref", "=", payload.rma_ref)], limit=1
        ):
            event._mark_ignored(f"Return {payload.rma_ref} is already recorded.")
            return False
        if not payload.order_ref:
            raise errors.MappingError(
                f"Return {payload.rma_ref} names no order_ref: Odoo cannot tell "
                "which delivery it comes from.",
                hint=self.env._(
                    "Create the return of the delivery by hand in Odoo, then "
                    "ignore this exception."
                ),
            )
        order = self._threepl_order_of(message, payload.order_ref)
        deliveries = order.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        ).sorted("id")
        wanted = {}
        for line in payload.lines:
            entry = wanted.setdefault(
                line.sku, {"qty": 0.0, "lots": [], "serials": [], "damaged": []}
            )
            entry["qty"] += line.qty
            entry["lots"].extend((lot.lot, lot.qty, lot.expiry) for lot in line.lots)
            if line.condition == "damaged":
                entry["damaged"].extend(
                    [(lot.lot, lot.qty) for lot in line.lots] or [(None, line.qty)]
                )
        returns = self._threepl_make_returns(order, deliveries, payload, wanted)
        scraps = self._threepl_scrap_damaged(returns, wanted)
        record = Return.create(
            {
                "provider_id": self.id,
                "rma_ref": payload.rma_ref,
                "order_id": order.id,
                "picking_ids": [(6, 0, returns.ids)],
                "scrap_ids": [(6, 0, scraps.ids)],
            }
        )
        for picking in returns:
            picking.message_post(
                body=self.env._(
                    "Return %(rma)s received by %(provider)s.",
                    rma=payload.rma_ref,
                    provider=self.display_name,
                )
            )
        return record

    def _threepl_make_returns(self, order, deliveries, payload, wanted):
        """Return pickings of ``deliveries`` for the units of ``wanted``,
        validated; raises when more is returned than was shipped."""
        left = {sku: entry["qty"] for sku, entry in wanted.items()}
        plans = []
        for delivery in deliveries:
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=delivery.id, active_model="stock.picking")
                .create({"picking_id": delivery.id})
            )
            used = False
            for line in wizard.product_return_moves:
                sku = line.product_id.default_code
                move = line.move_id
                returnable = move.product_qty - sum(
                    move.returned_move_ids.filtered(
                        lambda m: m.state != "cancel"
                    ).mapped("product_qty")
                )
                take = min(left.get(sku, 0.0), returnable)
                line.quantity = take
                if take > EPSILON:
                    left[sku] -= take
                    used = True
            if used:
                plans.append(wizard)
        short = {sku: qty for sku, qty in left.items() if qty > EPSILON}
        if short:
            raise errors.ConflictError(
                f"Return {payload.rma_ref} of fulfilment order {order.external_id} "
                "returns more than was shipped: "
                + ", ".join(f"{qty:g} x {sku}" for sku, qty in sorted(short.items()))
                + ".",
                hint=self.env._(
                    "Check the return with the provider (a SKU of another order, "
                    "or a delivery not confirmed yet); record the units by hand "
                    "if they are right, then ignore this exception."
                ),
                details={"remote_ref": f"order:{order.external_id}"},
            )
        returns = self.env["stock.picking"]
        no_release = {"threepl_no_release": True}
        for wizard in plans:
            picking = wizard.with_context(**no_release)._create_return()
            buckets = {}
            for move in picking.move_ids:
                entry = wanted[move.product_id.default_code]
                bucket = buckets.setdefault(
                    move.product_id,
                    {"qty": 0.0, "lots": entry["lots"], "serials": entry["serials"]},
                )
                bucket["qty"] += move.product_qty
            for product, bucket in buckets.items():
                self._threepl_check_tracking(
                    order, product, dict(bucket, lots=list(bucket["lots"]))
                )
            for move in picking.move_ids:
                move.move_line_ids.unlink()
                self._threepl_fill_move(
                    move, move.product_qty, buckets[move.product_id]
                )
            picking.with_context(
                skip_backorder=True,
                skip_sms=True,
                skip_expired=True,
                picking_ids_not_to_backorder=picking.ids,
                **no_release,
            ).button_validate()
            if picking.state != "done":
                raise errors.PermanentError(
                    f"Return {picking.name} of {payload.rma_ref} could not be "
                    "validated.",
                    hint=self.env._(
                        "Validate the return by hand, then ignore this exception."
                    ),
                )
            returns |= picking
        return returns

    def _threepl_scrap_damaged(self, returns, wanted):
        """Scrap the damaged units the returns brought back."""
        Scrap = self.env["stock.scrap"]
        scraps = Scrap
        products = {m.product_id.default_code: m.product_id for m in returns.move_ids}
        location = returns[:1].location_dest_id
        for sku, entry in wanted.items():
            product = products[sku]
            for lot_name, qty in entry["damaged"]:
                lot = (
                    self._threepl_lot(product, lot_name)
                    if lot_name
                    else self.env["stock.lot"]
                )
                scrap = Scrap.create(
                    {
                        "product_id": product.id,
                        "product_uom_id": product.uom_id.id,
                        "scrap_qty": qty,
                        "location_id": location.id,
                        "lot_id": lot.id,
                        "picking_id": returns[:1].id,
                        "company_id": self.company_id.id,
                    }
                )
                scrap.do_scrap()
                scraps |= scrap
        return scraps

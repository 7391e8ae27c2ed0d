from odoo import fields, models

from odoo.addons.retail_connector_base.models.retail_binding_mixin import (
    payload_hash,
)
from odoo.addons.retail_connector_base.services import errors, locks, wait_keys

from ..services import contract
from ..services.shipments import merge_tracking, shipped_by_line, tracking_numbers
from .retail_3pl_picking import ORDER_KEY

EPSILON = 1e-6


class Retail3plProviderShipments(models.Model):
    """Inbound: the provider's messages about fulfilment orders.

    ``shipment.confirmed`` validates the open delivery with what shipped
    (lots and serials included), without wizards: the rest goes to a
    backorder, or is cancelled when a final shipment leaves it and the
    provider's policy says so. ``order.cancelled`` cancels the delivery. A
    message older than the latest one applied to its order never moves the
    order backwards; an unknown ``order_ref`` waits until Odoo records the
    order as accepted (``3pl-order:<ref>``), then is an exception.
    """

    _inherit = "retail.3pl.provider"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # dispatch
    # ------------------------------------------------------------------
    def _retail_event_subject(self, topic, payload):
        if isinstance(payload, dict):
            return contract.subject_of(topic, payload.get("payload"))
        return None

    def _retail_process_event(self, event):
        message = contract.parse_message(event._load_json())
        if not self._threepl_warehouse(message.warehouse_code):
            raise errors.MappingError(
                f"3PL message {message.message_id} is about warehouse "
                f"{message.warehouse_code}, which {self.display_name} does not "
                "operate.",
                hint=self.env._(
                    "Add the warehouse whose short name is %(code)s to the "
                    "provider's operated warehouses, then press Retry.",
                    code=message.warehouse_code,
                ),
            )
        # what the provider reports is applied, not sent back as a change
        handler = getattr(
            self.with_context(threepl_no_change=True),
            f"_threepl_handle_{message.type.replace('.', '_')}",
            None,
        )
        if handler is None:
            return super()._retail_process_event(event)
        return handler(event, message)

    def _retail_describe_wait(self, key):
        prefix = wait_keys.make(ORDER_KEY, "x")[:-1]
        if key.startswith(prefix):
            return f"the fulfilment order {key[len(prefix) :]} accepted by the provider"
        return super()._retail_describe_wait(key)

    def _retail_wait_satisfied(self, key):
        prefix = wait_keys.make(ORDER_KEY, "x")[:-1]
        if key.startswith(prefix):
            order = self.env["retail.3pl.picking"]._retail_get(self, key[len(prefix) :])
            return bool(order) and order.remote_state != "queued"
        return super()._retail_wait_satisfied(key)

    def _threepl_order_of(self, message, order_ref, kind="delivery"):
        """The fulfilment order (or receipt notice) ``order_ref`` sent by
        Odoo, locked."""
        locks.advisory_lock(self.env.cr, self._retail_key(), f"order:{order_ref}")
        order = self.env["retail.3pl.picking"]._retail_get(self, order_ref)
        if order and order.kind != kind:
            raise errors.MappingError(
                f"3PL message {message.message_id} ({message.type}) is about "
                f"{order_ref}, which is a {order.kind}, not a {kind}.",
                hint=self.env._(
                    "The provider mixed up its references: ask it to correct "
                    "the message, then ignore this exception."
                ),
                details={"remote_ref": f"order:{order_ref}"},
            )
        if not order or order.remote_state == "queued":
            raise errors.MappingError(
                f"3PL message {message.message_id} ({message.type}) is about "
                f"order {order_ref}, which Odoo has not sent to {self.display_name}.",
                hint=self.env._(
                    "Nothing to do while Odoo is sending it: the message is "
                    "processed by itself once the provider accepted the order. "
                    "If Odoo never sent an order %(ref)s, ask the provider what "
                    "it is, then ignore this exception.",
                    ref=order_ref,
                ),
                waits_for=[wait_keys.make(ORDER_KEY, order_ref)],
                details={"remote_ref": f"order:{order_ref}"},
            )
        return order

    @staticmethod
    def _threepl_is_older(order, message):
        return bool(
            order.last_message_at and message.occurred_at < order.last_message_at
        )

    # ------------------------------------------------------------------
    # order.cancelled
    # ------------------------------------------------------------------
    def _threepl_handle_order_cancelled(self, event, message):
        payload = message.payload
        order = self._threepl_order_of(message, payload.order_ref)
        picking = order.odoo_id
        if order.remote_state == "cancelled":
            event._mark_ignored(f"Order {order.external_id} is already cancelled.")
            return picking
        if self._threepl_is_older(order, message) or order.remote_state == "shipped":
            event._mark_ignored(
                f"Order {order.external_id}: a later message was already applied "
                f"({order.remote_state}); this cancel is older."
            )
            return picking
        reason = payload.reason or "no reason given"
        order.write(
            {
                "remote_state": "cancelled",
                "cancel_reason": reason[:250],
                "last_message_at": message.occurred_at,
            }
        )
        picking.with_context(threepl_cancel_confirmed=True).action_cancel()
        picking.message_post(
            body=self.env._(
                "%(provider)s cancelled fulfilment order %(ref)s: %(reason)s",
                provider=self.display_name,
                ref=order.external_id,
                reason=reason,
            )
        )
        shipped = order.shipment_ids
        self._retail_raise_exception(
            flow="inbound",
            category="conflict",
            message=f"{self.display_name} cancelled fulfilment order "
            f"{order.external_id} ({picking.name}): {reason}",
            hint=self.env._(
                "The goods of %(delivery)s will not ship%(partly)s. Tell the "
                "customer, or plan the delivery again (from another warehouse, "
                "or with a new delivery once the provider can ship it). Then "
                "ignore this exception.",
                delivery=picking.name,
                partly=self.env._(" (what already shipped stays shipped)")
                if shipped
                else "",
            ),
            res_model="stock.picking",
            res_id=picking.id,
            remote_ref=order.external_id,
        )
        return picking

    # ------------------------------------------------------------------
    # shipment.confirmed
    # ------------------------------------------------------------------
    def _threepl_handle_shipment_confirmed(self, event, message):
        shipment = message.payload
        order = self._threepl_order_of(message, shipment.order_ref)
        shipped = shipped_by_line(
            shipment,
            {ref: line["sku"] for ref, line in (order.sent_lines or {}).items()},
        )
        quantities = {
            ref: [entry.qty, entry.lots, entry.serials]
            for ref, entry in sorted(shipped.items())
        }
        recorded = order.shipment_ids.filtered(
            lambda s: s.shipment_ref == shipment.shipment_ref
        )
        if recorded:
            return self._threepl_shipment_again(
                event, message, order, recorded, payload_hash(quantities)
            )
        if order.remote_state == "cancelled":
            raise errors.ConflictError(
                f"Shipment {shipment.shipment_ref} of fulfilment order "
                f"{order.external_id} arrived after the order was cancelled in "
                "Odoo.",
                hint=self.env._(
                    "The provider shipped goods of a cancelled delivery: check "
                    "with the provider, then record what left by hand (a new "
                    "delivery validated with these quantities) and ignore this "
                    "exception."
                ),
                details={"remote_ref": f"order:{order.external_id}"},
            )
        picking = order.odoo_id
        if picking.state in ("done", "cancel"):
            raise errors.ConflictError(
                f"Shipment {shipment.shipment_ref} of fulfilment order "
                f"{order.external_id} arrived when nothing of it is left open in "
                f"Odoo ({picking.name} is {picking.state}).",
                hint=self.env._(
                    "The provider shipped more than Odoo expected (the rest may "
                    "have been cancelled by a final shipment): check with the "
                    "provider, record what left by hand, then ignore this "
                    "exception."
                ),
                details={"remote_ref": f"order:{order.external_id}"},
            )
        final = shipment.final or order.final_received
        carrier = self._threepl_carrier(shipment.carrier, shipment.service)
        numbers = tracking_numbers(shipment)
        backorder = self._threepl_validate(
            order, picking, shipped, final=final, carrier=carrier, numbers=numbers
        )
        self.env["retail.3pl.shipment"].create(
            {
                "order_id": order.id,
                "shipment_ref": shipment.shipment_ref,
                "picking_id": picking.id,
                "shipped_at": shipment.shipped_at,
                "occurred_at": message.occurred_at,
                "final": shipment.final,
                "carrier_code": shipment.carrier,
                "service": shipment.service,
                "carrier_id": carrier.id,
                "tracking_numbers": ",".join(numbers),
                "package_count": len(shipment.packages),
                "quantities_hash": payload_hash(quantities),
            }
        )
        state = order._threepl_validated(
            message,
            final=final,
            backorder=backorder,
            tracking_numbers=merge_tracking(order.tracking_numbers, numbers),
        )
        if state == "shipped":
            self._retail_open_exceptions(
                [
                    ("remote_ref", "=", order.external_id),
                    ("category", "=", "remote_rejected"),
                ]
            )._resolve(self.env._("The order shipped."))
        if backorder and final:
            self._retail_raise_exception(
                flow="inbound",
                category="conflict",
                message=f"The final shipment {shipment.shipment_ref} of fulfilment "
                f"order {order.external_id} did not ship everything: the rest is "
                f"in backorder {backorder.name}.",
                hint=self.env._(
                    "The provider ships nothing more of this order: deliver "
                    "%(backorder)s another way (another warehouse) or cancel it, "
                    "and tell the customer. Then ignore this exception.",
                    backorder=backorder.name,
                ),
                res_model="stock.picking",
                res_id=backorder.id,
                remote_ref=order.external_id,
            )
        if shipment.carrier and not carrier:
            self._retail_raise_exception(
                flow="inbound",
                category="mapping",
                message=f"Shipment {shipment.shipment_ref} of {picking.name} went "
                f"with carrier {shipment.carrier} {shipment.service or ''}, which is "
                f"not mapped to an Odoo carrier on {self.display_name}.".replace(
                    "  ", " "
                ),
                hint=self.env._(
                    "Map the provider's carrier %(code)s to a delivery carrier on "
                    "the provider's Carriers tab, then set the carrier on "
                    "%(delivery)s (its tracking number is recorded).",
                    code=shipment.carrier,
                    delivery=picking.name,
                ),
                res_model="stock.picking",
                res_id=picking.id,
                remote_ref=order.external_id,
            )
        return picking

    def _threepl_shipment_again(self, event, message, order, recorded, quantities_hash):
        """A shipment already applied, sent again: only newer tracking counts."""
        if recorded.quantities_hash != quantities_hash:
            raise errors.ConflictError(
                f"Shipment {recorded.shipment_ref} of fulfilment order "
                f"{order.external_id} was sent again with other quantities than "
                "those already applied.",
                hint=self.env._(
                    "Check the shipment with the provider; correct the delivery "
                    "%(delivery)s by hand if the new quantities are right, then "
                    "ignore this exception.",
                    delivery=recorded.picking_id.name,
                ),
                details={"remote_ref": f"order:{order.external_id}"},
            )
        if recorded.occurred_at and message.occurred_at <= recorded.occurred_at:
            event._mark_ignored(
                f"Shipment {recorded.shipment_ref} was already applied from a "
                "message as recent or newer."
            )
            return recorded.picking_id
        shipment = message.payload
        numbers = tracking_numbers(shipment)
        carrier = self._threepl_carrier(shipment.carrier, shipment.service)
        picking = recorded.picking_id
        old = set(filter(None, (recorded.tracking_numbers or "").split(",")))
        kept = [
            n
            for n in (picking.carrier_tracking_ref or "").split(",")
            if n and n not in old
        ]
        tracking = merge_tracking(",".join(kept), numbers)
        picking_values = {}
        if tracking != (picking.carrier_tracking_ref or ""):
            picking_values["carrier_tracking_ref"] = tracking
        if carrier and carrier != picking.carrier_id:
            picking_values["carrier_id"] = carrier.id
        if picking_values:
            picking.write(picking_values)
        recorded.write(
            {
                "occurred_at": message.occurred_at,
                "tracking_numbers": ",".join(numbers),
                "carrier_code": shipment.carrier,
                "service": shipment.service,
                "carrier_id": carrier.id or recorded.carrier_id.id,
            }
        )
        order.write(
            {
                "tracking_numbers": ",".join(
                    filter(None, order.shipment_ids.mapped("tracking_numbers"))
                ),
                "last_message_at": max(order.last_message_at, message.occurred_at),
            }
        )
        if not picking_values:
            event._mark_ignored(
                f"Shipment {recorded.shipment_ref} sent again without changes."
            )
        return picking

    # ------------------------------------------------------------------
    # validating a delivery
    # ------------------------------------------------------------------
    def _threepl_validate(
        self, order, picking, shipped, *, final, carrier=None, numbers=()
    ):
        """Validate ``picking`` with what shipped (or, for a receipt, what
        was received); return its backorder or empty.

        The rest is cancelled instead of left in a backorder only for a
        delivery, once the provider said the shipment was final and the
        short shipment policy says so.

        Tracking and carrier are written first (what validating a delivery
        sends on, e.g. to a shop, reads them).
        """
        by_product = {}
        sent = order.sent_lines or {}
        for line_ref, entry in shipped.items():
            product = self.env["product.product"].browse(sent[line_ref]["product_id"])
            bucket = by_product.setdefault(
                product, {"qty": 0.0, "lots": [], "serials": []}
            )
            bucket["qty"] += entry.qty
            bucket["lots"].extend(entry.lots)
            bucket["serials"].extend(entry.serials)
        moves = picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        for product, bucket in by_product.items():
            product_moves = moves.filtered(lambda m, p=product: m.product_id == p)
            demand = sum(product_moves.mapped("product_qty"))
            if bucket["qty"] > demand + EPSILON:
                raise errors.ConflictError(
                    f"{order._threepl_label()}: the provider "
                    f"{'received' if order.kind == 'receipt' else 'shipped'} "
                    f"{bucket['qty']:g} x {product.default_code}, but only "
                    f"{demand:g} are open on {picking.name}.",
                    hint=self.env._(
                        "Check the shipment with the provider; record the extra "
                        "units by hand if they did leave, then ignore this "
                        "exception."
                    ),
                    details={"remote_ref": f"order:{order.external_id}", "over": True},
                )
            self._threepl_check_tracking(order, product, bucket)
        picking_values = {}
        if numbers:
            picking_values["carrier_tracking_ref"] = merge_tracking(
                picking.carrier_tracking_ref, numbers
            )
        if carrier:
            picking_values["carrier_id"] = carrier.id
        if picking_values:
            picking.write(picking_values)
        left_over = False
        for move in moves:
            bucket = by_product.get(move.product_id)
            take = min(bucket["qty"], move.product_qty) if bucket else 0.0
            if take > EPSILON:
                self._threepl_fill_move(move, take, bucket)
                bucket["qty"] -= take
            else:
                move.move_line_ids.unlink()
                move.picked = False
            if take < move.product_qty - EPSILON:
                left_over = True
        shipped_moves = moves.filtered(lambda m: m.move_line_ids)
        if not shipped_moves:
            raise errors.ConflictError(
                f"{order._threepl_label()}: the message moves nothing open on "
                f"{picking.name}.",
                hint=self.env._("Check the shipment with the provider."),
            )
        cancel_rest = (
            left_over
            and final
            and order.kind == "delivery"
            and self.short_shipment_policy == "cancel"
        )
        context = {
            "skip_backorder": True,
            "skip_sms": True,
            "skip_expired": True,
            "threepl_no_release": True,
        }
        if cancel_rest:
            context["picking_ids_not_to_backorder"] = picking.ids
        picking.with_context(**context).button_validate()
        if picking.state != "done":
            raise errors.PermanentError(
                f"Delivery {picking.name} could not be validated with the "
                f"shipment of fulfilment order {order.external_id}.",
                hint=self.env._(
                    "Validate the delivery by hand, then ignore this exception."
                ),
            )
        backorder = picking.backorder_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )[:1]
        if left_over and not backorder:
            picking.message_post(
                body=self.env._(
                    "The final shipment of fulfilment order %(ref)s did not ship "
                    "everything: the rest is cancelled.",
                    ref=order.external_id,
                )
            )
        return backorder

    def _threepl_check_tracking(self, order, product, bucket):
        tracking = product.tracking
        qty = bucket["qty"]
        problem = None
        if tracking == "serial" and abs(len(bucket["serials"]) - qty) > EPSILON:
            lot_units = sum(q for _lot, q, _expiry in bucket["lots"])
            if not (
                bucket["lots"]
                and abs(lot_units - qty) <= EPSILON
                and all(abs(q - 1) <= EPSILON for _lot, q, _expiry in bucket["lots"])
            ):
                problem = f"{len(bucket['serials'])} serial numbers for {qty:g} units"
        elif tracking == "lot" and not bucket["lots"]:
            problem = "no lot"
        if problem:
            raise errors.PayloadValidationError(
                f"Fulfilment order {order.external_id}: {product.default_code} is "
                f"tracked by {tracking}, and the shipment gives {problem}.",
                hint=self.env._(
                    "Ask the provider to send the shipment again with the lots "
                    "or serial numbers shipped, then ignore this exception."
                ),
            )

    def _threepl_lot(self, product, name, expiry=None):
        Lot = self.env["stock.lot"]
        company = self.company_id
        lot = Lot.search(
            [
                ("product_id", "=", product.id),
                ("name", "=", name),
                ("company_id", "in", (False, company.id)),
            ],
            limit=1,
        )
        if not lot:
            # the provider's shelves are the truth: it shipped this lot
            values = {"product_id": product.id, "name": name, "company_id": company.id}
            if expiry and "expiration_date" in Lot._fields:
                values["expiration_date"] = fields.Datetime.to_datetime(expiry)
            lot = Lot.create(values)
        return lot

    def _threepl_fill_move(self, move, qty, bucket):
        """Move lines of ``move`` for ``qty`` shipped, taking lots and serials
        from ``bucket`` in order.

        Without lots to name, what Odoo reserved is kept and its quantity
        set (Odoo's own setter unreserves or adds only the change)."""
        product = move.product_id
        if product.tracking == "none":
            move.quantity = qty
            move.move_line_ids.picked = True
            move.picked = True
            return
        move.move_line_ids.unlink()
        MoveLine = self.env["stock.move.line"]
        vals_list = []
        left = qty
        if product.tracking == "serial":
            serials = bucket["serials"] or [lot for lot, _q, _e in bucket["lots"]]
            while left > EPSILON and serials:
                name = serials.pop(0)
                vals_list.append(
                    dict(
                        move._prepare_move_line_vals(quantity=1),
                        lot_id=self._threepl_lot(product, name).id,
                        picked=True,
                    )
                )
                left -= 1
        else:  # by lot
            lots = bucket["lots"]
            while left > EPSILON and lots:
                name, lot_qty, expiry = lots[0]
                take = min(lot_qty, left)
                vals_list.append(
                    dict(
                        move._prepare_move_line_vals(quantity=take),
                        lot_id=self._threepl_lot(product, name, expiry).id,
                        picked=True,
                    )
                )
                left -= take
                if lot_qty - take > EPSILON:
                    lots[0] = (name, lot_qty - take, expiry)
                else:
                    lots.pop(0)
        MoveLine.create(vals_list)
        move.picked = True

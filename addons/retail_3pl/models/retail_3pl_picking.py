import hashlib
import json
import uuid

from odoo import api, fields, models
from odoo.tools import html2plaintext

from odoo.addons.retail_connector_base.models.base import traced
from odoo.addons.retail_connector_base.services import errors, locks, wait_keys

from ..services import contract

REMOTE_STATES = [
    ("queued", "To send"),
    ("accepted", "Accepted"),
    ("partial", "Partly shipped / received"),
    ("shipped", "Shipped / received"),
    ("cancel_requested", "Cancel requested"),
    ("cancel_refused", "Cancel refused"),
    ("cancelled", "Cancelled"),
]
#: the provider has (or may have) the order and may still ship some of it
AT_PROVIDER = ("accepted", "partial", "cancel_requested", "cancel_refused")
#: wait key of a message about an order Odoo has not recorded as sent
ORDER_KEY = "3pl-order"


class Retail3plPicking(models.Model):
    """A fulfilment order: an outgoing picking sent to its warehouse's 3PL.

    Outbound. One binding per order, made when the picking is released
    (provider's release policy), with a stable ``order_ref`` (its remote
    id) and the ``message_id`` of its request, made once: the job sending it
    runs once per binding (identity key) and, run again, sends the same
    request, which the provider answers ``already_accepted``. ``odoo_id`` is
    the picking still open for the order: a shipment that leaves a
    backorder moves the binding onto it (``picking_ids`` keeps them all).

    A cancel in Odoo of an order the provider has is only a request
    (``cancel_requested``): the picking is cancelled when the provider
    answers ``cancelled``; ``rejected`` leaves it open (``cancel_refused``)
    with a sync exception saying what to do.
    """

    _name = "retail.3pl.picking"
    _inherit = "retail.binding.mixin"
    _description = "3PL Order"
    _order = "id desc"
    _rec_name = "external_id"

    backend_id = fields.Many2one(
        "retail.3pl.provider",
        string="Provider",
        required=True,
        ondelete="cascade",
        index=True,
    )
    odoo_id = fields.Many2one(
        "stock.picking",
        string="Open delivery",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True, index=True
    )
    picking_ids = fields.Many2many(
        "stock.picking",
        "retail_3pl_picking_stock_picking_rel",
        "order_id",
        "picking_id",
        string="Deliveries",
        help="The delivery sent and the backorders its shipments left.",
    )
    warehouse_id = fields.Many2one("stock.warehouse", required=True, readonly=True)
    kind = fields.Selection(
        [("delivery", "Fulfilment order"), ("receipt", "Receipt notice")],
        default="delivery",
        required=True,
        readonly=True,
        help="Fulfilment order: an outgoing delivery the provider ships. "
        "Receipt notice: an incoming receipt announced to the provider, "
        "validated by its confirmation.",
    )
    remote_state = fields.Selection(
        REMOTE_STATES, default="queued", required=True, index=True
    )
    message_id = fields.Char(
        readonly=True,
        copy=False,
        help="Id (and Idempotency-Key) of the fulfilment request: the same on "
        "every attempt.",
    )
    cancel_message_id = fields.Char(readonly=True, copy=False)
    cancel_reason = fields.Char(readonly=True)
    sent_lines = fields.Json(
        readonly=True,
        copy=False,
        help="The lines of the request, by line_ref: sku, product and quantity.",
    )
    send_attempted = fields.Boolean(readonly=True, copy=False)
    accepted_at = fields.Datetime(
        string="Accepted by the provider",
        readonly=True,
        copy=False,
        help="When the provider accepted the request (or answered that it had "
        "it already). Later exchanges (changes, shipments, cancels) do not "
        "move it; the hand-over KPI measures from the release to it.",
    )
    final_received = fields.Boolean(
        readonly=True, copy=False, help="The provider said no other shipment follows."
    )
    revision = fields.Integer(
        readonly=True,
        copy=False,
        help="Changes of the order (address, lines) the provider applied.",
    )
    change_state = fields.Selection(
        [("to_send", "Change to send"), ("refused", "Change refused")],
        readonly=True,
        copy=False,
        help="Change to send: the delivery changed after it was sent; the "
        "change is on its way. Change refused: the provider had picked the "
        "order, which ships as it was sent.",
    )
    change_message_id = fields.Char(readonly=True, copy=False)
    sent_digest = fields.Char(
        readonly=True,
        copy=False,
        help="Digest of the order as the provider has it (address, method, "
        "lines, notes): a change is sent only when the delivery differs.",
    )
    tracking_numbers = fields.Char(readonly=True, copy=False)
    last_message_at = fields.Datetime(
        readonly=True,
        copy=False,
        help="When the latest message applied to this order occurred at the "
        "provider: older messages never move it backwards.",
    )
    shipment_ids = fields.One2many("retail.3pl.shipment", "order_id", readonly=True)

    _odoo_unique = models.Constraint(
        "UNIQUE (backend_id, odoo_id)", "This delivery is already sent to the provider."
    )

    # ------------------------------------------------------------------
    # release
    # ------------------------------------------------------------------
    @api.model
    def _threepl_new_order_ref(self, picking):
        """A reference unique to this database and picking, never reused."""
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return f"{(db_uuid or 'odoo')[:8]}-{picking.id}"

    def _threepl_label(self):
        self.ensure_one()
        what = "Receipt notice" if self.kind == "receipt" else "Fulfilment order"
        return f"{what} {self.external_id}"

    @api.model
    def _threepl_release(self, provider, picking):
        """Make the fulfilment order (or, for an incoming picking, the
        receipt notice) of ``picking`` and queue its sending."""
        order = self.create(
            {
                "kind": "receipt"
                if picking.picking_type_code == "incoming"
                else "delivery",
                "backend_id": provider.id,
                "odoo_id": picking.id,
                "picking_ids": [fields.Command.link(picking.id)],
                "warehouse_id": picking.picking_type_id.warehouse_id.id,
                "external_id": self._threepl_new_order_ref(picking),
                "message_id": str(uuid.uuid4()),
            }
        )
        picking.message_post(
            body=self.env._(
                "Released to %(provider)s: %(label)s.",
                provider=provider.display_name,
                label=order._threepl_label(),
            )
        )
        order._threepl_queue("send")
        return order

    def _threepl_queue(self, what):
        """Queue the job of ``what`` (send, cancel): one pending per order."""
        for order in self:
            provider = order.backend_id
            order.with_delay(
                identity_key=f"retail.3pl.order:{order.id}:{what}",
                description=self.env._(
                    "%(what)s fulfilment order %(ref)s to %(provider)s",
                    what=what.capitalize(),
                    ref=order.external_id,
                    provider=provider.display_name,
                ),
                **provider._retail_job_options("outbound"),
            )._threepl_job(what)

    # ------------------------------------------------------------------
    # jobs
    # ------------------------------------------------------------------
    @traced
    def _threepl_job(self, what):
        """Send the request ``what`` (queued job): ``send``, ``update`` or
        ``cancel``.

        The job runs as the user whose change queued it (a salesman
        confirming an order, a stock user cancelling a delivery), who may
        neither edit 3PL orders nor read the provider's credentials: the
        request is the connector's work, done as the system.
        """
        self.ensure_one()
        # what the provider answers is applied, not sent back as a change
        return self.sudo().with_context(threepl_no_change=True)._threepl_run(what)

    def _threepl_run(self, what):
        """Transient errors postpone the job (a wait spends no try); permanent
        ones put the order in error with a sync exception."""
        provider = self.backend_id
        label = f"{self._threepl_label()} ({self.odoo_id.name})"
        try:
            if not provider._retail_is_accepting():
                raise errors.BackendPausedError(
                    f"Provider {provider.display_name} is {provider.state}; "
                    "the request waits until it is active again.",
                    retry_after=300,
                )
            locks.advisory_lock(
                self.env.cr, provider._retail_key(), f"order:{self.external_id}"
            )
            return getattr(self, f"_threepl_{what}")()
        except Exception as exc:
            kind = errors.classify(exc)
            if kind == "transient":
                exc = provider._retail_retry_job(exc, label)
            elif kind != "permanent":
                raise
            done = {"cancel": "cancelled at", "update": "changed at"}.get(
                what, "sent to"
            )
            self._retail_export_failed(
                exc,
                message=f"{label} could not be {done} {provider.display_name}: {exc}",
                hint=self.env._(
                    "Correct the cause (delivery address, product SKU, provider "
                    "settings), then press Retry."
                ),
                res_model="stock.picking",
                res_id=self.odoo_id.id,
                remote_ref=self.external_id,
                job_uuid=self.env.context.get("job_uuid"),
            )
            return f"Failed: {exc}"

    def _threepl_on_job_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job hook: a job of this order failed for good."""
        for order in self.exists():
            order._retail_mark_error(exc_message or exc_name or "failed")
            order.backend_id._retail_raise_exception(
                flow="outbound",
                category="unexpected",
                message=f"The request of fulfilment order {order.external_id} "
                f"({order.odoo_id.name}) failed: {exc_message}",
                hint=self.env._(
                    "If the provider was unreachable, requeue the job once it is "
                    "back; otherwise send the job's traceback to your integrator."
                ),
                res_model="stock.picking",
                res_id=order.odoo_id.id,
                remote_ref=order.external_id,
            )

    def _threepl_send(self):
        """Send the fulfilment order once; the provider's duplicate is success."""
        picking = self.odoo_id
        if self.remote_state != "queued":
            return f"Already {self.remote_state}: nothing sent."
        if picking.state == "cancel" and self.kind == "receipt":
            self.write({"remote_state": "cancelled"})
            return "The receipt was cancelled before it was announced: nothing sent."
        if picking.state == "cancel":
            # cancelled before it was sent: an earlier attempt rolled back
            # may still have reached the provider, so it is told (a provider
            # that never received the order answers that it has none)
            self.write(
                {
                    "remote_state": "cancel_requested",
                    "cancel_message_id": str(uuid.uuid4()),
                }
            )
            return self._threepl_cancel()
        self.write({"send_attempted": True})
        if self.kind == "receipt":
            return self._threepl_send_receipt()
        answer = self.backend_id._threepl_adapter("send_order")(self)
        self.write(
            {
                "remote_state": "accepted",
                "accepted_at": fields.Datetime.now(),
                "sent_digest": self._threepl_digest(self._threepl_order_document()),
                **self._retail_synced_values(),
            }
        )
        picking.message_post(
            body=self.env._(
                "Fulfilment order %(ref)s accepted by %(provider)s%(again)s.",
                ref=self.external_id,
                provider=self.backend_id.display_name,
                again=self.env._(" (it already had it)")
                if answer.status == "already_accepted"
                else "",
            )
        )
        self.env["retail.event"]._release([wait_keys.make(ORDER_KEY, self.external_id)])
        if picking.state == "cancel":
            # cancelled in Odoo while the request was under way
            self._threepl_request_cancel()
        return f"Fulfilment order {self.external_id}: {answer.status}"

    def _threepl_send_receipt(self):
        """Announce the receipt (a receipt notice is sent again as is)."""
        self.backend_id._threepl_adapter("send_receipt")(self._threepl_receipt_notice())
        self.write(
            {
                "remote_state": "accepted",
                "accepted_at": fields.Datetime.now(),
                **self._retail_synced_values(),
            }
        )
        self.odoo_id.message_post(
            body=self.env._(
                "Receipt notice %(ref)s sent to %(provider)s.",
                ref=self.external_id,
                provider=self.backend_id.display_name,
            )
        )
        self.env["retail.event"]._release([wait_keys.make(ORDER_KEY, self.external_id)])
        return f"{self._threepl_label()}: announced"

    def _threepl_lines(self):
        """``(lines, sent_lines)`` of the picking's moves (see
        :meth:`_threepl_order_document`); a product without SKU raises."""
        picking = self.odoo_id
        lines, sent, missing_sku = [], {}, []
        for move in picking.move_ids.filtered(lambda m: m.state != "cancel"):
            sku = move.product_id.default_code
            if not sku:
                missing_sku.append(move.product_id.display_name)
                continue
            line_ref = str(move.id)
            sent[line_ref] = {
                "sku": sku,
                "product_id": move.product_id.id,
                "qty": move.product_qty,
            }
            lines.append(
                {
                    "line_ref": line_ref,
                    "sku": sku,
                    # in the product's unit: what comes back is read in it too
                    "qty": move.product_qty,
                    "uom": move.product_id.uom_id.name,
                    # a lot asked for: the one lot the delivery reserved
                    "lot": move.lot_ids.name if len(move.lot_ids) == 1 else None,
                }
            )
        if missing_sku:
            raise errors.MappingError(
                f"{picking.name}: products without an internal "
                f"reference (SKU): {', '.join(missing_sku)}.",
                hint=self.env._(
                    "Give these products the internal reference the provider "
                    "knows them by, then press Retry."
                ),
            )
        return lines, sent

    def _threepl_receipt_notice(self):
        """The :class:`~..services.contract.ReceiptNotice` of this receipt."""
        self.ensure_one()
        picking = self.odoo_id
        lines, sent = self._threepl_lines()
        document = contract.build(
            contract.ReceiptNotice,
            {
                "message_id": self.message_id,
                "receipt_ref": self.external_id,
                "po_ref": picking.origin or None,
                "warehouse_code": self.warehouse_id.code,
                "expected_date": picking.scheduled_date or None,
                "lines": [
                    {k: v for k, v in line.items() if k != "lot"} for line in lines
                ],
            },
            f"receipt notice {self.external_id} ({picking.name})",
            hint=self.env._("Correct %(path)s on the receipt, then press Retry."),
        )
        if self.sent_lines != sent:
            self.write({"sent_lines": sent})
        return document

    def _threepl_order_document(self):
        """The :class:`~..services.contract.FulfillmentOrder` of this order.

        A line's ``line_ref`` is its move's id, the same on every attempt;
        ``sent_lines`` keeps what was sent by ``line_ref``, for reading the
        provider's shipments.
        """
        self.ensure_one()
        picking = self.odoo_id
        provider = self.backend_id
        partner = picking.partner_id
        lines, sent = self._threepl_lines()
        carrier = picking.carrier_id
        data = {
            "message_id": self.message_id,
            "order_ref": self.external_id,
            "warehouse_code": self.warehouse_id.code,
            "order_date": picking.scheduled_date or fields.Datetime.now(),
            "ship_method": (provider._threepl_code_of_carrier(carrier) or carrier.name)
            if carrier
            else None,
            "ship_to": {
                "name": partner.name or "",
                "street": partner.street or "",
                "street2": partner.street2 or None,
                "city": partner.city or "",
                "zip": partner.zip or None,
                "state": partner.state_id.code or None,
                "country_code": partner.country_id.code or "",
                "email": partner.email or None,
                "phone": partner.phone or None,
            },
            "lines": lines,
            "notes": picking.note and html2plaintext(picking.note)[:2000] or None,
        }
        document = contract.build(
            contract.FulfillmentOrder,
            data,
            f"fulfilment order {self.external_id} ({picking.name})",
            hint=self.env._(
                "Correct %(path)s on the delivery or its partner, then press Retry."
            ),
        )
        if self.sent_lines != sent:
            self.write({"sent_lines": sent})
        return document

    def _threepl_validated(self, message, *, final, backorder, **values):
        """Record on the order that ``message`` validated its open picking:
        the rest is ``backorder`` (or nothing), ``final`` whether the
        provider sends nothing more; ``values`` add the message's own
        figures. The order follows the backorder, and is shipped (or
        received) when nothing is left or nothing more comes. Returns its
        new ``remote_state``."""
        self.ensure_one()
        values.update(
            final_received=self.final_received or final,
            last_message_at=max(
                filter(None, (self.last_message_at, message.occurred_at))
            ),
            remote_state="partial" if backorder and not final else "shipped",
            **self._retail_synced_values(),
        )
        if backorder:
            # the rest of the order: a later (or late) message applies to it
            values.update(
                odoo_id=backorder.id, picking_ids=[fields.Command.link(backorder.id)]
            )
        self.write(values)
        return values["remote_state"]

    @staticmethod
    def _threepl_digest(document):
        """What a change is compared on: the order without its message id,
        date or revision."""
        data = contract.dump(document)
        for key in ("message_id", "order_date", "revision"):
            data.pop(key, None)
        return hashlib.sha256(
            json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()

    def _threepl_request_update(self):
        """The delivery changed (address, carrier, lines, notes) after it was
        sent: queue the change, sent if the order still differs when the job
        runs. Only an order the provider has not started shipping."""
        for order in self:
            if (
                order.kind != "delivery"
                or order.remote_state != "accepted"
                or order.final_received
            ):
                continue
            if order.change_state != "to_send":
                order.write(
                    {"change_state": "to_send", "change_message_id": str(uuid.uuid4())}
                )
            order._threepl_queue("update")

    def _threepl_update(self):
        """Send the change of the order; the provider may refuse it once it
        has picked the order (a conflict saying what to do)."""
        if self.change_state != "to_send":
            return "No change to send."
        picking = self.odoo_id
        provider = self.backend_id
        if self.remote_state != "accepted" or self.final_received:
            self.write({"change_state": "refused"})
            raise errors.ConflictError(
                f"{picking.name} changed after {provider.display_name} started "
                f"shipping fulfilment order {self.external_id}: the change is "
                "not sent.",
                hint=self.env._(
                    "Ship what the change adds with a new delivery, or return "
                    "what it removes; then ignore this exception."
                ),
            )
        sent_lines = self.sent_lines
        try:
            document = self._threepl_order_document()
            digest = self._threepl_digest(document)
            if digest == self.sent_digest:
                self.write({"change_state": False, "change_message_id": False})
                return f"{self._threepl_label()}: unchanged, nothing sent."
            update = contract.build(
                contract.FulfillmentOrderUpdate,
                {
                    **contract.dump(document),
                    "message_id": self.change_message_id,
                    "revision": self.revision + 1,
                },
                f"change of fulfilment order {self.external_id} ({picking.name})",
            )
            answer = provider._threepl_adapter("update_order")(self, update)
        except Exception:
            # what the provider has is still what was sent before
            self.write({"sent_lines": sent_lines})
            raise
        if answer.status == "rejected":
            self.write({"change_state": "refused", "sent_lines": sent_lines})
            picking.message_post(
                body=self.env._(
                    "%(provider)s refused the change of fulfilment order %(ref)s: "
                    "%(reason)s",
                    provider=provider.display_name,
                    ref=self.external_id,
                    reason=answer.reason or self.env._("no reason given"),
                )
            )
            raise errors.ConflictError(
                f"{provider.display_name} refused the change of {picking.name} "
                f"(fulfilment order {self.external_id}): "
                f"{answer.reason or 'no reason given'}",
                hint=self.env._(
                    "The order ships as it was first sent. If the change matters, "
                    "ask the provider to stop the parcel, or ship what the change "
                    "adds with a new delivery; then ignore this exception."
                ),
            )
        self.write(
            {
                "revision": self.revision + 1,
                "sent_digest": digest,
                "change_state": False,
                "change_message_id": False,
                **self._retail_synced_values(),
            }
        )
        picking.message_post(
            body=self.env._(
                "Change of fulfilment order %(ref)s sent to %(provider)s "
                "(revision %(revision)s).",
                ref=self.external_id,
                provider=provider.display_name,
                revision=self.revision,
            )
        )
        return f"{self._threepl_label()}: change {self.revision} applied"

    def _threepl_request_cancel(self):
        """Ask the provider to cancel (the picking stays open until it does)."""
        for order in self:
            if order.remote_state not in AT_PROVIDER or order.remote_state == (
                "cancel_requested"
            ):
                continue
            order.write(
                {
                    "remote_state": "cancel_requested",
                    "cancel_message_id": str(uuid.uuid4()),
                }
            )
            order.odoo_id.message_post(
                body=order.env._(
                    "Cancel requested from %(provider)s: the delivery is cancelled "
                    "once the provider confirms.",
                    provider=order.backend_id.display_name,
                )
            )
            order._threepl_queue("cancel")

    def _threepl_cancel(self):
        if self.remote_state != "cancel_requested":
            return f"Already {self.remote_state}: no cancel sent."
        answer = self.backend_id._threepl_adapter("cancel_order")(self)
        return self._threepl_apply_cancel_answer(answer)

    def _threepl_apply_cancel_answer(self, answer):
        picking = self.odoo_id
        provider = self.backend_id
        if answer.status == "cancelled":
            self.write({"remote_state": "cancelled", **self._retail_synced_values()})
            picking.with_context(threepl_cancel_confirmed=True).action_cancel()
            picking.message_post(
                body=self.env._(
                    "%(provider)s cancelled fulfilment order %(ref)s.",
                    provider=provider.display_name,
                    ref=self.external_id,
                )
            )
            provider._retail_open_exceptions(
                [("remote_ref", "=", self.external_id), ("category", "=", "conflict")]
            )._resolve(self.env._("The provider cancelled the order."))
            return f"Fulfilment order {self.external_id} cancelled"
        reason = answer.reason or "no reason given"
        if answer.status == "partial":
            cancelled = self._threepl_reduce_demand(
                {line.line_ref: line.qty_cancelled for line in answer.lines}
            )
            state = "cancelled" if picking.state == "cancel" else "partial"
            self.write(
                {
                    "remote_state": state,
                    "cancel_reason": reason[:250],
                    **self._retail_synced_values(),
                }
            )
            if state == "partial":
                provider._retail_raise_exception(
                    flow="outbound",
                    category="conflict",
                    message=f"The provider cancelled only part of fulfilment order "
                    f"{self.external_id} ({picking.name}): {cancelled}; {reason}",
                    hint=self.env._(
                        "The rest of %(delivery)s ships and its confirmation "
                        "validates it. Tell the customer; if the goods are not "
                        "wanted, handle them as a return once delivered. Then "
                        "ignore this exception.",
                        delivery=picking.name,
                    ),
                    res_model="stock.picking",
                    res_id=picking.id,
                    remote_ref=self.external_id,
                )
            return f"Fulfilment order {self.external_id} partly cancelled"
        self.write(
            {
                "remote_state": "cancel_refused",
                "cancel_reason": reason[:250],
                **self._retail_synced_values(),
            }
        )
        picking.message_post(
            body=self.env._(
                "%(provider)s refused to cancel: %(reason)s",
                provider=provider.display_name,
                reason=reason,
            )
        )
        provider._retail_raise_exception(
            flow="outbound",
            category="remote_rejected",
            message=f"The provider refused to cancel fulfilment order "
            f"{self.external_id} ({picking.name}): {reason}",
            hint=self.env._(
                "The parcel of %(delivery)s is already picked and will ship: "
                "its confirmation validates the delivery. Tell the customer, or "
                "handle the goods as a return once delivered. Then ignore this "
                "exception.",
                delivery=picking.name,
            ),
            res_model="stock.picking",
            res_id=picking.id,
            remote_ref=self.external_id,
        )
        return f"Cancel of fulfilment order {self.external_id} refused"

    def _threepl_reduce_demand(self, cancelled_by_line):
        """Lower the open moves' demand by the quantities the provider
        cancelled (by line_ref); cancel the picking when nothing is left.
        Returns what was cancelled, in words."""
        picking = self.odoo_id
        sent = self.sent_lines or {}
        done = []
        for line_ref, qty in cancelled_by_line.items():
            line = sent.get(line_ref)
            if not line or qty <= 0:
                continue
            left = qty
            moves = picking.move_ids.filtered(
                lambda m, product=line["product_id"]: (
                    m.product_id.id == product and m.state not in ("done", "cancel")
                )
            )
            for move in moves:
                if left <= 0:
                    break
                take = min(left, move.product_uom_qty)
                if move.product_uom.compare(take, move.product_uom_qty) >= 0:
                    move._action_cancel()
                else:
                    move.product_uom_qty -= take
                left -= take
            done.append(f"{qty:g} x {line['sku']}")
        if all(m.state == "cancel" for m in picking.move_ids):
            picking.with_context(threepl_cancel_confirmed=True).action_cancel()
        return ", ".join(done) or "nothing"

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Send again what failed (the same request: never a second order)."""
        for order in self:
            order.backend_id._retail_check_remote_access()
            what = "cancel" if order.remote_state == "cancel_requested" else "send"
            order._threepl_queue(what)
        return True

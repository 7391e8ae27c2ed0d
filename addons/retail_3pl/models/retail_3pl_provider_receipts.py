from odoo import models

from odoo.addons.retail_connector_base.services import errors

from ..services.shipments import received_by_line


class Retail3plProviderReceipts(models.Model):
    """Inbound: ``receipt.confirmed``, the goods of an announced receipt put
    on the provider's shelves.

    The receipt is validated with the quantities received (lots and serial
    numbers as lots of one), without wizards. More than announced is an
    exception and nothing is applied; less leaves the rest in a backorder,
    and once the provider says the confirmation is final, an exception
    about the shortfall.
    """

    _inherit = "retail.3pl.provider"  # pylint: disable=consider-merging-classes-inherited

    def _threepl_handle_receipt_confirmed(self, event, message):
        confirmation = message.payload
        order = self._threepl_order_of(message, confirmation.receipt_ref, "receipt")
        picking = order.odoo_id
        if picking.state in ("done", "cancel"):
            raise errors.ConflictError(
                f"The confirmation of receipt {order.external_id} arrived when "
                f"nothing of it is open in Odoo ({picking.name} is {picking.state}).",
                hint=self.env._(
                    "The provider received more than Odoo expected: check with "
                    "the provider and the supplier, record the extra goods by "
                    "hand if they arrived, then ignore this exception."
                ),
                details={"remote_ref": f"receipt:{order.external_id}"},
            )
        received = received_by_line(
            confirmation,
            {ref: line["sku"] for ref, line in (order.sent_lines or {}).items()},
        )
        if not received:
            event._mark_ignored(
                f"The confirmation of receipt {order.external_id} receives nothing."
            )
            return picking
        final = confirmation.final or order.final_received
        try:
            backorder = self._threepl_validate(order, picking, received, final=final)
        except errors.ConflictError as exc:
            if not exc.details.get("over"):
                raise
            raise errors.ConflictError(
                f"Over-delivery: {exc}",
                hint=self.env._(
                    "The supplier delivered more than ordered: agree with the "
                    "supplier (return the extra goods, or add them to the "
                    "purchase and receive them by hand), then ignore this "
                    "exception."
                ),
                details={"remote_ref": f"receipt:{order.external_id}"},
            ) from exc
        order._threepl_validated(message, final=final, backorder=backorder)
        if backorder and final:
            missing = ", ".join(
                f"{move.product_uom_qty:g} x {move.product_id.default_code}"
                for move in backorder.move_ids
            )
            self._retail_raise_exception(
                flow="inbound",
                category="conflict",
                message=f"Under-delivery: receipt {order.external_id} "
                f"({picking.name}) was received short of {missing}; the rest is "
                f"in backorder {backorder.name}.",
                hint=self.env._(
                    "The provider received all it will of this receipt: ask the "
                    "supplier for the missing goods (they are announced again "
                    "with a new receipt) or cancel %(backorder)s, then ignore "
                    "this exception.",
                    backorder=backorder.name,
                ),
                res_model="stock.picking",
                res_id=backorder.id,
                remote_ref=order.external_id,
            )
        return picking

import logging

from odoo import models

from odoo.addons.retail_connector_base.services import errors, locks

from ..services.fulfillment_mapper import fulfillment_from_webhook, order_status_after

_logger = logging.getLogger(__name__)

OPEN_PICKING_EXCLUDED_STATES = ("done", "cancel")


class ShopifyBackendFulfillments(models.Model):
    """fulfillments/create and fulfillments/update, for the store backend.

    Odoo is the master of fulfilment: deliveries are validated in Odoo and
    the connector creates the Shopify fulfilments. What Shopify reports back
    is either the echo of such a fulfilment (its status and tracking are
    recorded), or a fulfilment someone made in Shopify, which may ship a
    parcel Odoo is about to ship too.

    The delivery itself is processed either way: what needs a person is
    recorded as a sync exception on the delivery, not linked to the event
    (an event processed successfully resolves its own exceptions). It stays
    open until the clerk ignores it or a later delivery of the same
    fulfilment settles it.
    """

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # inbound: fulfillments/create, fulfillments/update
    # ------------------------------------------------------------------
    def _shopify_handle_fulfillment(self, event):
        fulfillment = fulfillment_from_webhook(event._load_json())
        # serialised with the imports of the same order (same lock key)
        locks.advisory_lock(
            self.env.cr, self._retail_key(), f"order:{fulfillment.order_gid}"
        )
        binding = self.env["shopify.fulfillment"]._retail_get(self, fulfillment.gid)
        if binding:
            return self._shopify_fulfillment_echo(event, binding, fulfillment)
        order = self.env["shopify.sale.order"]._retail_get(self, fulfillment.order_gid)
        for remark in fulfillment.remarks:
            _logger.info("Shopify fulfilment %s: %s", fulfillment.label, remark)
            if order:
                order.odoo_id.message_post(
                    body=self.env._("Shopify delivery: %s", remark)
                )
        if not order:
            event._mark_ignored(
                f"Fulfilment {fulfillment.label} is for Shopify order "
                f"{fulfillment.order_gid}, which was not imported into Odoo."
            )
            return False
        return self._shopify_foreign_fulfillment(event, order, fulfillment)

    # ------------------------------------------------------------------
    # fulfilments created by Odoo
    # ------------------------------------------------------------------
    def _shopify_fulfillment_echo(self, event, binding, fulfillment):
        picking = binding.odoo_id
        if binding._retail_is_stale(fulfillment.updated_at):
            event._mark_ignored(
                f"A newer version of fulfilment {fulfillment.label} was already "
                "recorded."
            )
            return picking
        if not fulfillment.ships:
            if binding.remote_status == fulfillment.status:
                event._mark_ignored(
                    f"Fulfilment {fulfillment.label} is {fulfillment.status}: "
                    "this was already recorded."
                )
                return picking
            return self._shopify_own_fulfillment_voided(event, binding, fulfillment)
        values = {}
        if binding.remote_status != fulfillment.status:
            values["remote_status"] = fulfillment.status
        if (binding.tracking_number or None) != fulfillment.tracking_number:
            values["tracking_number"] = fulfillment.tracking_number or False
        if (binding.shipment_status or None) != fulfillment.shipment_status:
            values["shipment_status"] = fulfillment.shipment_status or False
        if not values:
            event._mark_ignored(
                f"Echo of fulfilment {fulfillment.label} sent by Odoo for "
                f"{picking.name}: status and tracking unchanged."
            )
            return picking
        if fulfillment.updated_at:
            values["external_updated_at"] = fulfillment.updated_at
        binding.write(values)
        return picking

    def _shopify_own_fulfillment_voided(self, event, binding, fulfillment):
        """Shopify cancelled (or failed) a fulfilment Odoo created."""
        picking = binding.odoo_id
        order_name = binding.order_binding_id.shopify_name
        what = (
            "was cancelled in Shopify"
            if fulfillment.status == "cancelled"
            else f"failed in Shopify (status {fulfillment.status})"
        )
        message = (
            f"Fulfilment {fulfillment.label} of Shopify order {order_name} {what}, "
            f"but delivery {picking.name} is done in Odoo."
        )
        binding.write(
            {
                "remote_status": fulfillment.status,
                "sync_state": "error",
                "last_error": message,
                "external_updated_at": fulfillment.updated_at
                or binding.external_updated_at,
            }
        )
        self._retail_raise_exception(
            flow="inbound",
            category="conflict",
            message=message,
            hint=self.env._(
                "Shopify no longer shows these items as shipped and may have told "
                "the customer so. If the parcel did leave, fulfil the order again "
                "in Shopify with the tracking number of %(delivery)s; if it did "
                "not leave or came back, return %(delivery)s in Odoo. Then ignore "
                "this exception.",
                delivery=picking.name,
            ),
            res_model="stock.picking",
            res_id=picking.id,
            remote_ref=fulfillment.gid,
            payload_excerpt=(event.payload or "")[:2000],
        )
        return picking

    # ------------------------------------------------------------------
    # fulfilments made in Shopify
    # ------------------------------------------------------------------
    def _shopify_foreign_fulfillment(self, event, order, fulfillment):
        sale = order.odoo_id
        sending = self.env["shopify.fulfillment"].search_count(
            [("order_binding_id", "=", order.id), ("sync_state", "=", "pending")]
        )
        if sending:
            # it may be the echo of a fulfilment Odoo is creating right now,
            # whose id is not recorded yet: look again once it is
            raise errors.LockContentionError(
                f"A delivery of Shopify order {order.shopify_name} is being sent "
                f"to Shopify; fulfilment {fulfillment.label} is checked again "
                "once it is recorded.",
                retry_after=30,
                hint="Nothing to do: the job retries automatically.",
            )
        if not fulfillment.ships:
            resolved = self._shopify_resolve_fulfillment_conflicts(
                fulfillment,
                self.env._(
                    "The fulfilment was %(status)s in Shopify.",
                    status=fulfillment.status,
                ),
            )
            if not resolved:
                event._mark_ignored(
                    f"Fulfilment {fulfillment.label} made in Shopify is "
                    f"{fulfillment.status}: nothing to do in Odoo."
                )
            return sale
        status = order_status_after(
            fulfillment, self._shopify_shipped_line_gids(sale), order.fulfillment_status
        )
        if status != order.fulfillment_status:
            order.write({"fulfillment_status": status})
        pickings = self._shopify_open_deliveries(sale, fulfillment)
        if not pickings:
            self._shopify_resolve_fulfillment_conflicts(
                fulfillment, self.env._("The delivery is done in Odoo.")
            )
            return sale
        names = ", ".join(pickings.mapped("name"))
        about = [f"fulfilment {fulfillment.label}"]
        if fulfillment.lines:
            about.append(f"{fulfillment.quantity} item(s)")
        if fulfillment.tracking_number:
            about.append(f"tracking {fulfillment.tracking_number}")
        self._retail_raise_exception(
            flow="inbound",
            category="conflict",
            message=(
                f"Shopify order {order.shopify_name} was fulfilled in Shopify "
                f"outside Odoo ({', '.join(about)}) while delivery "
                f"{names} of {sale.name} is still open in Odoo: the parcel may "
                "be shipped twice."
            ),
            hint=self.env._(
                "Validate the delivery %(delivery)s in Odoo if the parcel left, "
                "or cancel the fulfilment %(fulfillment)s in Shopify if it did "
                "not. Then ignore this exception.",
                delivery=names,
                fulfillment=fulfillment.label,
            ),
            res_model="stock.picking",
            res_id=pickings[0].id,
            remote_ref=fulfillment.gid,
            payload_excerpt=(event.payload or "")[:2000],
        )
        return sale

    def _shopify_shipped_line_gids(self, sale):
        """The order's Shopify line items still ordered (neither shipping
        lines nor lines an edit removed)."""
        return {
            line.shopify_line_gid
            for line in sale.order_line
            if (line.shopify_line_gid or "").startswith("gid://shopify/LineItem/")
            and line.product_uom_qty > 0
        }

    def _shopify_open_deliveries(self, sale, fulfillment):
        """Outgoing deliveries of ``sale`` that may ship what Shopify shipped."""
        pickings = sale.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.state not in OPEN_PICKING_EXCLUDED_STATES
            )
        )
        if not fulfillment.lines:
            return pickings
        shipped = fulfillment.line_gids
        return pickings.filtered(
            lambda p: any(
                move.sale_line_id.shopify_line_gid in shipped for move in p.move_ids
            )
        )

    def _shopify_resolve_fulfillment_conflicts(self, fulfillment, resolution):
        conflicts = self._retail_open_exceptions(
            [("category", "=", "conflict"), ("remote_ref", "=", fulfillment.gid)]
        )
        conflicts._resolve(resolution)
        return conflicts

    # ------------------------------------------------------------------
    # outbound: fulfilments of the deliveries done in Odoo
    # ------------------------------------------------------------------
    FULFILLMENT_BATCH = 20

    def _retail_export_fulfillments(self):
        """Create the Shopify fulfilments of the deliveries done in Odoo."""
        self.ensure_one()
        client = self._shopify_client()
        Fulfillment = self.env["shopify.fulfillment"]
        tracked = Fulfillment._retail_export_batch(
            self,
            [("sync_state", "=", "outdated")],
            lambda binding: binding._shopify_send_tracking(client),
            kind="fulfillments",
            batch_size=self.FULFILLMENT_BATCH,
            describe=lambda binding, exc: binding._shopify_tracking_not_sent(exc),
        )
        if tracked.interrupted:
            # Shopify stopped answering: the next job carries on
            return f"{tracked.sent} tracking numbers updated (interrupted, continued)"
        result = Fulfillment._retail_export_batch(
            self,
            [("sync_state", "=", "pending")],
            lambda binding: binding._shopify_send(client),
            kind="fulfillments",
            batch_size=self.FULFILLMENT_BATCH,
            describe=lambda binding, exc: binding._shopify_not_sent(exc),
        )
        return (
            f"{result.sent} of {result.total} deliveries fulfilled in Shopify, "
            f"{tracked.sent} tracking numbers updated"
            + (" (interrupted, continued)" if result.interrupted else "")
        )

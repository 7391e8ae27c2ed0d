from odoo import api, fields, models

from odoo.addons.retail_connector_base.services import errors, locks

from ..services.inventory import compare

#: SKUs named in an exception's message (the comparison lists them all)
MAX_NAMED_SKUS = 20


class Retail3plProviderInventory(models.Model):
    """Reconciliation: the provider's inventory compared with Odoo's stock.

    An ``inventory.snapshot`` message (pushed), or the inventory read by
    :meth:`_threepl_cron_pull_inventory` for providers without push, is
    compared per SKU with the quantities of the warehouse's stock, leaving
    out what is in flight (sent in fulfilment orders not confirmed as
    shipped). A difference within the provider's tolerance is adjusted in
    Odoo with a reason; above it, a sync exception lists the SKUs. A
    snapshot older than the warehouse's last comparison is ignored.
    """

    _inherit = "retail.3pl.provider"  # pylint: disable=consider-merging-classes-inherited

    inventory_pull = fields.Boolean(
        string="Read the inventory daily",
        help="For providers that do not send inventory snapshots: a cron reads "
        "the inventory of every operated warehouse and compares it.",
    )
    stock_check_ids = fields.One2many("retail.3pl.stock.check", "provider_id")

    # -- inbound -----------------------------------------------------------
    def _threepl_handle_inventory_snapshot(self, event, message):
        warehouse = self._threepl_warehouse(message.warehouse_code)
        check = self._threepl_compare_inventory(warehouse, message.payload, "push")
        if not check:
            event._mark_ignored(
                f"Inventory of {warehouse.code} as of {message.payload.as_of} is "
                "older than the last comparison."
            )
        return check

    # -- pull ----------------------------------------------------------------
    @api.model
    def _threepl_cron_pull_inventory(self):
        providers = self.search(
            [("state", "=", "active"), ("inventory_pull", "=", True)]
        )
        for provider in providers:
            for warehouse in provider.warehouse_ids:
                provider.with_delay(
                    identity_key=f"retail.3pl.inventory:{provider.id}:{warehouse.id}",
                    description=self.env._(
                        "Read the inventory of %(warehouse)s from %(provider)s",
                        warehouse=warehouse.code,
                        provider=provider.display_name,
                    ),
                    **provider._retail_job_options("reconcile"),
                )._threepl_pull_inventory_job(warehouse.id)

    def action_pull_inventory(self):
        """Read and compare the inventory of every operated warehouse now."""
        self.ensure_one()
        self._retail_check_remote_access()
        checks = self.env["retail.3pl.stock.check"]
        for warehouse in self.warehouse_ids:
            inventory = self._threepl_adapter("fetch_inventory")(warehouse)
            checks |= self._threepl_compare_inventory(warehouse, inventory, "pull")
        return self.action_open_stock_checks()

    def _threepl_pull_inventory_job(self, warehouse_id):
        """Read and compare one warehouse's inventory (queued job)."""
        self.ensure_one()
        warehouse = self.warehouse_ids.filtered(lambda w: w.id == warehouse_id)
        if not warehouse:
            return "The provider no longer operates this warehouse."
        try:
            inventory = self._threepl_adapter("fetch_inventory")(warehouse)
        except Exception as exc:
            kind = errors.classify(exc)
            if kind == "transient":
                exc = self._retail_retry_job(
                    exc, f"The inventory of {warehouse.code} from {self.display_name}"
                )
            elif kind != "permanent":
                raise
            self._retail_raise_exception(
                flow="reconciliation",
                category=exc.category,
                message=f"The inventory of {warehouse.code} could not be read from "
                f"{self.display_name}: {exc}",
                hint=self.env._("Correct the cause, then press Retry."),
                job_uuid=self.env.context.get("job_uuid"),
            )
            return f"Failed: {exc}"
        check = self._threepl_compare_inventory(warehouse, inventory, "pull")
        return f"{warehouse.code}: {check.state if check else 'older than the last'}"

    # -- comparing -------------------------------------------------------------
    def _threepl_in_flight(self, warehouse):
        """Quantities by product sent in fulfilment orders not confirmed as
        shipped (their open delivery's moves)."""
        orders = self.env["retail.3pl.picking"].search(
            [
                ("backend_id", "=", self.id),
                ("warehouse_id", "=", warehouse.id),
                ("kind", "=", "delivery"),
                (
                    "remote_state",
                    "in",
                    ("accepted", "partial", "cancel_requested", "cancel_refused"),
                ),
            ]
        )
        quantities = {}
        for move in orders.odoo_id.move_ids:
            if move.state not in ("done", "cancel"):
                quantities[move.product_id] = (
                    quantities.get(move.product_id, 0.0) + move.product_qty
                )
        return quantities

    def _threepl_compare_inventory(self, warehouse, inventory, source):
        """Compare ``inventory`` (snapshot or answer) with Odoo; the check
        made, or empty when an as recent comparison exists."""
        self.ensure_one()
        locks.advisory_lock(self.env.cr, self._retail_key(), f"stock:{warehouse.id}")
        last = warehouse.threepl_last_check_id
        if last and inventory.as_of <= last.as_of:
            return self.env["retail.3pl.stock.check"]
        provider_qty = {item.sku: item.on_hand for item in inventory.items}
        Product = self.env["product.product"].with_context(active_test=False)
        products = Product.search(
            [
                ("default_code", "in", list(provider_qty)),
                ("company_id", "in", (False, self.company_id.id)),
            ]
        )
        stock = warehouse.lot_stock_id
        groups = self.env["stock.quant"]._read_group(
            [
                ("location_id", "child_of", stock.id),
                ("product_id.default_code", "!=", False),
            ],
            ["product_id"],
            ["quantity:sum"],
        )
        held = dict(groups)
        by_sku = {p.default_code: p for p in products}
        by_sku.update({p.default_code: p for p in held})
        odoo_qty = {p.default_code: qty for p, qty in held.items()}
        in_flight = {
            p.default_code: qty
            for p, qty in self._threepl_in_flight(warehouse).items()
            if p.default_code
        }
        differences = compare(
            odoo_qty, provider_qty, in_flight, self.stock_tolerance, known=set(by_sku)
        )
        counts = {"matched": 0, "adjusted": 0, "exception": 0}
        lines, adjustments = [], []
        for diff in differences:
            product = by_sku.get(diff.sku)
            outcome = diff.outcome
            if outcome == "adjusted" and product.tracking != "none":
                outcome = "exception"  # lots are adjusted by hand
            counts["exception" if outcome == "unknown" else outcome] += 1
            if outcome == "matched":
                continue
            if outcome == "adjusted":
                adjustments.append((product, diff.unexplained))
            lines.append(
                {
                    "sku": diff.sku,
                    "product_id": product.id if product else False,
                    "odoo_qty": diff.odoo_qty,
                    "provider_qty": diff.provider_qty,
                    "in_flight_qty": diff.in_flight,
                    "unexplained_qty": diff.unexplained,
                    "outcome": outcome,
                }
            )
        self._threepl_adjust(stock, adjustments, inventory.as_of)
        state = (
            "exception"
            if counts["exception"]
            else ("adjusted" if counts["adjusted"] else "matched")
        )
        check = self.env["retail.3pl.stock.check"].create(
            {
                "provider_id": self.id,
                "warehouse_id": warehouse.id,
                "as_of": inventory.as_of,
                "source": source,
                "state": state,
                "sku_count": len(differences),
                "matched_count": counts["matched"],
                "adjusted_count": counts["adjusted"],
                "exception_count": counts["exception"],
                "line_ids": [fields.Command.create(values) for values in lines],
            }
        )
        warehouse.sudo().threepl_last_check_id = check
        drifted = [line for line in lines if line["outcome"] != "adjusted"]
        if drifted:
            named = ", ".join(
                f"{line['sku']} ({line['unexplained_qty']:+g})"
                if line["outcome"] == "exception"
                else f"{line['sku']} (unknown in Odoo)"
                for line in drifted[:MAX_NAMED_SKUS]
            )
            more = len(drifted) - MAX_NAMED_SKUS
            self._retail_raise_exception(
                flow="reconciliation",
                category="stock_drift",
                message=f"The stock of {warehouse.code} at {self.display_name} "
                f"differs from Odoo's beyond the tolerance for {len(drifted)} "
                f"SKU(s): {named}" + (f" and {more} more" if more > 0 else ""),
                hint=self.env._(
                    "Count these SKUs with the provider (the comparison of "
                    "%(when)s lists them all), correct the stock in Odoo with an "
                    "inventory adjustment or ask the provider to correct its own, "
                    "then ignore this exception.",
                    when=inventory.as_of,
                ),
                res_model="retail.3pl.stock.check",
                res_id=check.id,
                remote_ref=f"stock:{warehouse.code}",
            )
        return check

    def _threepl_adjust(self, location, adjustments, as_of):
        """Move Odoo's stock by the unexplained differences: ``adjustments``
        are ``(product, difference)`` pairs, one per product; their
        inventory moves are made and done together."""
        if not adjustments:
            return
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        products = self.env["product.product"].concat(*(p for p, _d in adjustments))
        current = {}
        # the quant without lot, package or owner an adjustment applies to
        for quant in Quant.search(
            [
                ("product_id", "in", products.ids),
                ("location_id", "=", location.id),
                ("lot_id", "=", False),
                ("package_id", "=", False),
                ("owner_id", "=", False),
            ],
            order="id",
        ):
            current.setdefault(quant.product_id, quant.quantity)
        reason = self.env._(
            "3PL inventory of %(provider)s as of %(when)s",
            provider=self.display_name,
            when=as_of,
        )
        quants = Quant.create(
            [
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "inventory_quantity": current.get(product, 0.0) + difference,
                }
                for product, difference in adjustments
            ]
        )
        quants.with_context(inventory_name=reason)._apply_inventory()

    def action_open_stock_checks(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Stock comparisons"),
            "res_model": "retail.3pl.stock.check",
            "view_mode": "list,form",
            "domain": [("provider_id", "=", self.id)],
        }

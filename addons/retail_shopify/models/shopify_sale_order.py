import logging

import psycopg2

from odoo import api, fields, models
from odoo.tools import float_compare

from odoo.addons.retail_connector_base.services import errors, locks, money, wait_keys
from odoo.addons.retail_connector_base.services.quiet_sql import (
    expected_unique_violation,
)

from ..services.graphql_client import admin_url

_logger = logging.getLogger(__name__)

DONE_PICKING_STATES = ("done",)


class ShopifySaleOrder(models.Model):
    """A Shopify order and the Odoo sale order it became."""

    _name = "shopify.sale.order"
    _inherit = "retail.binding.mixin"
    _description = "Shopify Order Binding"
    _rec_name = "shopify_name"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    odoo_id = fields.Many2one(
        "sale.order", string="Sale order", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company",
        related="backend_id.company_id",
        store=True,
        index=True,
        precompute=True,
    )
    shopify_name = fields.Char(string="Shopify order", readonly=True)
    financial_status = fields.Char(readonly=True)
    fulfillment_status = fields.Char(readonly=True)
    shopify_created_at = fields.Datetime(
        string="Created in Shopify",
        readonly=True,
        help="When the order was placed in Shopify: the order flow lag is "
        "counted from it to the confirmation of the sale order.",
    )
    admin_url = fields.Char(string="Shopify admin", compute="_compute_admin_url")

    @api.depends("external_id", "backend_id.shop_domain")
    def _compute_admin_url(self):
        for binding in self:
            binding.admin_url = (
                admin_url(binding.backend_id.shop_domain, binding.external_id) or False
            )

    # ------------------------------------------------------------------
    # import
    # ------------------------------------------------------------------
    @api.model
    def _import_order(self, backend, order, payload, event=None):
        """Create or update the sale order of a canonical Shopify order.

        Idempotent: an advisory lock per order serialises concurrent
        deliveries, the binding's unique constraint is the last line, stale
        and unchanged versions are ignored.
        """
        locks.advisory_lock(self.env.cr, backend._retail_key(), f"order:{order.gid}")
        Binding = self._retail_importing().sudo()

        def ignore(reason):
            if event:
                event._mark_ignored(reason)
            else:
                _logger.info("Shopify order %s: %s", order.name, reason)

        binding = Binding._retail_get(backend, order.gid)
        if binding:
            if binding._retail_is_stale(order.updated_at):
                ignore("A newer version of this order was already applied.")
                return binding.odoo_id
            if binding._retail_is_unchanged(payload):
                ignore("Same content as the version already applied.")
                return binding.odoo_id
            return binding._apply_update(order, payload, ignore)
        if order.is_cancelled:
            ignore("The order was cancelled before it was imported.")
            return False
        if order.financial_status not in backend._shopify_financial_statuses():
            ignore(
                f"Financial status {order.financial_status!r} is not imported by "
                f"the backend's policy ({backend.import_financial_statuses})."
            )
            return False
        # one savepoint (and one flush) for the order, its binding and its
        # confirmation: a failure leaves nothing of the order behind
        with self.env.cr.savepoint():
            sale = Binding.env["sale.order"].create(
                Binding._prepare_sale_order(backend, order)
            )
            Binding._check_totals(sale, order)
            try:
                with expected_unique_violation():
                    Binding._retail_bind(
                        backend,
                        order.gid,
                        sale,
                        payload,
                        order.updated_at,
                        values={
                            "shopify_name": order.name,
                            "shopify_created_at": order.created_at,
                            "financial_status": order.financial_status,
                            "fulfillment_status": order.fulfillment_status,
                        },
                    )
            except psycopg2.errors.UniqueViolation as exc:
                # another worker imported the order after this transaction
                # began: its binding is invisible here but the unique index
                # saw it
                raise errors.LockContentionError(
                    f"Shopify order {order.name} was imported by another worker "
                    "at the same time; this delivery is processed again.",
                    retry_after=2,
                    hint="Nothing to do: the job retries automatically.",
                ) from exc
            for remark in order.remarks:
                sale.message_post(body=self.env._("Shopify delivery: %s", remark))
            if backend.auto_confirm and order.financial_status in ("paid",):
                sale.action_confirm()
        # refunds that arrived before their order are applied now
        self.env["retail.event"]._release([wait_keys.make("order", order.gid)])
        return sale

    def _apply_update(self, order, payload, ignore):
        """Apply a newer version of an imported order."""
        self.ensure_one()
        sale = self.odoo_id
        delivered = sale.picking_ids.filtered(lambda p: p.state in DONE_PICKING_STATES)
        if order.is_cancelled:
            if sale.state == "cancel":
                ignore("The order is already cancelled.")
            elif delivered:
                raise errors.ConflictError(
                    f"Shopify order {order.name} was cancelled but {sale.name} has "
                    "already shipped.",
                    hint="Create the return and the credit note by hand, or ask "
                    "the customer; then ignore this exception.",
                    details={
                        "remote_ref": order.gid,
                        "res_model": "sale.order",
                        "res_id": sale.id,
                    },
                )
            else:
                sale.with_context(disable_cancel_warning=True)._action_cancel()
        else:
            self._update_lines(sale, order, delivered)
            if (
                self.backend_id.auto_confirm
                and sale.state == "draft"
                and order.financial_status == "paid"
            ):
                sale.action_confirm()
        self._retail_bind(
            self.backend_id,
            order.gid,
            sale,
            payload,
            order.updated_at,
            values={
                "financial_status": order.financial_status,
                "fulfillment_status": order.fulfillment_status,
            },
        )
        return sale

    def _update_lines(self, sale, order, delivered):
        """Edits: quantities of undelivered lines follow Shopify."""
        by_gid = {
            line.shopify_line_gid: line
            for line in sale.order_line
            if line.shopify_line_gid
        }
        conflicts = []
        # the products of the lines added by the edit, looked up together
        added = (
            []
            if delivered
            else [line for line in order.lines if line.gid not in by_gid]
        )
        products = dict(zip(added, self._products(self.backend_id, added), strict=True))
        taxes = {}
        for line in order.lines:
            odoo_line = by_gid.get(line.gid)
            if odoo_line is None:
                if delivered:
                    conflicts.append(line.title)
                    continue
                values = self._prepare_line(
                    self.backend_id, order, line, products[line], taxes
                )
                sale.write({"order_line": [(0, 0, values)]})
                continue
            # units cancelled by Shopify refunds were taken off the Odoo line
            # while Shopify keeps them in the line's quantity
            quantity = line.quantity - sum(
                odoo_line.sudo().shopify_refund_line_ids.mapped("qty_cancelled")
            )
            if float_compare(odoo_line.product_uom_qty, quantity, precision_digits=3):
                if odoo_line.qty_delivered > quantity:
                    conflicts.append(line.title)
                    continue
                odoo_line.product_uom_qty = quantity
        if conflicts:
            raise errors.ConflictError(
                f"Shopify order {order.name} was edited after shipping: "
                f"{', '.join(conflicts)}.",
                hint="Adjust the delivery and the invoice by hand, then ignore "
                "this exception.",
                details={
                    "remote_ref": order.gid,
                    "res_model": "sale.order",
                    "res_id": sale.id,
                },
            )

    # ------------------------------------------------------------------
    # mapping
    # ------------------------------------------------------------------
    @api.model
    def _prepare_sale_order(self, backend, order):
        partner, invoice, shipping = self._partners(backend, order)
        values = {
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": shipping.id,
            "company_id": backend.company_id.id,
            "client_order_ref": order.name,
            "origin": f"Shopify {order.name}",
            "date_order": order.processed_at or order.created_at,
            "pricelist_id": self._pricelist(backend, order).id or False,
            "note": order.note or False,
            "order_line": [],
        }
        if backend.team_id:
            values["team_id"] = backend.team_id.id
        if backend.user_id:
            values["user_id"] = backend.user_id.id
        warehouse = backend.warehouse_id
        if warehouse:
            values["warehouse_id"] = warehouse.id
        products = self._products(backend, order.lines)
        missing = [
            line
            for line, product in zip(order.lines, products, strict=True)
            if not product
        ]
        if missing:
            skus = ", ".join(
                f"{line.title} (SKU {line.sku or 'none'})" for line in missing
            )
            raise errors.MappingError(
                f"Shopify order {order.name} is held: no Odoo product for {skus}.",
                hint="Give the Odoo product the same Internal Reference (SKU) or "
                "barcode, or link the Shopify variant to it; the order is "
                "imported automatically once every product is linked.",
                details={"remote_ref": order.gid},
                waits_for=[
                    key
                    for line in missing
                    for key in (
                        *wait_keys.product_keys(sku=line.sku),
                        wait_keys.make("shopify-variant", line.variant_gid),
                    )
                ],
            )
        taxes = {}  # the Odoo tax of each Shopify tax of the order, found once
        for line, product in zip(order.lines, products, strict=True):
            values["order_line"].append(
                (0, 0, self._prepare_line(backend, order, line, product, taxes))
            )
        for shipping_line in order.shipping_lines:
            values["order_line"].append(
                (
                    0,
                    0,
                    self._prepare_shipping_line(backend, order, shipping_line, taxes),
                )
            )
        if order.unallocated_discount:
            values["order_line"].append(
                (0, 0, self._prepare_unallocated_discount_line(backend, order))
            )
        return values

    @api.model
    def _prepare_unallocated_discount_line(self, backend, order):
        amount = order.unallocated_discount
        if not backend.discount_product_id:
            raise errors.MappingError(
                f"Shopify order {order.name} has a discount of {amount} "
                f"{order.currency} allocated to none of its lines, and backend "
                f"{backend.display_name} has no discount product.",
                hint="Set the discount product on the backend, then press Retry.",
                details={"remote_ref": order.gid},
            )
        return {
            "product_id": backend.discount_product_id.id,
            "name": self.env._("Discount of the Shopify order not allocated to lines"),
            "product_uom_qty": 1,
            "price_unit": -float(amount),
            "tax_ids": [(6, 0, [])],
        }

    @api.model
    def _product(self, backend, line):
        """The variant's linked product, else the product with the line's SKU
        as Internal Reference or as barcode."""
        return self._products(backend, [line])[0]

    @api.model
    def _products(self, backend, lines):
        """:meth:`_product` of each line, in order (empty when none).

        One search for the links of the lines' variants, one for the SKUs of
        the lines without a linked variant (as Internal Reference or barcode).
        """
        linked = {}
        gids = sorted({line.variant_gid for line in lines if line.variant_gid})
        if gids:
            Variant = self.env["shopify.product.variant"].with_context(
                active_test=False
            )
            for binding in Variant.search_fetch(
                [("backend_id", "=", backend.id), ("external_id", "in", gids)],
                ["external_id", "odoo_id"],
                order="id",
            ):
                linked.setdefault(binding.external_id, binding.odoo_id)
        unlinked = [line for line in lines if line.variant_gid not in linked]
        matched = iter(
            self.env["retail.import.helper"]._retail_match_products(
                backend.company_id, [(line.sku, line.sku) for line in unlinked]
            )
        )
        return [
            linked[line.variant_gid] if line.variant_gid in linked else next(matched)
            for line in lines
        ]

    @api.model
    def _prepare_line(self, backend, order, line, product=None, tax_cache=None):
        """Sale order line values of a Shopify line; ``product`` is the
        line's (looked up when not given), ``tax_cache`` as in :meth:`_taxes`."""
        if product is None:
            product = self._product(backend, line)
        taxes = self._taxes(backend, order, line.tax_lines, line.title, tax_cache)
        gross = line.unit_price * line.quantity
        discount = (
            float((line.total_discount / gross) * 100)
            if gross and line.total_discount
            else 0.0
        )
        return {
            "product_id": product.id,
            "name": line.title
            + (f" - {line.variant_title}" if line.variant_title else ""),
            "product_uom_qty": line.quantity,
            "price_unit": float(line.unit_price),
            "discount": discount,
            "tax_ids": [(6, 0, taxes.ids)],
            "shopify_line_gid": line.gid,
        }

    @api.model
    def _prepare_shipping_line(self, backend, order, shipping_line, tax_cache=None):
        if not backend.shipping_product_id:
            raise errors.MappingError(
                f"Shopify order {order.name} has shipping but backend "
                f"{backend.display_name} has no shipping product.",
                hint="Set the shipping product on the backend, then press Retry.",
                details={"remote_ref": order.gid},
            )
        taxes = self._taxes(
            backend, order, shipping_line.tax_lines, shipping_line.title, tax_cache
        )
        price = shipping_line.price
        discount = (
            float(shipping_line.total_discount / price * 100)
            if price and shipping_line.total_discount
            else 0.0
        )
        return {
            "product_id": backend.shipping_product_id.id,
            "name": shipping_line.title or backend.shipping_product_id.name,
            "product_uom_qty": 1,
            "price_unit": float(price),
            "discount": discount,
            "tax_ids": [(6, 0, taxes.ids)],
            "shopify_line_gid": shipping_line.gid,
        }

    @api.model
    def _taxes(self, backend, order, tax_lines, what, cache=None):
        """The Odoo taxes of Shopify tax lines, through the tax mapping.

        ``cache`` (a dict kept for one order) holds the Odoo tax of each
        Shopify tax (title and rate) already found: the lines of an order
        charging the same tax look it up once.
        """
        cache = {} if cache is None else cache
        taxes = self.env["account.tax"]
        for tax_line in tax_lines:
            if not tax_line.rate and not tax_line.amount:
                continue
            key = (tax_line.title, tax_line.rate, bool(order.taxes_included))
            if key not in cache:
                cache[key] = backend.tax_mapping_ids._retail_find_tax(
                    backend,
                    tax_line.title,
                    tax_line.rate,
                    order.taxes_included,
                    subject=f"Shopify order {order.name}",
                    what=what,
                    details={"remote_ref": order.gid},
                )
            taxes |= cache[key]
        return taxes

    @api.model
    def _pricelist(self, backend, order):
        return self.env["retail.import.helper"]._retail_pricelist(
            backend.company_id,
            order.currency,
            preferred=backend.pricelist_id,
            subject=f"Shopify order {order.name}",
            details={"remote_ref": order.gid},
        )

    @api.model
    def _partners(self, backend, order):
        """Customer (matched by email, then phone), invoice and delivery."""
        customer = order.customer
        email = (customer.email if customer else None) or order.email
        phone = (customer.phone if customer else None) or order.phone
        partner = self.env["retail.import.helper"]._retail_match_partner(
            backend.company_id, email=email, phone=phone
        )
        lookups = {}  # countries and states of the order's addresses, found once
        if not partner:
            address = order.billing_address or order.shipping_address
            name = (
                " ".join(
                    part
                    for part in (
                        (customer.first_name if customer else None)
                        or (address.first_name if address else None),
                        (customer.last_name if customer else None)
                        or (address.last_name if address else None),
                    )
                    if part
                )
                or email
                or f"Shopify customer {order.name}"
            )
            partner = self.env["res.partner"].create(
                dict(
                    self._address_values(address, lookups) if address else {},
                    name=name,
                    email=email or False,
                    phone=phone or False,
                    customer_rank=1,
                )
            )
        invoice = self._address_partner(
            partner, order.billing_address, "invoice", lookups
        )
        shipping = self._address_partner(
            partner, order.shipping_address, "delivery", lookups
        )
        return partner, invoice, shipping

    @api.model
    def _address_values(self, address, lookups=None):
        return self.env["retail.import.helper"]._retail_address_values(
            street=address.address1,
            street2=address.address2,
            city=address.city,
            zip_code=address.zip,
            country_code=address.country_code,
            state_code=address.province_code,
            lookups=lookups,
        )

    @api.model
    def _address_partner(self, partner, address, kind, lookups=None):
        if not address:
            return partner
        return self.env["retail.import.helper"]._retail_address_contact(
            partner,
            self._address_values(address, lookups),
            kind,
            name=address.name,
            phone=address.phone,
        )

    @api.model
    def _check_totals(self, sale, order):
        """An order whose total differs from Shopify's is not kept.

        Shopify rounds every tax line of every order line on its own; Odoo
        rounds the taxes of a line together. That may move the total by at
        most one cent per Shopify tax line: such a difference is accepted and
        written on the order; anything larger means a wrong mapping.
        """
        rounding = sale.currency_id.rounding
        difference = money.rounded_difference(
            sale.amount_total, order.total_price, rounding
        )
        if not difference:
            return
        tax_lines = sum(len(line.tax_lines) for line in order.lines) + sum(
            len(line.tax_lines) for line in order.shipping_lines
        )
        expected = float(order.total_price)
        if money.within_tolerance(
            sale.amount_total, order.total_price, tax_lines, rounding
        ):
            sale.message_post(
                body=self.env._(
                    "Shopify total %(expected).2f %(currency)s; the Odoo total "
                    "differs by %(difference).2f because Shopify rounds each tax "
                    "line separately.",
                    expected=expected,
                    currency=order.currency,
                    difference=float(difference),
                )
            )
            return
        raise errors.PayloadValidationError(
            f"Shopify order {order.name}: the Odoo total {sale.amount_total:.2f} "
            f"differs from Shopify's {expected:.2f} {order.currency}.",
            hint="Check the tax mapping (rates and 'included in price') and the "
            "rounding method of the company, then press Retry.",
            details={"remote_ref": order.gid},
        )

    def action_open_shopify(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.admin_url, "target": "new"}

import json
import logging
from collections import defaultdict
from decimal import Decimal

import psycopg2

from odoo import Command, api, fields, models
from odoo.tools import float_compare

from odoo.addons.retail_connector_base.models.retail_binding_mixin import (
    payload_hash,
)
from odoo.addons.retail_connector_base.services import errors, locks, money, wait_keys
from odoo.addons.retail_connector_base.services.quiet_sql import (
    expected_unique_violation,
)

from ..services import refunds, webhooks
from ..services.graphql_client import admin_url

_logger = logging.getLogger(__name__)

ORDER_TOPICS = (
    *sorted(topic for topic, handler in webhooks.TOPICS.items() if handler == "order"),
    webhooks.POLLED_ORDER_TOPIC,
)


class ShopifyRefund(models.Model):
    """A refund made in Shopify and what it became in Odoo.

    A refund gives money back for some units of an imported order (and
    possibly its shipping). Depending on the store's refund policy the
    connector makes a credit note from the sale order, a return of the
    shipped units and takes the units not shipped yet off the order; or it
    only records the refund and asks a person to handle it.
    """

    _name = "shopify.refund"
    _inherit = "retail.binding.mixin"
    _description = "Shopify Refund"
    _order = "refunded_at desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True, index=True
    )
    order_binding_id = fields.Many2one(
        "shopify.sale.order",
        string="Shopify order",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        related="order_binding_id.odoo_id",
        store=True,
        index=True,
        string="Sale order",
    )
    odoo_id = fields.Many2one(
        "account.move",
        string="Credit note",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    credit_note_state = fields.Selection(related="odoo_id.state", string="Status")
    invoice_id = fields.Many2one(
        "account.move",
        string="Invoice made first",
        ondelete="set null",
        readonly=True,
        copy=False,
        help="The order was not invoiced yet when the refund came: the "
        "connector invoiced it before crediting the refunded part.",
    )
    return_picking_ids = fields.Many2many(
        "stock.picking",
        "shopify_refund_stock_picking_rel",
        "refund_id",
        "picking_id",
        string="Returns",
        readonly=True,
        copy=False,
    )
    return_count = fields.Integer(compute="_compute_return_count")
    line_ids = fields.One2many(
        "shopify.refund.line", "refund_id", string="Refunded lines", readonly=True
    )
    currency_id = fields.Many2one(related="sale_order_id.currency_id")
    refunded_at = fields.Datetime(string="Refunded on", readonly=True)
    note = fields.Text(string="Shopify note", readonly=True)
    policy = fields.Selection(
        refunds.POLICIES,
        string="Applied policy",
        readonly=True,
        help="The store's refund policy when the refund was processed.",
    )
    state = fields.Selection(
        [("done", "Applied"), ("manual", "To handle by hand")],
        default="done",
        required=True,
        readonly=True,
        index=True,
    )
    amount_total = fields.Monetary(
        string="Refunded",
        readonly=True,
        help="Lines and shipping refunded in Shopify, taxes included, in the "
        "order's currency: the credit note totals this.",
    )
    amount_shipping = fields.Monetary(string="Shipping refunded", readonly=True)
    transactions_amount = fields.Float(
        string="Money sent back",
        readonly=True,
        help="Sum of the successful refund transactions, in the currency the "
        "customer paid with.",
    )
    transactions_currency = fields.Char(string="Paid back in", readonly=True)
    summary = fields.Text(string="What was done", readonly=True)

    @api.depends("external_id", "order_binding_id.shopify_name")
    def _compute_name(self):
        for refund in self:
            number = (refund.external_id or "").rsplit("/", 1)[-1]
            refund.name = self.env._(
                "%(order)s refund %(number)s",
                order=refund.order_binding_id.shopify_name or "",
                number=number,
            ).strip()

    @api.depends("return_picking_ids")
    def _compute_return_count(self):
        for refund in self:
            refund.return_count = len(refund.return_picking_ids)

    # ------------------------------------------------------------------
    # import
    # ------------------------------------------------------------------
    @api.model
    def _import_refund(self, backend, refund, payload, event=None):
        """Apply a canonical Shopify refund to its imported order.

        Idempotent: advisory locks per refund and per order serialise
        concurrent deliveries (and the order's own updates), the binding's
        unique constraint is the last line; a refund already applied is
        ignored.
        """
        key = backend._retail_key()
        locks.advisory_lock(self.env.cr, key, f"refund:{refund.gid}")
        locks.advisory_lock(self.env.cr, key, f"order:{refund.order_gid}")
        Refund = self._retail_importing().sudo()
        label = f"{refund.legacy_id or refund.gid}"

        def ignore(reason):
            if event:
                event._mark_ignored(reason)
            else:
                _logger.info("Shopify refund %s: %s", label, reason)

        existing = Refund._retail_get(backend, refund.gid)
        if existing:
            ignore(f"Refund already recorded as {existing.name}.")
            return existing
        order_binding = (
            self.env["shopify.sale.order"].sudo()._retail_get(backend, refund.order_gid)
        )
        if not order_binding:
            Refund._raise_missing_order(backend, refund, label)
        sale = order_binding.odoo_id
        if sale.state == "cancel":
            ignore(f"Sale order {sale.name} is cancelled: nothing to credit or return.")
            return False
        gives_back = refund.lines or refund.shipping_amount or refund.shipping_tax
        if not gives_back and not refund.transactions_total:
            ignore("The refund gives back neither items, shipping nor money.")
            return False
        lines = Refund._refund_line_values(backend, order_binding, refund, label)
        policy, reason = refunds.effective_policy(
            backend.refund_policy, confirmed=sale.state == "sale", has_lines=bool(lines)
        )
        plans = (
            {}
            if policy == refunds.POLICY_RECORD
            else Refund._plan(order_binding, refund, lines, policy, label)
        )
        for vals in lines:
            plan = plans.get(vals["sequence"])
            if plan:
                vals.update(
                    qty_cancelled=plan.cancel,
                    qty_returned=plan.ret,
                    qty_kept=plan.kept,
                )
        values = {
            "backend_id": backend.id,
            "external_id": refund.gid,
            "order_binding_id": order_binding.id,
            "refunded_at": refund.created_at,
            "note": refund.note or False,
            "policy": policy,
            "state": "manual" if policy == refunds.POLICY_RECORD else "done",
            "amount_total": float(Refund._expected_total(order_binding, lines)),
            "amount_shipping": float(refund.shipping_amount),
            "transactions_amount": float(refund.transactions_total),
            "transactions_currency": refund.transactions_currency or False,
            **Refund._retail_synced_values(),
            "payload_hash": payload_hash(payload),
            "line_ids": [Command.create(vals) for vals in lines],
        }
        try:
            with self.env.cr.savepoint(), expected_unique_violation():
                binding = Refund.create(values)
        except psycopg2.errors.UniqueViolation as exc:
            raise errors.LockContentionError(
                f"Shopify refund {label} was recorded by another worker at the "
                "same time; this delivery is processed again.",
                retry_after=2,
                hint="Nothing to do: the job retries automatically.",
            ) from exc
        if binding.state == "manual":
            binding._ask_a_person(reason)
            return binding
        binding._apply(plans)
        binding._check_money_sent_back(refund)
        return binding

    @api.model
    def _refund_line_values(self, backend, order_binding, refund, label):
        """Values of the refund lines, matched to the sale order's lines."""
        sale = order_binding.odoo_id
        by_gid = {
            line.shopify_line_gid: line
            for line in sale.order_line
            if line.shopify_line_gid
        }
        values, unknown = [], []
        for index, line in enumerate(refund.lines):
            sale_line = by_gid.get(line.line_gid)
            if sale_line is None:
                title = line.title or "line"
                unknown.append(f"{title} (SKU {line.sku or 'none'}, {line.line_gid})")
                continue
            values.append(
                {
                    "sequence": index + 1,
                    "sale_line_id": sale_line.id,
                    "line_gid": line.line_gid,
                    "name": line.title or sale_line.name,
                    "restock_type": line.restock_type,
                    "quantity": line.quantity,
                    "subtotal": float(line.subtotal),
                    "tax_amount": float(line.total_tax),
                }
            )
        if unknown:
            raise errors.MappingError(
                f"Shopify refund {label} of order {order_binding.shopify_name}: no "
                f"line of sale order {sale.name} matches {', '.join(unknown)}.",
                hint="The order was changed in Odoo or imported before these "
                "lines were added in Shopify. Add the line to the sale order "
                "with the Shopify line reference, or handle the refund by hand "
                "and ignore this exception.",
                details={
                    "remote_ref": refund.gid,
                    "res_model": "sale.order",
                    "res_id": sale.id,
                },
            )
        if refund.shipping_amount or refund.shipping_tax:
            shipping = self._shipping_sale_line(backend, sale)
            if not shipping:
                raise errors.MappingError(
                    f"Shopify refund {label} of order {order_binding.shopify_name} "
                    f"gives back {refund.shipping_amount} of shipping but sale order "
                    f"{sale.name} has no shipping line.",
                    hint="Add the shipping line to the sale order, or handle the "
                    "refund by hand and ignore this exception.",
                    details={
                        "remote_ref": refund.gid,
                        "res_model": "sale.order",
                        "res_id": sale.id,
                    },
                )
            values.append(
                {
                    "sequence": len(refund.lines) + 1,
                    "sale_line_id": shipping.id,
                    "line_gid": shipping.shopify_line_gid or False,
                    "name": shipping.name,
                    "is_shipping": True,
                    "quantity": 1,
                    "subtotal": float(refund.shipping_amount),
                    "tax_amount": float(refund.shipping_tax),
                }
            )
        return values

    @api.model
    def _shipping_sale_line(self, backend, sale):
        lines = sale.order_line.filtered(
            lambda line: (
                not line.display_type
                and (
                    line.product_id == backend.shipping_product_id
                    or (line.shopify_line_gid or "").startswith(
                        "gid://shopify/ShippingLine/"
                    )
                )
            )
        )
        return lines[:1]

    @api.model
    def _plan(self, order_binding, refund, lines, policy, label):
        """What happens to the refunded units of each line (by sequence)."""
        SaleLine = self.env["sale.order.line"]
        state = {}
        plans = {}
        too_many = []
        for vals in lines:
            if vals.get("is_shipping"):
                plans[vals["sequence"]] = refunds.LinePlan(kept=vals["quantity"])
                continue
            sale_line = SaleLine.browse(vals["sale_line_id"])
            ordered, refunded = state.get(
                sale_line,
                (sale_line.product_uom_qty, sale_line._shopify_units_refunded()),
            )
            if vals["quantity"] > refunds.refundable_quantity(ordered, refunded):
                too_many.append(
                    f"{vals['quantity']} × {vals['name']} (at most "
                    f"{refunds.refundable_quantity(ordered, refunded)} left on "
                    f"{sale_line.order_id.name})"
                )
                continue
            plan = refunds.plan_line(
                vals["quantity"],
                vals["restock_type"],
                ordered=ordered,
                delivered=sale_line.qty_delivered,
                refunded=refunded,
                stock=policy == refunds.POLICY_RETURN
                and sale_line.product_id.type == "consu",
            )
            plans[vals["sequence"]] = plan
            state[sale_line] = (ordered - plan.cancel, refunded + plan.ret + plan.kept)
        if too_many:
            sale = order_binding.odoo_id
            raise errors.ConflictError(
                f"Shopify refund {label} of order {order_binding.shopify_name} "
                f"refunds more than sale order {sale.name} still has: "
                f"{'; '.join(too_many)}.",
                hint="The quantities of the sale order differ from Shopify's: "
                "correct the order (or handle the refund by hand), then press "
                "Retry or ignore this exception.",
                details={
                    "remote_ref": refund.gid,
                    "res_model": "sale.order",
                    "res_id": sale.id,
                },
            )
        return plans

    @api.model
    def _expected_total(self, order_binding, lines):
        """Shopify's refunded amount in Odoo's price basis (Decimal)."""
        SaleLine = self.env["sale.order.line"]
        total = Decimal(0)
        for vals in lines:
            sale_line = SaleLine.browse(vals["sale_line_id"])
            total += refunds.credited_amount(
                Decimal(str(vals["subtotal"])),
                Decimal(str(vals["tax_amount"])),
                sale_line._shopify_taxes_included(),
            )
        return total

    # ------------------------------------------------------------------
    # applying a refund
    # ------------------------------------------------------------------
    def _apply(self, plans):
        """Credit note, return and order quantities, as the policy says."""
        self.ensure_one()
        done = []
        if self.currency_id.is_zero(self.amount_total):
            done.append(self.env._("Nothing to credit: the refund is worth 0."))
        else:
            invoice = self._invoice_order_first()
            if invoice:
                done.append(
                    self.env._(
                        "Invoiced the order first: %(invoice)s.",
                        invoice=invoice.name,
                    )
                )
            credit_note = self._make_credit_note()
            done.append(
                self.env._(
                    "Credit note %(move)s of %(amount).2f %(currency)s.",
                    move=credit_note.name,
                    amount=credit_note.amount_total,
                    currency=credit_note.currency_id.name,
                )
            )
        cancelled = self._cancel_unshipped_units()
        if cancelled:
            done.append(
                self.env._(
                    "%(units)s unit(s) not shipped yet taken off the order.",
                    units=cancelled,
                )
            )
        returns = self._create_returns()
        if returns:
            done.append(
                self.env._(
                    "Return %(pickings)s to receive.",
                    pickings=", ".join(returns.mapped("name")),
                )
            )
        self._warn_shipped_cancellations(plans)
        self.summary = "\n".join(done) or self.env._("Nothing to do in Odoo.")
        self.sale_order_id.message_post(
            body=self.env._(
                "Shopify refund %(refund)s: %(summary)s",
                refund=self.name,
                summary=" ".join(done) or self.env._("nothing to do in Odoo."),
            )
        )

    def _invoice_order_first(self):
        """Invoice what the order still has to invoice, on ordered quantities.

        Shopify orders are paid sales: when a refund comes before the order
        is invoiced, the connector invoices it (whatever the products'
        invoicing policy) so that the credit note reverses part of a real
        invoice.
        """
        self.ensure_one()
        sale = self.sale_order_id
        sale = sale.with_company(sale.company_id).with_context(
            lang=sale.partner_invoice_id.lang
        )
        precision = self.env["decimal.precision"].precision_get("Product Unit")
        commands = []
        for sequence, line in enumerate(
            sale.order_line.filtered(
                lambda line: not line.display_type and not line.is_downpayment
            ).sorted("sequence"),
            start=1,
        ):
            quantity = (
                line.product_uom_qty - line.shopify_refunded_qty - line.qty_invoiced
            )
            if float_compare(quantity, 0.0, precision_digits=precision) <= 0:
                continue
            commands.append(
                Command.create(
                    line._prepare_invoice_line(quantity=quantity, sequence=sequence)
                )
            )
        if not commands:
            return self.env["account.move"]
        values = sale._prepare_invoice()
        values["invoice_line_ids"] = commands
        invoice = (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_invoice")
            .create(values)
        )
        invoice.message_post_with_source(
            "mail.message_origin_link",
            render_values={"self": invoice, "origin": sale},
            subtype_xmlid="mail.mt_note",
        )
        if self.backend_id.refund_auto_post:
            invoice.action_post()
        self.invoice_id = invoice
        return invoice

    def _make_credit_note(self):
        """The credit note of the refunded lines, at Shopify's amounts."""
        self.ensure_one()
        sale = self.sale_order_id
        sale = sale.with_company(sale.company_id).with_context(
            lang=sale.partner_invoice_id.lang
        )
        digits = self.env["decimal.precision"].precision_get("Product Price")
        step = Decimal(1).scaleb(-digits)
        commands = []
        sequence = 0
        for line in self.line_ids:
            # the subtotal is in the price basis of the line's taxes: Odoo adds
            # excluded taxes itself and finds included ones in the price
            amount = Decimal(str(line.subtotal)).quantize(step)
            for quantity, price in refunds.split_amount(amount, line.quantity, step):
                sequence += 1
                commands.append(
                    Command.create(
                        line.sale_line_id._prepare_invoice_line(
                            quantity=quantity,
                            price_unit=float(price),
                            discount=0.0,
                            sequence=sequence,
                        )
                    )
                )
        values = sale._prepare_invoice()
        values.update(
            move_type="out_refund",
            ref=self.env._("Shopify %(refund)s", refund=self.name),
            narration=self.note or False,
            invoice_line_ids=commands,
        )
        credit_note = (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_refund")
            .create(values)
        )
        credited = credit_note.invoice_line_ids.sale_line_ids
        original = sale.invoice_ids.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and credited <= move.invoice_line_ids.sale_line_ids
            )
        )
        if len(original) == 1:
            credit_note.reversed_entry_id = original
        credit_note.message_post_with_source(
            "mail.message_origin_link",
            render_values={"self": credit_note, "origin": sale},
            subtype_xmlid="mail.mt_note",
        )
        self._check_credit_note_total(credit_note)
        if self.backend_id.refund_auto_post:
            credit_note.action_post()
        self.odoo_id = credit_note
        return credit_note

    def _check_credit_note_total(self, credit_note):
        """A credit note whose total differs from Shopify's is not kept."""
        currency = credit_note.currency_id
        tax_lines = sum(len(line.tax_ids) for line in credit_note.invoice_line_ids)
        if money.within_tolerance(
            credit_note.amount_total, self.amount_total, tax_lines, currency.rounding
        ):
            return
        binding = self.order_binding_id
        raise errors.PayloadValidationError(
            f"Shopify refund {self.external_id} of order {binding.shopify_name}: "
            f"the Odoo credit note would total {credit_note.amount_total:.2f} but "
            f"Shopify refunded {self.amount_total:.2f} {currency.name}.",
            hint="Check that the taxes of the sale order lines match Shopify's "
            "(tax mapping, included in price or not), then press Retry; or "
            "create the credit note by hand and ignore this exception.",
            details={
                "remote_ref": self.external_id,
                "res_model": "sale.order",
                "res_id": binding.odoo_id.id,
            },
        )

    def _cancel_unshipped_units(self):
        """Take the units not shipped yet off the ordered quantities."""
        self.ensure_one()
        cancelled = defaultdict(int)
        for line in self.line_ids.filtered("qty_cancelled"):
            cancelled[line.sale_line_id] += line.qty_cancelled
        if not cancelled:
            return 0
        sale = self.sale_order_id
        locked = sale.locked
        if locked:
            sale.action_unlock()
        for sale_line, units in cancelled.items():
            sale_line.product_uom_qty -= units
        if locked:
            sale.action_lock()
        return sum(cancelled.values())

    def _create_returns(self):
        """Returns of the shipped units Shopify restocked.

        The return wizard of Odoo is used on each delivery the units left
        with; "Update quantities on SO" stays unchecked: the refunded
        quantity is accounted for by the refund itself (see
        ``sale.order.line.shopify_refunded_qty``), and Odoo must not plan a
        new delivery of the returned units.
        """
        self.ensure_one()
        wanted = defaultdict(dict)
        missing = {}
        for line in self.line_ids.filtered("qty_returned"):
            units = line.qty_returned
            for move, available in line.sale_line_id._shopify_returnable_moves():
                take = min(units, available)
                if take > 0:
                    wanted[move.picking_id][move] = (
                        wanted[move.picking_id].get(move, 0) + take
                    )
                    units -= take
                if not units:
                    break
            if units:
                missing[line] = units
        for line, units in missing.items():
            # returned by hand meanwhile: these units get no stock move here
            line.write(
                {
                    "qty_returned": line.qty_returned - units,
                    "qty_kept": line.qty_kept + units,
                }
            )
        pickings = self.env["stock.picking"]
        for picking, quantities in wanted.items():
            wizard = (
                self.env["stock.return.picking"]
                .with_context(
                    active_id=picking.id,
                    active_ids=picking.ids,
                    active_model="stock.picking",
                )
                .create({"picking_id": picking.id})
            )
            for return_line in wizard.product_return_moves:
                return_line.write(
                    {
                        "quantity": quantities.get(return_line.move_id, 0),
                        "to_refund": False,
                    }
                )
            pickings |= wizard._create_return()
        if pickings:
            self.return_picking_ids = [Command.link(p.id) for p in pickings]
            for picking in pickings:
                picking.message_post(
                    body=self.env._(
                        "Goods refunded in Shopify (%(refund)s): receive them here.",
                        refund=self.name,
                    )
                )
        return pickings

    # ------------------------------------------------------------------
    # people
    # ------------------------------------------------------------------
    def _ask_a_person(self, reason):
        """Record-only refunds: an exception tells a person what to do."""
        self.ensure_one()
        sale = self.sale_order_id
        amount = f"{self.amount_total:.2f} {self.currency_id.name}"
        if reason == "quotation":
            why = self.env._("sale order %(order)s is not confirmed", order=sale.name)
            todo = self.env._(
                "Lower the quantities of the quotation %(order)s (or cancel "
                "it), then ignore this exception.",
                order=sale.name,
            )
        elif reason == "amount_only":
            amount = (
                f"{self.transactions_amount:.2f} "
                f"{self.transactions_currency or self.currency_id.name}"
            )
            why = self.env._("the refund names no item and no shipping")
            todo = self.env._(
                "Create the credit note of this amount from sale order "
                "%(order)s (Create invoice, or reverse its invoice), choosing "
                "the taxes; then ignore this exception.",
                order=sale.name,
            )
        else:
            why = self.env._("the store's refund policy is 'Record only'")
            todo = self.env._(
                "Create the credit note from sale order %(order)s (reverse its "
                "invoice for the refunded lines) and the return if goods come "
                "back, then ignore this exception.",
                order=sale.name,
            )
        self.summary = self.env._(
            "Recorded only (%(why)s): to handle by hand.", why=why
        )
        self.backend_id._retail_raise_exception(
            flow="inbound",
            category="validation",
            message=self.env._(
                "Shopify refund %(refund)s (%(amount)s) of order %(order)s is "
                "to be handled by hand: %(why)s.",
                refund=self.name,
                amount=amount,
                order=sale.name,
                why=why,
            ),
            hint=todo,
            res_model="sale.order",
            res_id=sale.id,
            remote_ref=self.external_id,
        )

    def _warn_shipped_cancellations(self, plans):
        """Units Shopify cancelled as unshipped that Odoo had shipped."""
        self.ensure_one()
        shipped = [
            (line, plans[line.sequence].shipped_cancelled)
            for line in self.line_ids
            if line.sequence in plans and plans[line.sequence].shipped_cancelled
        ]
        if not shipped:
            return
        sale = self.sale_order_id
        self.backend_id._retail_raise_exception(
            flow="inbound",
            category="conflict",
            message=self.env._(
                "Shopify refund %(refund)s cancels units that Odoo already "
                "delivered: %(units)s. The credit note is made; no return was "
                "created for them.",
                refund=self.name,
                units=", ".join(f"{units} × {line.name}" for line, units in shipped),
            ),
            hint=self.env._(
                "If the goods come back, create the return from the delivery of "
                "%(order)s; then ignore this exception.",
                order=sale.name,
            ),
            res_model="sale.order",
            res_id=sale.id,
            remote_ref=self.external_id,
        )

    def _check_money_sent_back(self, refund):
        """Money sent back in the shop currency but different from the lines."""
        self.ensure_one()
        currency = self.currency_id
        if (
            not refund.transactions_currency
            or refund.transactions_currency != currency.name
            or not self.odoo_id
        ):
            return
        if money.within_tolerance(
            refund.transactions_total,
            self.amount_total,
            sum(len(line.tax_ids) for line in self.odoo_id.invoice_line_ids),
            currency.rounding,
        ):
            return
        self.backend_id._retail_raise_exception(
            flow="inbound",
            category="conflict",
            message=self.env._(
                "Shopify refund %(refund)s sent back %(paid).2f %(currency)s "
                "but its items and shipping are worth %(total).2f: the credit "
                "note %(move)s follows the items.",
                refund=self.name,
                paid=float(refund.transactions_total),
                currency=currency.name,
                total=self.amount_total,
                move=self.odoo_id.name,
            ),
            hint=self.env._(
                "Record the difference (a goodwill gesture or a deduction) by "
                "hand if your accounting needs it, then ignore this exception."
            ),
            res_model="account.move",
            res_id=self.odoo_id.id,
            remote_ref=self.external_id,
        )

    @api.model
    def _raise_missing_order(self, backend, refund, label):
        """The refund's order has no binding: wait for it or ask a person."""
        order_event = self.env["retail.event"]._about(
            backend, [refund.order_gid], [("topic", "in", ORDER_TOPICS)]
        )[:1]
        outcome = refunds.missing_order_outcome(
            refund.created_at, fields.Datetime.now(), order_event.state or None
        )
        order = _order_label(backend, refund, order_event)
        details = {"remote_ref": refund.gid}
        order_key = wait_keys.make("order", refund.order_gid)
        if outcome == "queued":
            raise errors.WaitingError(
                f"Shopify refund {label} waits for order {order}: its delivery "
                f"{order_event.display_name} is not processed yet.",
                retry_after=refunds.ORDER_QUEUED_RETRY_AFTER,
                hint="Nothing to do: the refund is processed after the order.",
                expired_hint="The order's delivery was not processed in time: "
                "solve what holds it (its job or its exception), then press Retry "
                "here; the refund is also processed by itself once the order is "
                "imported.",
                details=details,
                waits_for=[order_key],
            )
        if outcome == "wait":
            raise errors.WaitingError(
                f"Shopify refund {label} is for order {order}, which is not in "
                "Odoo yet.",
                retry_after=refunds.ORDER_RETRY_AFTER,
                hint="Nothing to do: the order's webhook or the reconciliation "
                "brings it, then the refund is processed.",
                expired_hint="Import the order (Import orders on the store): the "
                "refund is then applied by itself; or handle the refund by hand "
                "and ignore this exception.",
                details=details,
                waits_for=[order_key],
            )
        if outcome == "held":
            message = (
                f"Shopify refund {label} is for order {order}, which is held: its "
                f"delivery {order_event.display_name} failed."
            )
            hint = (
                "Solve the order's exception first; once the order is imported, "
                "press Retry here."
            )
        elif outcome == "skipped":
            message = (
                f"Shopify refund {label} is for order {order}, which was not "
                f"imported: {order_event.reason or order_event.error or 'ignored'}"
            )
            hint = (
                "Import the order (or change the statuses imported by the store, "
                "then use Import orders): the refund is then applied by itself; "
                "or handle the refund by hand and ignore this exception."
            )
        else:
            message = (
                f"Shopify refund {label} is for order {order}, which was never "
                "received by Odoo (placed before the store was connected, or not "
                "delivered)."
            )
            hint = (
                "Import the order (Import orders on the store): the refund is "
                "then applied by itself; or handle the refund by hand and ignore "
                "this exception."
            )
        if order_event:
            details.update(res_model="retail.event", res_id=order_event.id)
        raise errors.MappingError(
            message,
            hint=hint,
            details=details,
            waits_for=[order_key],
        )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_open_credit_note(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.odoo_id.id,
            "view_mode": "form",
        }

    def action_open_returns(self):
        self.ensure_one()
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Returns"),
            "res_model": "stock.picking",
            "domain": [("id", "in", self.return_picking_ids.ids)],
            "view_mode": "list,form",
        }
        if len(self.return_picking_ids) == 1:
            action.update(res_id=self.return_picking_ids.id, view_mode="form")
        return action

    def action_open_shopify(self):
        self.ensure_one()
        return self.order_binding_id.action_open_shopify()


def _order_label(backend, refund, order_event):
    """The order as a person finds it: its name, else its admin address."""
    if order_event and order_event.payload:
        try:
            name = json.loads(order_event.payload).get("name")
        except (ValueError, AttributeError):
            name = None
        if name:
            return f"{name} ({refund.order_gid})"
    return f"{refund.order_gid} ({admin_url(backend.shop_domain, refund.order_gid)})"

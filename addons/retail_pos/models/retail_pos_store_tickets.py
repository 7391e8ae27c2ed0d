"""Inbound, in the job: a ticket event becomes a paid ``pos.order``.

Through Odoo's own point of sale (``pos.order.sync_from_ui``), in the
store's session of the ticket's business date (opened by its first ticket),
with a uuid derived from the store and the ticket id (a ticket processed
twice finds its order). Lines and taxes are computed by Odoo and compared
with the till's total; stock leaves the store's warehouse (the point of
sale's operation type). What the ticket needs and Odoo lacks holds it:

- a product of an unknown SKU or barcode: ``product:sku:<code>`` /
  ``product:barcode:<code>`` (released by the base when the product appears);
- a tax code or payment method code without mapping:
  ``pos-tax:<store>:<code>`` / ``pos-payment:<store>:<code>`` (released by
  the mapping rows);
- the original ticket of a return: ``pos-ticket:<store>:<ticket id>``
  (released when that ticket's order is made).

A ticket of a later day than the open session waits (without spending
tries) for that session's close; a ticket of a day whose session is closed
goes to the store's open session, noted on the order.
"""

import datetime
import uuid
from decimal import Decimal

import psycopg2

from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.retail_connector_base.services import errors, locks, wait_keys
from odoo.addons.retail_connector_base.services.money import (
    round_amount,
    to_decimal,
)
from odoo.addons.retail_connector_base.services.quiet_sql import (
    expected_lock_contention,
    expected_unique_violation,
)

from ..services import schemas
from .retail_pos_store_intake import (
    TOPIC_BATCH,
    TOPIC_CASHUP,
    TOPIC_TICKET,
    ticket_ref,
)

#: namespace of the uuids of the orders, lines and payments made from tickets
TICKET_NAMESPACE = uuid.UUID("6f1c3d52-8f0e-4c47-9a55-2b7f3c1e9d41")
CLOSED_STATES = ("closing_control", "closed")


def ticket_uuid(store_id, ticket_id, *parts):
    """The deterministic uuid of a ticket (or of its line/payment ``parts``)."""
    name = "/".join(str(part) for part in (store_id, ticket_id, *parts))
    return str(uuid.uuid5(TICKET_NAMESPACE, name))


class RetailPosStore(models.Model):
    _inherit = "retail.pos.store"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # wait keys (made by the store: ``retail_pos_store.py``)
    # ------------------------------------------------------------------
    def _retail_describe_wait(self, key):
        kind, _sep, rest = key.partition(":")
        _store, _sep, code = rest.partition(":")
        if kind == "pos-tax":
            return f"a tax mapping of the till tax code {code}"
        if kind == "pos-payment":
            return f"a payment method mapping of the till code {code}"
        if kind == "pos-ticket":
            return f"the order of the ticket {code}"
        if kind == "pos-day":
            return f"more tickets of the terminal and day {code}"
        return super()._retail_describe_wait(key)

    def _retail_wait_satisfied(self, key):
        kind, _sep, rest = key.partition(":")
        store_id, _sep, code = rest.partition(":")
        if kind in ("pos-tax", "pos-payment", "pos-ticket"):
            if store_id != str(self.id):
                return None
            if kind == "pos-tax":
                return bool(self.tax_mapping_ids.filtered(lambda r: r.title == code))
            if kind == "pos-payment":
                return bool(self.payment_mapping_ids.filtered(lambda r: r.code == code))
            return bool(self._retail_pos_order_of(code))
        return super()._retail_wait_satisfied(key)

    # ------------------------------------------------------------------
    # dispatch
    # ------------------------------------------------------------------
    def _retail_process_event(self, event):
        if event.topic == TOPIC_TICKET:
            return self._retail_pos_handle_ticket(event)
        if event.topic == TOPIC_CASHUP:
            return self._retail_pos_handle_cashup(event)
        if event.topic == TOPIC_BATCH:
            event._mark_ignored(
                "A batch needs no processing: each of its tickets is an event."
            )
            return False
        return super()._retail_process_event(event)

    def _retail_pos_order_of(self, ticket_id):
        """The order made from the ticket ``ticket_id`` of this store."""
        self.ensure_one()
        return (
            self.env["pos.order"]
            .sudo()
            .search([("uuid", "=", ticket_uuid(self.id, ticket_id))], limit=1)
        )

    # ------------------------------------------------------------------
    # a ticket
    # ------------------------------------------------------------------
    def _retail_pos_handle_ticket(self, event):
        self.ensure_one()
        ticket, problems = schemas.validate_ticket(event._load_json())
        if ticket is None:
            first = problems[0]
            raise errors.PayloadValidationError(
                f"Ticket event {event.display_name}: {first['field']} "
                f"{first['message']}.",
                hint=self.env._("The till sent a ticket that breaks the contract."),
            )
        locks.advisory_lock(
            self.env.cr, self._retail_key(), ticket_ref(ticket.ticket_id)
        )
        order = self._retail_pos_order_of(ticket.ticket_id)
        if order:
            event._mark_ignored(f"Ticket {ticket.ticket_id} is already {order.name}.")
            return order
        products, taxes, methods = self._retail_pos_resolve(ticket)
        refunded = self._retail_pos_refunded_lines(ticket, products)
        session, note = self._retail_pos_session_for(ticket)
        values = self._retail_pos_order_values(
            ticket,
            session,
            products=products,
            taxes=taxes,
            methods=methods,
            refunded=refunded,
        )
        self._retail_pos_lock_numbering(session.config_id)
        PosOrder = self.env["pos.order"].sudo().with_company(self.company_id)
        PosOrder.sync_from_ui([values])
        order = self._retail_pos_order_of(ticket.ticket_id)
        if order.state not in ("paid", "done"):
            raise errors.ConflictError(
                f"Ticket {ticket.ticket_id}: the point of sale left its order "
                f"{order.name} in the state {order.state}.",
                hint=self.env._("Open the order, pay or correct it, then press Retry."),
                details={"res_model": "pos.order", "res_id": order.id},
            )
        order.write(
            {
                "retail_pos_ticket_id": ticket.ticket_id,
                "retail_pos_note": note,
                "retail_pos_terminal": ticket.terminal,
                "retail_pos_number": ticket.number,
                "retail_business_date": ticket.business_date,
            }
        )
        self.env["retail.event"]._release(
            [
                self._retail_pos_ticket_key(ticket.ticket_id),
                self._retail_pos_day_key(ticket.terminal, ticket.business_date),
            ]
        )
        return order

    def _retail_pos_find_product(self, line):
        Product = self.env["product.product"].sudo()
        company = [("company_id", "in", (False, self.company_id.id))]
        for field, value in (("default_code", line.sku), ("barcode", line.barcode)):
            if value:
                product = Product.search([(field, "=", value), *company], limit=1)
                if product:
                    return product
        return Product

    def _retail_pos_resolve(self, ticket):
        """Products, taxes and payment methods of the ticket, by line and
        method; raises a MappingError holding the ticket on what is missing."""
        products, taxes, methods = {}, {}, {}
        missing, keys = [], []
        tax_rows = {row.title: row.tax_id for row in self.tax_mapping_ids}
        method_rows = {
            row.code: row.payment_method_id for row in self.payment_mapping_ids
        }
        for line in ticket.lines:
            product = self._retail_pos_find_product(line)
            if product:
                products[line.line_no] = product
            else:
                references = " or ".join(
                    part
                    for part in (
                        line.sku and f"Internal Reference {line.sku}",
                        line.barcode and f"barcode {line.barcode}",
                    )
                    if part
                )
                missing.append(f"the product of line {line.line_no} ({references})")
                keys += wait_keys.product_keys(line.sku, line.barcode)
            if line.tax_code in tax_rows:
                taxes[line.line_no] = tax_rows[line.tax_code]
            else:
                missing.append(f"the tax code {line.tax_code} (line {line.line_no})")
                keys.append(self._retail_pos_tax_key(line.tax_code))
        for payment in ticket.payments:
            if payment.method in method_rows:
                methods[payment.method] = method_rows[payment.method]
            else:
                missing.append(f"the payment method {payment.method}")
                keys.append(self._retail_pos_payment_key(payment.method))
        if missing:
            raise errors.MappingError(
                f"Ticket {ticket.ticket_id} of {self.display_name} cannot be "
                f"imported: Odoo does not know {'; '.join(dict.fromkeys(missing))}.",
                hint=self.env._(
                    "Create the product (with that Internal Reference or "
                    "barcode) or complete the store's tax and payment method "
                    "mappings: the ticket is then imported by itself."
                ),
                waits_for=keys,
                details={"remote_ref": ticket_ref(ticket.ticket_id)},
            )
        return products, taxes, methods

    def _retail_pos_refunded_lines(self, ticket, products):
        """The original order line of each return line, by line number.

        The original ticket must be imported (else the ticket waits for it),
        must have that line with the same product, and a return never gives
        back more than was sold, counting the returns imported before.
        """
        returns = [line for line in ticket.lines if line.refund_of]
        if not returns:
            return {}
        originals = {line.refund_of.ticket_id for line in returns}
        if len(originals) > 1:
            raise errors.PayloadValidationError(
                f"Ticket {ticket.ticket_id} returns lines of several tickets "
                f"({', '.join(sorted(originals))}); the point of sale refunds "
                "one order per ticket.",
                hint=self.env._("Ask the till to return each ticket on its own."),
                details={"remote_ref": ticket_ref(ticket.ticket_id)},
            )
        original_id = originals.pop()
        # two returns of one ticket are not processed at once (over-refund)
        locks.advisory_lock(self.env.cr, self._retail_key(), ticket_ref(original_id))
        original = self._retail_pos_order_of(original_id)
        if not original:
            raise errors.MappingError(
                f"Ticket {ticket.ticket_id} returns lines of the ticket "
                f"{original_id}, which is not in Odoo yet.",
                hint=self.env._(
                    "Nothing to do: the return is imported once the original ticket is."
                ),
                waits_for=[self._retail_pos_ticket_key(original_id)],
                details={"remote_ref": ticket_ref(ticket.ticket_id)},
            )
        by_uuid = {line.uuid: line for line in original.lines}
        refunded = {}
        for line in returns:
            line_no = line.refund_of.line_no
            origin = by_uuid.get(ticket_uuid(self.id, original_id, "line", line_no))
            where = f"Ticket {ticket.ticket_id}, line {line.line_no}"
            if not origin or origin.product_id != products[line.line_no]:
                raise errors.PayloadValidationError(
                    f"{where}: the ticket {original_id} has no line {line_no} of "
                    f"{products[line.line_no].display_name}.",
                    hint=self.env._(
                        "Correct the return in the till and send it again."
                    ),
                    details={"remote_ref": ticket_ref(ticket.ticket_id)},
                )
            returned = -to_decimal(line.qty)
            left = to_decimal(origin.qty) - to_decimal(origin.refunded_qty)
            if returned > left:
                raise errors.PayloadValidationError(
                    f"{where} returns {returned} of line {line_no} of the ticket "
                    f"{original_id}, of which only {left} is left to return "
                    f"({origin.qty} sold).",
                    hint=self.env._(
                        "A return never gives back more than was sold: correct "
                        "the return, then ignore this exception."
                    ),
                    details={"remote_ref": ticket_ref(ticket.ticket_id)},
                )
            refunded[line.line_no] = origin
        return refunded

    # ------------------------------------------------------------------
    # the session of a business date
    # ------------------------------------------------------------------
    def _retail_pos_lock_numbering(self, config):
        """Take the gapless sequences ``sync_from_ui`` numbers an order of
        ``config`` with, or wait for them.

        Odoo takes their rows with ``FOR UPDATE NOWAIT``: two tickets of a
        store imported at once would fail there, logged at ERROR, each
        failure spending one of the job's tries. Taken first here, quietly,
        a ticket whose numbering another one holds (or changed since this
        transaction began) waits a second without spending a try.
        """
        sequences = (
            config.order_backend_seq_id | config.order_seq_id | config.order_line_seq_id
        ).sudo()
        ids = tuple(sequences.filtered(lambda s: s.implementation == "no_gap").ids)
        if not ids:
            return
        try:
            with self.env.cr.savepoint(flush=False), expected_lock_contention():
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM ir_sequence WHERE id IN %s ORDER BY id"
                        " FOR UPDATE NOWAIT",
                        ids,
                    )
                )
        except (
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.SerializationFailure,
        ) as exc:
            raise errors.LockContentionError(
                f"The order numbering of {config.display_name} is taken by "
                "another ticket being imported.",
                retry_after=1,
                hint=self.env._("Nothing to do: the ticket is imported next."),
            ) from exc

    def _retail_pos_session_for(self, ticket):
        """``(session, note)``: where the ticket is booked, and why when it is
        not its own day's session."""
        self.ensure_one()
        day = ticket.business_date
        Session = self.env["pos.session"].sudo()
        own = Session.search(
            [("retail_pos_store_id", "=", self.id), ("retail_business_date", "=", day)],
            limit=1,
        )
        if own and own.state not in CLOSED_STATES:
            return own, False
        current = Session.search(
            [
                ("config_id", "=", self.pos_config_id.id),
                ("state", "not in", CLOSED_STATES),
            ],
            limit=1,
        )
        if own:
            if not current:
                raise errors.WaitingError(
                    f"Ticket {ticket.ticket_id} is for {day}, whose session "
                    f"{own.name} is closed, and {self.display_name} has no open "
                    "session to take it.",
                    hint=self.env._(
                        "Nothing to do: the ticket goes to the next session the "
                        "store opens."
                    ),
                    retry_after=600,
                )
            return current, (
                f"Late ticket of {day}, whose session {own.name} was closed: "
                f"booked in {current.name}."
            )
        if current:
            if current.retail_business_date and current.retail_business_date > day:
                return current, (
                    f"Late ticket of {day}, which had no session: booked in "
                    f"{current.name} ({current.retail_business_date})."
                )
            raise errors.WaitingError(
                f"Ticket {ticket.ticket_id} is for {day}, but the session "
                f"{current.name} of {current.retail_business_date or 'another day'} "
                f"of {self.display_name} is still open.",
                hint=self.env._(
                    "Nothing to do: the ticket is imported once the previous "
                    "day is cashed up and its session closed."
                ),
                retry_after=300,
            )
        return self._retail_pos_open_session(day), False

    def _retail_pos_open_session(self, day):
        config = self.pos_config_id.sudo().with_company(self.company_id)
        config._check_before_creating_new_session()
        try:
            with self.env.cr.savepoint(), expected_unique_violation():
                session = (
                    self.env["pos.session"]
                    .sudo()
                    .with_company(self.company_id)
                    .create(
                        {
                            "config_id": config.id,
                            "user_id": (self.user_id or self.env.user).id,
                            "retail_pos_store_id": self.id,
                            "retail_business_date": day,
                        }
                    )
                )
        except psycopg2.errors.UniqueViolation as exc:
            raise errors.LockContentionError(
                f"The session of {day} of {self.display_name} is being opened "
                "by another ticket.",
                retry_after=5,
            ) from exc
        session.set_opening_control(0, "")
        return session

    # ------------------------------------------------------------------
    # the order
    # ------------------------------------------------------------------
    def _retail_pos_allowed_difference(self, ticket, methods):
        """How far the till's total may be from Odoo's: zero, or the cash
        rounding when the store rounds and the ticket is paid in cash (the
        point of sale's own rule)."""
        currency = self.company_id.currency_id
        rounding = self.rounding_method_id
        paid_cash = any(method.is_cash_count for method in methods.values())
        if not (self.cash_rounding and rounding and paid_cash):
            return Decimal(0), to_decimal(currency.rounding)
        step = to_decimal(rounding.rounding)
        allowed = step / 2 if rounding.rounding_method == "HALF-UP" else step
        return round_amount(allowed, currency.rounding), to_decimal(currency.rounding)

    def _retail_pos_customer(self, ticket):
        """The ticket's customer: the partner of its loyalty id, else of its
        email (exact, as the base's import helper compares it); none, an
        anonymous sale, when Odoo knows neither. A till never creates
        partners."""
        customer = ticket.customer
        Partner = self.env["res.partner"].sudo()
        if not customer:
            return Partner
        helper = self.env["retail.import.helper"].sudo()
        if customer.loyalty_id:
            partner = Partner.search(
                [
                    ("retail_pos_loyalty_id", "=", customer.loyalty_id),
                    *helper._retail_company_domain(self.company_id),
                ],
                order="company_id, id",
                limit=1,
            )
            if partner:
                return partner
        if customer.email:
            return helper._retail_match_partner(self.company_id, email=customer.email)
        return Partner

    def _retail_pos_order_values(
        self, ticket, session, *, products, taxes, methods, refunded
    ):
        """The order as ``sync_from_ui`` takes it, totals computed by Odoo
        and compared with the till's."""
        currency = self.company_id.currency_id
        lines, total_incl, total_excl = [], Decimal(0), Decimal(0)
        for line in ticket.lines:
            product, tax = products[line.line_no], taxes[line.line_no]
            qty, price = float(line.qty), float(line.unit_price)
            discount = float(line.discount)
            computed = tax.compute_all(
                price * (1 - discount / 100.0), currency, qty, product=product
            )
            total_incl += to_decimal(currency.round(computed["total_included"]))
            total_excl += to_decimal(currency.round(computed["total_excluded"]))
            values = {
                "product_id": product.id,
                "full_product_name": product.display_name,
                "qty": qty,
                "price_unit": price,
                "discount": discount,
                "tax_ids": [fields.Command.set(tax.ids)],
                "price_subtotal": computed["total_excluded"],
                "price_subtotal_incl": computed["total_included"],
                "uuid": ticket_uuid(self.id, ticket.ticket_id, "line", line.line_no),
            }
            if line.line_no in refunded:
                values["refunded_orderline_id"] = refunded[line.line_no].id
            lines.append(fields.Command.create(values))
        allowed, unit = self._retail_pos_allowed_difference(ticket, methods)
        till_total = to_decimal(ticket.total)
        total_incl = round_amount(total_incl, unit)
        difference = round_amount(till_total - total_incl, unit)
        if abs(difference) > allowed:
            raise errors.ConflictError(
                f"Ticket {ticket.ticket_id} of {self.display_name}: Odoo computes "
                f"a total of {total_incl} from its lines and taxes, the till says "
                f"{till_total} (a difference of {difference}).",
                hint=self.env._(
                    "Check the prices and the tax mapping of the till against "
                    "Odoo's taxes (included in the price, same rounding), then "
                    "press Retry or ignore the ticket."
                ),
                details={"remote_ref": ticket_ref(ticket.ticket_id)},
            )
        closed_at = fields.Datetime.to_string(
            ticket.closed_at.astimezone(datetime.UTC).replace(tzinfo=None)
        )
        payments = [
            fields.Command.create(
                {
                    "amount": float(payment.amount),
                    "payment_method_id": methods[payment.method].id,
                    "payment_date": closed_at,
                    "uuid": ticket_uuid(self.id, ticket.ticket_id, "payment", index),
                }
            )
            for index, payment in enumerate(ticket.payments)
        ]
        return {
            "uuid": ticket_uuid(self.id, ticket.ticket_id),
            "session_id": session.id,
            "date_order": closed_at,
            "user_id": (self.user_id or self.env.user).id,
            "pricelist_id": session.config_id.pricelist_id.id,
            "fiscal_position_id": False,
            "partner_id": self._retail_pos_customer(ticket).id,
            "to_invoice": False,
            "amount_total": float(total_incl),
            "amount_tax": float(total_incl - total_excl),
            "amount_paid": float(sum(to_decimal(p.amount) for p in ticket.payments)),
            "amount_return": float(to_decimal(ticket.change)),
            "lines": lines,
            "payment_ids": payments,
            "last_order_preparation_change": "{}",
        }

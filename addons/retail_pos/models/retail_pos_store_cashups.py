"""Inbound, in the job: a cash-up (Z report) compared with what was imported.

The Z report of one terminal and business date is compared with the orders
imported for them: ticket count, ticket numbers (the missing ones are
listed), totals per payment method and counted cash against the cash
expected. A mismatch is a sync exception saying what is missing, and the
cash-up is held on ``pos-day:<store>:<terminal>:<date>``: every ticket of
that terminal and day imported later compares it again. A cash difference
within the store's tolerance is no mismatch.

When every terminal with orders in the day's session has a matching
cash-up, the session is closed by the point of sale itself: the counted
cash is posted (``post_closing_cash_details``), then
``close_session_from_ui`` makes the session's entries and posts the cash
difference to the cash journal's profit or loss account. The comparison is
:func:`..services.cashup.compare`.
"""

import json

from odoo import models

from odoo.addons.retail_connector_base.services import errors, locks
from odoo.addons.retail_connector_base.services.money import to_decimal

from ..services import cashup as cashup_service
from ..services import schemas
from .retail_pos_store_intake import TOPIC_CASHUP, cashup_ref

CLOSED_STATES = ("closing_control", "closed")


class RetailPosStore(models.Model):
    _inherit = "retail.pos.store"  # pylint: disable=consider-merging-classes-inherited

    def _retail_pos_day_orders(self, terminal, day):
        return (
            self.env["pos.order"]
            .sudo()
            .search(
                [
                    ("config_id", "=", self.pos_config_id.id),
                    ("retail_pos_terminal", "=", terminal),
                    ("retail_business_date", "=", day),
                ]
            )
        )

    def _retail_pos_method_codes(self):
        return {row.payment_method_id.id: row.code for row in self.payment_mapping_ids}

    def _retail_pos_imported_day(self, terminal, day):
        """What Odoo holds of ``terminal`` on ``day``, for the comparison."""
        orders = self._retail_pos_day_orders(terminal, day)
        codes = self._retail_pos_method_codes()
        totals, cash = {}, to_decimal(0)
        for payment in orders.payment_ids:
            code = codes.get(
                payment.payment_method_id.id, payment.payment_method_id.name
            )
            amount = to_decimal(payment.amount)
            totals[code] = totals.get(code, to_decimal(0)) + amount
            if payment.payment_method_id.is_cash_count:
                cash += amount
        return cashup_service.Imported(
            numbers=orders.mapped("retail_pos_number"), totals=totals, cash=cash
        )

    def _retail_pos_handle_cashup(self, event):
        self.ensure_one()
        cashup, problems = schemas.validate_cashup(event._load_json())
        if cashup is None:
            first = problems[0]
            raise errors.PayloadValidationError(
                f"Cash-up event {event.display_name}: {first['field']} "
                f"{first['message']}.",
                hint=self.env._("The till sent a cash-up that breaks the contract."),
            )
        day = cashup.business_date
        locks.advisory_lock(
            self.env.cr, self._retail_key(), f"session:{day.isoformat()}"
        )
        imported = self._retail_pos_imported_day(cashup.terminal, day)
        cash_methods = {
            row.code
            for row in self.payment_mapping_ids
            if row.payment_method_id.is_cash_count
        }
        report = cashup_service.compare(
            cashup,
            imported,
            cash_methods=cash_methods,
            tolerance=to_decimal(self.cashup_tolerance or 0),
            rounding=to_decimal(self.company_id.currency_id.rounding),
        )
        label = f"Cash-up of {cashup.terminal} on {day} at {self.display_name}"
        if report.problems:
            raise errors.ConflictError(
                f"{label} does not match: {'; '.join(report.problems)}.",
                hint=self.env._(
                    "Nothing to do while tickets are still arriving: each one "
                    "compares the cash-up again, and the session closes once it "
                    "matches. Otherwise find the missing tickets in the till, or "
                    "close the session by hand in the point of sale."
                ),
                waits_for=[self._retail_pos_day_key(cashup.terminal, day)],
                details={"remote_ref": cashup_ref(cashup.terminal, day.isoformat())},
            )
        return self._retail_pos_close_day(day, event, cashup)

    def _retail_pos_matched_cashups(self, day, current_event, current):
        """The matching cash-ups of ``day`` by terminal (this one included)."""
        events = (
            self.env["retail.event"]
            .sudo()
            .search(
                [
                    ("backend_model", "=", self._name),
                    ("backend_id", "=", self.id),
                    ("topic", "=", TOPIC_CASHUP),
                    ("state", "=", "done"),
                    ("remote_ref", "=like", "cashup:%:" + day.isoformat()),
                ]
            )
        )
        matched = {current.terminal: current}
        for other in events - current_event:
            document, _problems = schemas.validate_cashup(json.loads(other.payload))
            if document is not None:
                matched.setdefault(document.terminal, document)
        return matched

    def _retail_pos_close_day(self, day, event, cashup):
        """Close the day's session once every terminal in it is cashed up."""
        session = (
            self.env["pos.session"]
            .sudo()
            .search(
                [
                    ("retail_pos_store_id", "=", self.id),
                    ("retail_business_date", "=", day),
                ],
                limit=1,
            )
        )
        if not session or session.state in CLOSED_STATES:
            return session
        matched = self._retail_pos_matched_cashups(day, event, cashup)
        terminals = set(
            session.order_ids.filtered("retail_pos_terminal").mapped(
                "retail_pos_terminal"
            )
        )
        waiting = sorted(terminals - set(matched))
        if waiting:
            # done: the last terminal's matching cash-up closes the session
            return session
        # the counted cash of the day, and the cash of late tickets of other
        # days booked in this session (counted in their own day's drawer)
        counted = sum(
            (to_decimal(c.counted_cash) for c in matched.values()), to_decimal(0)
        )
        late_cash = sum(
            (
                to_decimal(p.amount)
                for p in session.order_ids.filtered(
                    lambda o: o.retail_business_date and o.retail_business_date != day
                ).payment_ids
                if p.payment_method_id.is_cash_count
            ),
            to_decimal(0),
        )
        counted_total = float(
            counted + late_cash + to_decimal(session.cash_register_balance_start)
        )
        if session.cash_journal_id:
            session.post_closing_cash_details(counted_total)
        result = session.close_session_from_ui()
        if not result.get("successful"):
            raise errors.ConflictError(
                f"The session {session.name} of {day} at {self.display_name} "
                "could not be closed: "
                f"{result.get('message') or 'unbalanced entries'}.",
                hint=self.env._(
                    "Open the session and close it by hand in the point of "
                    "sale; the cash-up matched."
                ),
                details={"res_model": "pos.session", "res_id": session.id},
            )
        session.message_post(
            body=self.env._(
                "Closed on the matching cash-ups of %(terminals)s.",
                terminals=", ".join(sorted(matched)),
            )
        )
        return session

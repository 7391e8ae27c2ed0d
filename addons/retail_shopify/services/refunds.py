"""What a Shopify refund does to an Odoo sale order, in plain Python.

The refund binding (``shopify.refund``) reads the Odoo order, asks these
functions what to do and writes the result:

* :func:`plan_line` splits the refunded units of one order line into units
  taken off the order (never shipped), units to receive back (a return) and
  units that stay with the customer;
* :func:`credited_amount` and :func:`split_amount` turn Shopify's refunded
  amounts into credit note prices that add up to Shopify's figure to the
  cent;
* the credit note is compared with Shopify's total by the order import's
  rule, ``retail_connector_base.services.money.within_tolerance``;
* :func:`missing_order_outcome` decides what to do with a refund whose order
  is not in Odoo.
"""

import dataclasses
import datetime
from decimal import ROUND_FLOOR, Decimal

#: restock types whose units come back to the warehouse
RETURN_TYPES = frozenset({"return", "legacy_restock"})

#: what the connector does with a refund (shopify.backend ``refund_policy``)
POLICY_RETURN = "credit_note_return"
POLICY_CREDIT_NOTE = "credit_note"
POLICY_RECORD = "record"
POLICIES = [
    (POLICY_RETURN, "Credit note and return"),
    (POLICY_CREDIT_NOTE, "Credit note only"),
    (POLICY_RECORD, "Record only (a person handles it)"),
]

#: how long a refund may wait for its order before a person is asked
ORDER_WAIT = datetime.timedelta(hours=1)
#: seconds between two attempts while waiting for the order
ORDER_RETRY_AFTER = 600
#: seconds before retrying when the order's own delivery is still queued
ORDER_QUEUED_RETRY_AFTER = 30
#: outcomes of :func:`missing_order_outcome` where the refund waits for its
#: order (a wait, not a failure: retried without spending the job's tries)
WAITING_OUTCOMES = frozenset({"queued", "wait"})


def effective_policy(policy, *, confirmed, has_lines):
    """``(policy, reason)`` applied to a refund; ``reason`` says why a person
    handles it (None when the connector does).

    A quotation has nothing to credit nor to return: a person adjusts it. A
    refund naming no item and no shipping (an amount given back) has no line
    to credit: a person chooses how to book it.
    """
    if not confirmed:
        return POLICY_RECORD, "quotation"
    if not has_lines:
        return POLICY_RECORD, "amount_only"
    if policy == POLICY_RECORD:
        return POLICY_RECORD, "policy"
    return policy, None


@dataclasses.dataclass(frozen=True)
class LinePlan:
    """The refunded units of one order line, by what happens to them.

    ``cancel``: units not shipped yet, taken off the ordered quantity;
    ``ret``: shipped units to receive back with a return;
    ``kept``: units refunded without any stock move (the customer keeps
    them, or the store handles the goods itself);
    ``shipped_cancelled``: the part of ``kept`` that Shopify cancelled as
    unshipped although Odoo had already delivered it.
    """

    cancel: int = 0
    ret: int = 0
    kept: int = 0
    shipped_cancelled: int = 0

    @property
    def quantity(self):
        return self.cancel + self.ret + self.kept


def refundable_quantity(ordered, refunded):
    """Units of a line Odoo can still refund.

    ``ordered`` is the ordered quantity (units taken off by earlier refunds
    are no longer in it), ``refunded`` the units refunded earlier that are
    still on the order (returned or kept).
    """
    return max(0, int(round(ordered - refunded)))


def plan_line(quantity, restock_type, *, ordered, delivered, refunded, stock=True):
    """Split ``quantity`` refunded units of a line (see :class:`LinePlan`).

    ``ordered``, ``delivered`` and ``refunded`` describe the Odoo line before
    this refund (see :func:`refundable_quantity`); the caller has checked
    that ``quantity`` does not exceed what is refundable.

    Without ``stock`` (policy "credit note only") every unit is ``kept``.
    Otherwise units that are not shipped yet are taken off the order
    (``cancel`` and ``no_restock`` take them first), and units that were
    shipped come back with a return (``return`` and ``legacy_restock``) or
    stay with the customer (``no_restock``, or ``cancel`` when Odoo shipped
    what Shopify believed unshipped).
    """
    quantity = int(quantity)
    if quantity <= 0:
        return LinePlan()
    if not stock:
        return LinePlan(kept=quantity)
    undelivered = max(0, int(round(ordered - delivered)))
    shipped_left = max(0, int(round(delivered - refunded)))
    if restock_type in RETURN_TYPES:
        ret = min(quantity, shipped_left)
        cancel = min(quantity - ret, undelivered)
        return LinePlan(cancel=cancel, ret=ret, kept=quantity - ret - cancel)
    cancel = min(quantity, undelivered)
    kept = quantity - cancel
    return LinePlan(
        cancel=cancel,
        kept=kept,
        shipped_cancelled=kept if restock_type == "cancel" else 0,
    )


def credited_amount(subtotal, tax, taxes_included):
    """What Odoo's credit note line totals for a refunded line, taxes included.

    Shopify's ``subtotal`` is in the price basis of the order: it holds the
    tax when the line's taxes are included in its price.
    """
    subtotal, tax = Decimal(subtotal), Decimal(tax)
    return subtotal if taxes_included else subtotal + tax


def split_amount(amount, quantity, step=Decimal("0.01")):
    """Unit prices of ``quantity`` units worth ``amount`` together, exactly.

    Returns ``[(units, unit_price), ...]``: one entry when ``amount`` divides
    evenly at the price precision ``step``, else two entries whose unit
    prices differ by one ``step`` (10.00 for 3 units: 2 at 3.33, 1 at 3.34).
    A credit note made of these lines totals ``amount`` to the cent, which
    one rounded unit price cannot do.
    """
    amount, step = Decimal(amount), Decimal(step)
    quantity = int(quantity)
    if quantity <= 0:
        raise ValueError(f"cannot split {amount} over {quantity} units")
    if amount % step:
        raise ValueError(f"{amount} is finer than the price precision {step}")
    unit = (amount / quantity / step).to_integral_value(ROUND_FLOOR) * step
    higher = int((amount - unit * quantity) / step)
    parts = []
    if quantity - higher:
        parts.append((quantity - higher, unit))
    if higher:
        parts.append((higher, unit + step))
    return parts


def missing_order_outcome(refund_created_at, now, order_event_state=None):
    """What to do with a refund whose order has no binding in Odoo.

    ``order_event_state`` is the state of the latest stored delivery of the
    order (None when Odoo never received one). Returns:

    * ``"queued"``: the order's delivery waits for processing: retry soon;
    * ``"held"``: the order's delivery failed (an exception tells why);
    * ``"skipped"``: the order was received but not imported (ignored);
    * ``"wait"``: nothing received yet but the refund is recent: the order's
      webhook or the reconciliation may still bring it: retry later;
    * ``"missing"``: nothing received and the refund is old: a person must
      import the order or handle the refund.

    ``"queued"`` and ``"wait"`` are waits (:data:`WAITING_OUTCOMES`): the
    refund is retried without spending its job's tries, up to the waiting
    deadline of the base.
    """
    if order_event_state in ("received", "queued", "processing"):
        return "queued"
    if order_event_state == "failed":
        return "held"
    if order_event_state in ("done", "ignored"):
        # done without a binding: the order was ignored or its binding removed
        return "skipped"
    if refund_created_at and now - refund_created_at < ORDER_WAIT:
        return "wait"
    return "missing"

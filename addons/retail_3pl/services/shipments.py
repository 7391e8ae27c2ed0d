"""What a shipment confirmation ships, line by line (plain functions).

- :func:`shipped_by_line` sums a shipment's packages into one
  :class:`Shipped` per line of the fulfilment order, checking each line
  against what was sent (its ``line_ref`` and ``sku``) and the lots against
  the quantities; :func:`received_by_line` does the same for a receipt
  confirmation;
- :func:`tracking_numbers` lists a shipment's tracking numbers;
- :func:`merge_tracking` merges tracking numbers into a picking's field,
  never losing one already there.
"""

import dataclasses

from odoo.addons.retail_connector_base.services.errors import (
    MappingError,
    PayloadValidationError,
)

#: tolerance on quantities (units of measure with decimals)
EPSILON = 1e-6


@dataclasses.dataclass
class Shipped:
    """What a shipment ships of one line of the fulfilment order."""

    line_ref: str
    sku: str
    qty: float = 0.0
    #: (lot name, quantity, expiry date or None), in the order given
    lots: list = dataclasses.field(default_factory=list)
    serials: list = dataclasses.field(default_factory=list)


def shipped_by_line(shipment, sent_lines):
    """``{line_ref: Shipped}`` of a :class:`~.contract.ShipmentConfirmed`.

    ``sent_lines`` maps the ``line_ref`` of each line sent in the fulfilment
    order to its ``sku``. A line the order does not have, or whose SKU is
    not the one sent, raises MappingError naming them all; lots whose
    quantities do not add up to the line's, or a serial given twice, raise
    PayloadValidationError.
    """
    return _by_line(
        (line for package in shipment.packages for line in package.lines),
        sent_lines,
        f"Shipment {shipment.shipment_ref} of order {shipment.order_ref}",
        "ships",
    )


def received_by_line(confirmation, sent_lines):
    """``{line_ref: Shipped}`` of a :class:`~.contract.ReceiptConfirmed`,
    checked as :func:`shipped_by_line` checks a shipment (lines received
    with no quantity are left out)."""
    return _by_line(
        (line for line in confirmation.lines if line.qty > EPSILON),
        sent_lines,
        f"The confirmation of receipt {confirmation.receipt_ref}",
        "receives",
    )


def _by_line(lines, sent_lines, label, verb):
    shipped, unknown, mismatched = {}, [], []
    for line in lines:
        sku = sent_lines.get(line.line_ref)
        if sku is None:
            unknown.append(f"{line.line_ref} ({line.sku})")
            continue
        if sku != line.sku:
            mismatched.append(f"{line.line_ref}: {line.sku} instead of {sku}")
            continue
        lot_qty = sum(lot.qty for lot in line.lots)
        if line.lots and abs(lot_qty - line.qty) > EPSILON:
            raise PayloadValidationError(
                f"{label}: the lots of line {line.line_ref} ({line.sku}) add up "
                f"to {lot_qty:g}, not {line.qty:g}.",
                hint="Ask the provider to send the message again with lot "
                "quantities that add up, then ignore this exception.",
            )
        entry = shipped.setdefault(
            line.line_ref, Shipped(line_ref=line.line_ref, sku=line.sku)
        )
        entry.qty += line.qty
        entry.lots.extend((lot.lot, lot.qty, lot.expiry) for lot in line.lots)
        entry.serials.extend(getattr(line, "serials", ()))
    problems = []
    if unknown:
        problems.append(f"lines Odoo did not send: {', '.join(unknown)}")
    if mismatched:
        problems.append(f"lines with another SKU: {', '.join(mismatched)}")
    if problems:
        raise MappingError(
            f"{label} {verb} {'; '.join(problems)}.",
            hint="The provider reports something Odoo did not ask for: check "
            "it with the provider and correct the picking by hand if it is "
            "right, then ignore this exception.",
        )
    for entry in shipped.values():
        if len(set(entry.serials)) != len(entry.serials):
            raise PayloadValidationError(
                f"{label} gives a serial number twice for line {entry.line_ref} "
                f"({entry.sku}).",
                hint="Ask the provider to send the message again with the "
                "serial numbers concerned, then ignore this exception.",
            )
    return shipped


def tracking_numbers(shipment):
    """The tracking numbers of a shipment's packages, each once, in order."""
    return list(
        dict.fromkeys(
            package.tracking_number
            for package in shipment.packages
            if package.tracking_number
        )
    )


def merge_tracking(current, numbers):
    """``current`` (comma-separated text or empty) with ``numbers`` added.

    Numbers already there are kept in their place; the new ones follow.
    """
    merged = [n.strip() for n in (current or "").split(",") if n.strip()]
    for number in numbers:
        if number not in merged:
            merged.append(number)
    return ",".join(merged)

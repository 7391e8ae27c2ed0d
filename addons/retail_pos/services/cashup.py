"""A Z report compared with what was imported of its terminal and day.

- :class:`Imported`: the ticket numbers imported, the totals per payment
  method code, and the cash taken (change given back deducted);
- :func:`missing_numbers`: the gaps of a numbering;
- :func:`compare`: the :class:`Report` of a cash-up: its problems, in
  words, empty when it matches. A difference between the counted cash and
  the cash expected is no problem up to the tolerance.
"""

import dataclasses
from decimal import Decimal

from odoo.addons.retail_connector_base.services.money import round_amount

#: missing ticket numbers named in a message (the rest are counted)
MAX_LISTED = 20


@dataclasses.dataclass(frozen=True)
class Imported:
    numbers: list
    totals: dict
    cash: Decimal


@dataclasses.dataclass(frozen=True)
class Report:
    problems: list
    missing: list
    cash_difference: Decimal


def missing_numbers(first, last, numbers):
    """The numbers of ``first``..``last`` not in ``numbers``, in order."""
    if first is None or last is None:
        return []
    have = set(numbers)
    return [number for number in range(first, last + 1) if number not in have]


def _listed(numbers):
    shown = ", ".join(str(n) for n in numbers[:MAX_LISTED])
    more = len(numbers) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def compare(cashup, imported, *, cash_methods, tolerance, rounding):
    """The :class:`Report` of ``cashup`` (a ``schemas.Cashup``) against
    ``imported``; ``cash_methods`` are the till's codes of cash."""
    problems = []
    count = len(imported.numbers)
    if count != cashup.ticket_count:
        problems.append(
            f"{cashup.ticket_count} tickets in the Z report, {count} imported"
        )
    missing = missing_numbers(cashup.first_number, cashup.last_number, imported.numbers)
    if missing:
        problems.append(f"missing ticket numbers {_listed(missing)}")
    if cashup.first_number is not None and cashup.last_number is not None:
        outside = sorted(
            n
            for n in set(imported.numbers)
            if not cashup.first_number <= n <= cashup.last_number
        )
        if outside:
            problems.append(
                f"imported ticket numbers outside {cashup.first_number}-"
                f"{cashup.last_number}: {_listed(outside)}"
            )
    reported = {total.method: Decimal(total.amount) for total in cashup.totals}
    zero = Decimal(0)
    for method in sorted(set(reported) | set(imported.totals)):
        till = round_amount(reported.get(method, zero), rounding)
        odoo = round_amount(imported.totals.get(method, zero), rounding)
        if till != odoo:
            problems.append(f"{method}: {till} in the Z report, {odoo} imported")
    expected = round_amount(imported.cash, rounding)
    difference = round_amount(Decimal(cashup.counted_cash) - expected, rounding)
    if cash_methods and abs(difference) > tolerance:
        problems.append(
            f"counted cash {Decimal(cashup.counted_cash)} is {difference} away from "
            f"the {expected} expected (tolerance {tolerance})"
        )
    return Report(problems=problems, missing=missing, cash_difference=difference)

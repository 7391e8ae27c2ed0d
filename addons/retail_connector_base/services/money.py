"""Amounts of money, in :class:`~decimal.Decimal`, the way connectors compare them.

Remote systems send amounts as text ("24.50"), Odoo computes them as floats
(``sale.order.amount_total``): both become :class:`~decimal.Decimal` here
before they are compared, so that a comparison never depends on binary
floating point.

* :func:`to_decimal` turns text, ints, floats and Decimals into a Decimal;
* :func:`round_amount` rounds an amount to a currency's rounding (0.01,
  0.05 ...);
* :func:`rounded_difference` is what separates two totals, in rounding
  units of the currency;
* :func:`tax_rounding_tolerance` and :func:`within_tolerance` apply the rule
  for totals computed by two systems that round taxes differently: a
  difference of at most one rounding unit per separately rounded tax line
  is accepted.
"""

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)


def to_decimal(value):
    """``value`` as a Decimal: ``"24.50"``, ``24.5``, ``3`` or a Decimal.

    A float becomes the Decimal of its shortest text (``0.1`` gives
    ``Decimal("0.1")``, not the binary ``0.1000000000000000055...``).
    ``None``, booleans, text that is not a number, NaN and infinities raise
    ValueError: an amount that cannot be read is never taken as zero.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not an amount")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not an amount")
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount") from None
    else:
        raise ValueError(f"{value!r} is not an amount")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return result


def _rounding(rounding):
    step = to_decimal(rounding)
    if step <= 0:
        raise ValueError(f"rounding must be positive, not {rounding!r}")
    return step


def round_amount(amount, rounding):
    """``amount`` rounded to a multiple of ``rounding``, half away from zero.

    ``rounding`` is the currency's (``res.currency.rounding``): ``0.01`` for
    cents, ``0.05`` for a currency paid in steps of five cents, ``1`` for a
    currency without decimals. The result carries the exponent of the
    rounding: ``round_amount("2.675", "0.01") == Decimal("2.68")``.
    """
    step = _rounding(rounding)
    units = (to_decimal(amount) / step).to_integral_value(ROUND_HALF_UP)
    return (units * step).quantize(step)


def rounded_difference(actual, expected, rounding):
    """``actual - expected`` rounded to the currency: zero when they agree."""
    return round_amount(to_decimal(actual) - to_decimal(expected), rounding)


def tax_rounding_tolerance(tax_lines, rounding):
    """The largest difference explained by rounding ``tax_lines`` tax lines.

    A system that rounds each tax line on its own can end one rounding unit
    away, per tax line, from one that rounds the taxes of a line together.
    """
    tax_lines = int(tax_lines)
    if tax_lines < 0:
        raise ValueError(f"cannot round {tax_lines} tax lines")
    return tax_lines * _rounding(rounding)


def within_tolerance(actual, expected, tax_lines, rounding):
    """Whether two totals differ by no more than tax rounding explains.

    The difference is rounded to the currency first, then compared with
    :func:`tax_rounding_tolerance`: with three tax lines in cents, 0.03 is
    accepted and 0.04 is not; without tax lines only equal totals are.
    """
    difference = abs(rounded_difference(actual, expected, rounding))
    return difference <= tax_rounding_tolerance(tax_lines, rounding)

"""Comparing a provider's inventory with Odoo's stock (plain functions).

:func:`compare` takes, per SKU, what Odoo holds in the warehouse, what the
provider reports on hand and what is **in flight** (sent to the provider in
fulfilment orders it has not confirmed as shipped: it may have shipped them
already, so its shelves may hold up to that much less than Odoo). A
difference inside ``[-in flight, 0]`` is explained; the rest is
``unexplained``: none is *matched*, up to the tolerance is *adjusted* (Odoo's
stock is moved by it), more is an *exception*; a SKU Odoo does not know is
an exception too.
"""

import dataclasses

EPSILON = 1e-6


@dataclasses.dataclass(frozen=True)
class Difference:
    sku: str
    odoo_qty: float
    provider_qty: float
    in_flight: float
    #: what in-flight quantities do not explain (provider - Odoo, past them)
    unexplained: float
    #: "matched", "adjusted", "exception" or "unknown" (SKU not in Odoo)
    outcome: str


def unexplained(odoo_qty, provider_qty, in_flight):
    """The part of ``provider_qty - odoo_qty`` in-flight units do not explain."""
    diff = provider_qty - odoo_qty
    if diff > EPSILON:
        return diff
    if diff < -in_flight - EPSILON:
        return diff + in_flight
    return 0.0


def compare(odoo, provider, in_flight, tolerance, known=None):
    """A :class:`Difference` per SKU of ``odoo`` or ``provider``, by SKU.

    ``odoo``, ``provider`` and ``in_flight`` map SKUs to quantities (a SKU
    missing from ``provider`` has none on its shelves); ``known`` are the
    SKUs Odoo has a product for (default: those of ``odoo``).
    """
    known = set(odoo) if known is None else set(known)
    result = []
    for sku in sorted(set(odoo) | set(provider)):
        odoo_qty = float(odoo.get(sku, 0.0))
        provider_qty = float(provider.get(sku, 0.0))
        flight = float(in_flight.get(sku, 0.0))
        gap = unexplained(odoo_qty, provider_qty, flight)
        if sku not in known:
            outcome = "unknown"
        elif abs(gap) <= EPSILON:
            outcome = "matched"
        elif abs(gap) <= tolerance + EPSILON:
            outcome = "adjusted"
        else:
            outcome = "exception"
        result.append(
            Difference(
                sku=sku,
                odoo_qty=odoo_qty,
                provider_qty=provider_qty,
                in_flight=flight,
                unexplained=gap,
                outcome=outcome,
            )
        )
    return result

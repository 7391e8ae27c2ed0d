"""The canonical Shopify order: one shape for webhooks and GraphQL answers.

Webhook payloads (REST-shaped JSON) and GraphQL order nodes are both mapped
to these frozen dataclasses, by :mod:`.order_webhook` and :mod:`.order_graphql`
(refunds by :mod:`.refund_webhook`), so the rest of the connector compares
and imports one kind of object whatever the source.

Conventions:

* money is :class:`~decimal.Decimal` in the shop currency (``shop_money``),
  never the presentment currency the buyer saw;
* datetimes are naive and in UTC;
* identifiers are GraphQL global ids (``gid://shopify/Order/123``);
* statuses are the lower-case words of the REST API.
"""

import dataclasses
import datetime
from decimal import Decimal

ZERO = Decimal(0)

FINANCIAL_STATUSES = frozenset(
    {
        "pending",
        "authorized",
        "partially_paid",
        "paid",
        "partially_refunded",
        "refunded",
        "voided",
        "expired",
    }
)
FULFILLMENT_STATUSES = frozenset({"unfulfilled", "partial", "fulfilled", "restocked"})
CANCEL_REASONS = frozenset(
    {"customer", "declined", "fraud", "inventory", "other", "staff"}
)
RESTOCK_TYPES = frozenset({"no_restock", "cancel", "return", "legacy_restock"})


def _sum(amounts):
    return sum(amounts, ZERO)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Address:
    """A postal address of an order (billing or shipping)."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code: str | None = None
    phone: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Customer:
    """The customer account an order belongs to."""

    gid: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaxLine:
    """A tax charged on a line or a shipping line.

    ``rate`` is a fraction (``0.2`` for 20 %); ``amount`` is the tax in the
    shop currency, included in the price when the order's
    ``taxes_included`` is true.
    """

    title: str
    rate: Decimal
    amount: Decimal


@dataclasses.dataclass(frozen=True, kw_only=True)
class DiscountAllocation:
    """The part of a discount taken off one line or shipping line."""

    amount: Decimal
    title: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderLine:
    """A product line of an order.

    ``unit_price`` is the price before any discount; ``total_discount`` is
    the sum of the ``discount_allocations`` on the line (line discounts and
    the line's share of order discounts). ``current_quantity`` is what is
    left after edits and refunds, when the source tells it.
    """

    gid: str
    title: str
    quantity: int
    unit_price: Decimal
    variant_gid: str | None = None
    product_gid: str | None = None
    sku: str | None = None
    variant_title: str | None = None
    total_discount: Decimal = ZERO
    discount_allocations: tuple[DiscountAllocation, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()
    requires_shipping: bool = True
    taxable: bool = True
    current_quantity: int | None = None

    @property
    def gross_amount(self):
        """Unit price times quantity, before discounts."""
        return self.unit_price * self.quantity

    @property
    def net_amount(self):
        """Amount of the line after its discounts (taxes as in the price)."""
        return self.gross_amount - self.total_discount

    @property
    def tax_amount(self):
        return _sum(tax.amount for tax in self.tax_lines)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShippingLine:
    """A shipping charge of an order; ``price`` is before discounts."""

    gid: str | None
    title: str
    price: Decimal
    code: str | None = None
    total_discount: Decimal = ZERO
    discount_allocations: tuple[DiscountAllocation, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()

    @property
    def net_amount(self):
        return self.price - self.total_discount

    @property
    def tax_amount(self):
        return _sum(tax.amount for tax in self.tax_lines)


@dataclasses.dataclass(frozen=True, kw_only=True)
class CanonicalOrder:
    """A Shopify order, whatever the source it was read from.

    Order totals are Shopify's own figures in the shop currency:
    ``subtotal_price`` is the lines after discounts (before shipping and,
    when excluded, taxes), ``total_shipping`` the shipping before
    discounts, ``total_price`` what the customer pays.
    """

    gid: str
    legacy_id: int
    name: str
    currency: str
    presentment_currency: str
    taxes_included: bool
    financial_status: str | None
    fulfillment_status: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    processed_at: datetime.datetime | None = None
    cancelled_at: datetime.datetime | None = None
    cancel_reason: str | None = None
    customer: Customer | None = None
    email: str | None = None
    phone: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    lines: tuple[OrderLine, ...] = ()
    shipping_lines: tuple[ShippingLine, ...] = ()
    subtotal_price: Decimal = ZERO
    total_discounts: Decimal = ZERO
    total_tax: Decimal = ZERO
    total_shipping: Decimal = ZERO
    total_price: Decimal = ZERO
    note: str | None = None
    tags: tuple[str, ...] = ()
    #: what the mapping noticed but did not reject (e.g. a numeric id that
    #: disagrees with the GID), for a person to read on the order
    remarks: tuple[str, ...] = ()
    source_name: str | None = None
    test: bool = False

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None

    @property
    def lines_net_amount(self):
        return _sum(line.net_amount for line in self.lines)

    @property
    def shipping_net_amount(self):
        return _sum(line.net_amount for line in self.shipping_lines)

    @property
    def tax_lines_amount(self):
        """Sum of the tax lines of every line and shipping line."""
        return _sum(line.tax_amount for line in self.lines) + _sum(
            line.tax_amount for line in self.shipping_lines
        )

    @property
    def computed_total(self):
        """The total rebuilt from the lines: it should equal ``total_price``.

        Lines after discounts, plus shipping after discounts, plus the
        taxes when they are not already in the prices.
        """
        total = self.lines_net_amount + self.shipping_net_amount
        if not self.taxes_included:
            total += self.tax_lines_amount
        return total

    @property
    def unallocated_discount(self):
        """Discount Shopify took off the total but allocated to no line.

        Apps and order adjustments can lower what the customer pays without
        a discount allocation on the lines; the importer books it on the
        backend's discount product. Zero when the lines add up.
        """
        return max(ZERO, self.computed_total - self.total_price)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefundLine:
    """Units of one order line given back in a refund.

    ``subtotal`` and ``total_tax`` are in the shop currency; ``subtotal``
    is in the order's price basis, so it already holds ``total_tax`` when the
    order's taxes are included in prices. ``restock_type`` is
    ``no_restock``, ``cancel``, ``return`` or ``legacy_restock``. ``title``
    and ``sku`` name the refunded line for people, when the payload has them.
    """

    line_gid: str
    quantity: int
    subtotal: Decimal
    total_tax: Decimal
    restock_type: str = "no_restock"
    title: str | None = None
    sku: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CanonicalRefund:
    """A refund of a Shopify order.

    Line and shipping amounts are in the shop currency ``currency``;
    ``transactions_total`` is the money actually sent back by successful
    refund transactions, in ``transactions_currency`` (the currency the
    buyer paid in).
    """

    gid: str
    order_gid: str
    created_at: datetime.datetime
    currency: str | None
    note: str | None = None
    lines: tuple[RefundLine, ...] = ()
    shipping_amount: Decimal = ZERO
    shipping_tax: Decimal = ZERO
    transactions_total: Decimal = ZERO
    transactions_currency: str | None = None
    legacy_id: int | None = None

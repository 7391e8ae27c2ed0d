"""Shopify ``refunds/create`` webhooks mapped to the canonical refund.

:func:`refund_from_webhook` reads the REST-shaped JSON of the
``refunds/create`` webhook into a :class:`~.canonical.CanonicalRefund`, in the
shop currency; a missing or invalid field raises
:class:`~odoo.addons.retail_connector_base.services.errors.PayloadValidationError`
naming the refund, its order and the path of the field. What the refund does
to an Odoo order is decided in :mod:`.refunds`.
"""

from odoo.addons.retail_connector_base.services.validation import (
    Currency,
    Money,
    NumericId,
    OptionalMoney,
    PayloadModel,
    Quantity,
    Timestamp,
    text,
)

from . import canonical
from .payloads import (
    LineItemGid,
    RefundGid,
    RestMoneySet,
    ShopifyContext,
    gid_number,
)


class RestRefundedLineItem(PayloadModel):
    admin_graphql_api_id: LineItemGid | None = None
    name: str | None = None
    title: str | None = None
    sku: str | None = None


class RestRefundLineItem(PayloadModel):
    line_item_id: NumericId | None = None
    line_item: RestRefundedLineItem | None = None
    quantity: Quantity
    restock_type: str | None = None
    subtotal: OptionalMoney = None
    subtotal_set: RestMoneySet | None = None
    total_tax: OptionalMoney = None
    total_tax_set: RestMoneySet | None = None


class RestRefundShippingLine(PayloadModel):
    subtotal_amount_set: RestMoneySet
    tax_amount_set: RestMoneySet | None = None


class RestOrderAdjustment(PayloadModel):
    kind: str | None = None
    amount: OptionalMoney = None
    amount_set: RestMoneySet | None = None
    tax_amount: OptionalMoney = None
    tax_amount_set: RestMoneySet | None = None


class RestTransaction(PayloadModel):
    kind: str | None = None
    status: str | None = None
    amount: Money
    currency: Currency | None = None


class RestRefund(PayloadModel):
    id: NumericId | None = None
    admin_graphql_api_id: RefundGid
    order_id: NumericId
    created_at: Timestamp
    note: str | None = None
    refund_line_items: tuple[RestRefundLineItem, ...]
    refund_shipping_lines: tuple[RestRefundShippingLine, ...] = ()
    order_adjustments: tuple[RestOrderAdjustment, ...] = ()
    transactions: tuple[RestTransaction, ...] = ()


def refund_from_webhook(payload: dict) -> canonical.CanonicalRefund:
    """Map a ``refunds/create`` webhook payload to a canonical refund.

    Shipping refunded is read from ``refund_shipping_lines`` when given,
    else from the ``shipping_refund`` order adjustments (negative amounts
    there). ``transactions_total`` sums the successful ``refund``
    transactions.
    """
    gid = payload.get("admin_graphql_api_id") if isinstance(payload, dict) else None
    order_id = payload.get("order_id") if isinstance(payload, dict) else None
    ctx = ShopifyContext(
        "Shopify refund",
        f"{gid or '(unknown)'} of order {order_id or '(unknown)'}",
        gid if isinstance(gid, str) else None,
        source="webhook",
    )
    refund = ctx.validate(RestRefund, payload)
    ctx.remote_ref = refund.admin_graphql_api_id
    currencies = set()

    def amount(path, money_set, plain=None):
        if money_set is not None:
            currencies.add(money_set.shop_money.currency_code)
            if len(currencies) > 1:
                ctx.fail(
                    f"{path}_set.shop_money.currency_code",
                    f"is invalid: shop amounts in {', '.join(sorted(currencies))}",
                )
        return ctx.shop_money(path, money_set, plain)

    lines = []
    for index, item in enumerate(refund.refund_line_items):
        path = f"refund_line_items[{index}]"
        if item.line_item and item.line_item.admin_graphql_api_id:
            line_gid = item.line_item.admin_graphql_api_id
        elif item.line_item_id:
            line_gid = f"gid://shopify/LineItem/{item.line_item_id}"
        else:
            ctx.fail(f"{path}.line_item_id", "is missing")
        restock_type = (text(item.restock_type) or "no_restock").lower()
        if restock_type not in canonical.RESTOCK_TYPES:
            ctx.fail(
                f"{path}.restock_type",
                f"is invalid: unknown restock type {item.restock_type!r}",
            )
        refunded_item = item.line_item
        lines.append(
            canonical.RefundLine(
                line_gid=line_gid,
                title=(
                    text(refunded_item.name) or text(refunded_item.title)
                    if refunded_item
                    else None
                ),
                sku=text(refunded_item.sku) if refunded_item else None,
                quantity=item.quantity,
                subtotal=amount(f"{path}.subtotal", item.subtotal_set, item.subtotal),
                total_tax=amount(
                    f"{path}.total_tax", item.total_tax_set, item.total_tax
                ),
                restock_type=restock_type,
            )
        )
    shipping = shipping_tax = canonical.ZERO
    if refund.refund_shipping_lines:
        for index, line in enumerate(refund.refund_shipping_lines):
            path = f"refund_shipping_lines[{index}]"
            shipping += amount(f"{path}.subtotal_amount", line.subtotal_amount_set)
            if line.tax_amount_set is not None:
                shipping_tax += amount(f"{path}.tax_amount", line.tax_amount_set)
    else:
        for index, adjustment in enumerate(refund.order_adjustments):
            if (adjustment.kind or "").lower() != "shipping_refund":
                continue
            path = f"order_adjustments[{index}]"
            shipping -= amount(
                f"{path}.amount", adjustment.amount_set, adjustment.amount
            )
            if adjustment.tax_amount_set is not None or adjustment.tax_amount:
                shipping_tax -= amount(
                    f"{path}.tax_amount",
                    adjustment.tax_amount_set,
                    adjustment.tax_amount,
                )
    paid_back = canonical.ZERO
    paid_currencies = set()
    for transaction in refund.transactions:
        if (transaction.kind or "").lower() != "refund":
            continue
        if (transaction.status or "").lower() != "success":
            continue
        paid_back += transaction.amount
        if transaction.currency:
            paid_currencies.add(transaction.currency)
    if len(paid_currencies) > 1:
        ctx.fail(
            "transactions",
            f"is invalid: refunds in {', '.join(sorted(paid_currencies))}",
        )
    return canonical.CanonicalRefund(
        gid=refund.admin_graphql_api_id,
        legacy_id=gid_number(refund.admin_graphql_api_id),
        order_gid=f"gid://shopify/Order/{refund.order_id}",
        created_at=refund.created_at,
        note=text(refund.note),
        lines=tuple(lines),
        shipping_amount=shipping,
        shipping_tax=shipping_tax,
        transactions_total=paid_back,
        transactions_currency=next(iter(paid_currencies), None),
        currency=next(iter(currencies), None),
    )

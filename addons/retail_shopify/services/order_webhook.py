"""Shopify ``orders/*`` webhooks mapped to the canonical order.

:func:`order_from_webhook` reads the REST-shaped JSON of the ``orders/*``
webhooks (the API version of :mod:`.version`) into a
:class:`~.canonical.CanonicalOrder`. The pydantic models declare only the
fields read here (anything else is ignored); a missing or invalid field
raises
:class:`~odoo.addons.retail_connector_base.services.errors.PayloadValidationError`
naming the order and the path of the field. Money is read in the shop
currency (``shop_money``); ids are GraphQL global ids.
"""

from odoo.addons.retail_connector_base.services.validation import (
    Currency,
    NumericId,
    OptionalMoney,
    OptionalTimestamp,
    PayloadModel,
    Quantity,
    Timestamp,
    text,
)

from . import canonical
from .payloads import (
    AddressFields,
    CustomerGid,
    LineItemGid,
    OrderGid,
    Rate,
    RestMoneySet,
    Tags,
    address,
    allocated,
    cancel_reason,
    financial_status,
    gid_number,
    id_remark,
    order_context,
)


# ----------------------------------------------------------------------
# REST webhook payloads (snake_case)
# ----------------------------------------------------------------------
class RestTaxLine(PayloadModel):
    title: str
    rate: Rate = canonical.ZERO
    price: OptionalMoney = None
    price_set: RestMoneySet | None = None


class RestDiscountAllocation(PayloadModel):
    amount: OptionalMoney = None
    amount_set: RestMoneySet | None = None
    discount_application_index: Quantity | None = None


class RestDiscountApplication(PayloadModel):
    type: str | None = None
    title: str | None = None
    code: str | None = None
    description: str | None = None


class RestLineItem(PayloadModel):
    id: NumericId | None = None
    admin_graphql_api_id: LineItemGid
    title: str
    variant_title: str | None = None
    sku: str | None = None
    variant_id: NumericId | None = None
    product_id: NumericId | None = None
    quantity: Quantity
    current_quantity: Quantity | None = None
    price: OptionalMoney = None
    price_set: RestMoneySet | None = None
    discount_allocations: tuple[RestDiscountAllocation, ...]
    tax_lines: tuple[RestTaxLine, ...]
    requires_shipping: bool = True
    taxable: bool = True


class RestShippingLine(PayloadModel):
    id: NumericId | None = None
    title: str
    code: str | None = None
    price: OptionalMoney = None
    price_set: RestMoneySet | None = None
    discount_allocations: tuple[RestDiscountAllocation, ...] = ()
    tax_lines: tuple[RestTaxLine, ...] = ()
    is_removed: bool = False


class RestCustomer(PayloadModel):
    admin_graphql_api_id: CustomerGid
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class RestAddress(AddressFields):
    country_code: str | None = None


class RestOrder(PayloadModel):
    id: NumericId | None = None
    admin_graphql_api_id: OrderGid
    name: str
    currency: Currency
    presentment_currency: Currency | None = None
    taxes_included: bool
    financial_status: str | None = None
    fulfillment_status: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    processed_at: OptionalTimestamp = None
    cancelled_at: OptionalTimestamp = None
    cancel_reason: str | None = None
    customer: RestCustomer | None = None
    email: str | None = None
    phone: str | None = None
    billing_address: RestAddress | None = None
    shipping_address: RestAddress | None = None
    line_items: tuple[RestLineItem, ...]
    shipping_lines: tuple[RestShippingLine, ...]
    discount_applications: tuple[RestDiscountApplication, ...] = ()
    subtotal_price: OptionalMoney = None
    subtotal_price_set: RestMoneySet | None = None
    total_discounts: OptionalMoney = None
    total_discounts_set: RestMoneySet | None = None
    total_tax: OptionalMoney = None
    total_tax_set: RestMoneySet | None = None
    total_price: OptionalMoney = None
    total_price_set: RestMoneySet | None = None
    total_shipping_price_set: RestMoneySet | None = None
    note: str | None = None
    tags: Tags = ()
    source_name: str | None = None
    test: bool = False


# ----------------------------------------------------------------------
# webhook → canonical
# ----------------------------------------------------------------------
def _rest_fulfillment_status(ctx, value):
    if value is None:
        return "unfulfilled"
    status = value.strip().lower()
    if status not in canonical.FULFILLMENT_STATUSES:
        ctx.fail(
            "fulfillment_status", f"is invalid: unknown fulfillment status {value!r}"
        )
    return status


def _rest_taxes(ctx, path, tax_lines):
    return tuple(
        canonical.TaxLine(
            title=tax.title.strip(),
            rate=tax.rate,
            amount=ctx.shop_money(f"{path}[{index}].price", tax.price_set, tax.price),
        )
        for index, tax in enumerate(tax_lines)
    )


def _rest_allocations(ctx, path, allocations, applications):
    result = []
    for index, allocation in enumerate(allocations):
        here = f"{path}[{index}]"
        title = None
        position = allocation.discount_application_index
        if position is not None:
            if position >= len(applications):
                ctx.fail(
                    f"{here}.discount_application_index",
                    f"is invalid: {position} does not point into "
                    f"discount_applications ({len(applications)} given)",
                )
            application = applications[position]
            title = text(application.code) or text(application.title)
        result.append(
            canonical.DiscountAllocation(
                amount=ctx.shop_money(
                    f"{here}.amount", allocation.amount_set, allocation.amount
                ),
                title=title,
            )
        )
    return tuple(result)


def _rest_line(ctx, index, item, applications):
    path = f"line_items[{index}]"
    allocations = _rest_allocations(
        ctx, f"{path}.discount_allocations", item.discount_allocations, applications
    )
    return canonical.OrderLine(
        gid=item.admin_graphql_api_id,
        variant_gid=(
            f"gid://shopify/ProductVariant/{item.variant_id}"
            if item.variant_id
            else None
        ),
        product_gid=(
            f"gid://shopify/Product/{item.product_id}" if item.product_id else None
        ),
        sku=text(item.sku),
        title=item.title.strip(),
        variant_title=text(item.variant_title),
        quantity=item.quantity,
        current_quantity=item.current_quantity,
        unit_price=ctx.shop_money(f"{path}.price", item.price_set, item.price),
        total_discount=allocated(allocations),
        discount_allocations=allocations,
        tax_lines=_rest_taxes(ctx, f"{path}.tax_lines", item.tax_lines),
        requires_shipping=item.requires_shipping,
        taxable=item.taxable,
    )


def _rest_shipping_line(ctx, index, line, applications):
    path = f"shipping_lines[{index}]"
    allocations = _rest_allocations(
        ctx, f"{path}.discount_allocations", line.discount_allocations, applications
    )
    return canonical.ShippingLine(
        gid=f"gid://shopify/ShippingLine/{line.id}" if line.id else None,
        title=line.title.strip(),
        code=text(line.code),
        price=ctx.shop_money(f"{path}.price", line.price_set, line.price),
        total_discount=allocated(allocations),
        discount_allocations=allocations,
        tax_lines=_rest_taxes(ctx, f"{path}.tax_lines", line.tax_lines),
    )


def order_from_webhook(payload: dict) -> canonical.CanonicalOrder:
    """Map an ``orders/*`` webhook payload to a canonical order."""
    ctx = order_context(payload, "webhook")
    order = ctx.validate(RestOrder, payload)
    ctx.remote_ref = order.admin_graphql_api_id
    ctx.label = order.name
    ctx.currency = order.currency
    legacy_id = gid_number(order.admin_graphql_api_id)
    remark = id_remark("id", order.id, order.admin_graphql_api_id)
    applications = order.discount_applications
    customer = order.customer
    mapped_shipping = tuple(
        _rest_shipping_line(ctx, index, line, applications)
        for index, line in enumerate(order.shipping_lines)
        if not line.is_removed
    )
    if order.total_shipping_price_set is None:
        total_shipping = sum((line.price for line in mapped_shipping), canonical.ZERO)
    else:
        total_shipping = ctx.shop_money(
            "total_shipping_price", order.total_shipping_price_set
        )
    return canonical.CanonicalOrder(
        remarks=(remark,) if remark else (),
        gid=order.admin_graphql_api_id,
        legacy_id=legacy_id,
        name=order.name.strip(),
        currency=order.currency,
        presentment_currency=order.presentment_currency or order.currency,
        taxes_included=order.taxes_included,
        financial_status=financial_status(
            ctx, "financial_status", order.financial_status
        ),
        fulfillment_status=_rest_fulfillment_status(ctx, order.fulfillment_status),
        created_at=order.created_at,
        updated_at=order.updated_at,
        processed_at=order.processed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=cancel_reason(order.cancel_reason),
        customer=(
            canonical.Customer(
                gid=customer.admin_graphql_api_id,
                email=text(customer.email),
                phone=text(customer.phone),
                first_name=text(customer.first_name),
                last_name=text(customer.last_name),
            )
            if customer
            else None
        ),
        email=text(order.email),
        phone=text(order.phone),
        billing_address=address(order.billing_address, "country_code"),
        shipping_address=address(order.shipping_address, "country_code"),
        lines=tuple(
            _rest_line(ctx, index, item, applications)
            for index, item in enumerate(order.line_items)
        ),
        shipping_lines=mapped_shipping,
        subtotal_price=ctx.shop_money(
            "subtotal_price", order.subtotal_price_set, order.subtotal_price
        ),
        total_discounts=ctx.shop_money(
            "total_discounts", order.total_discounts_set, order.total_discounts
        ),
        total_tax=ctx.shop_money("total_tax", order.total_tax_set, order.total_tax),
        total_shipping=total_shipping,
        total_price=ctx.shop_money(
            "total_price", order.total_price_set, order.total_price
        ),
        note=text(order.note),
        tags=order.tags,
        source_name=text(order.source_name),
        test=order.test,
    )

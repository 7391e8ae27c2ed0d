"""Shopify ``Order`` nodes of the Admin GraphQL API mapped to the canonical order.

:func:`order_from_graphql` reads an ``Order`` node as selected by the
``OrdersByIds`` and ``OrderById`` documents of ``graphql/`` (their
``OrderFields`` fragment) into a :class:`~.canonical.CanonicalOrder`, the same
object :func:`~.order_webhook.order_from_webhook` gives for the same order.
Every key of the node is required, so that a document missing a field fails
loudly instead of importing zeros; the error names the order and the path of
the field. :func:`truncated_connections` tells a node whose lines were cut
short by paging.
"""

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.validation import (
    CamelPayloadModel,
    Currency,
    Money,
    NumericId,
    OptionalTimestamp,
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
    ProductGid,
    Rate,
    ShippingLineGid,
    Tags,
    VariantGid,
    address,
    allocated,
    cancel_reason,
    financial_status,
    gid_number,
    order_context,
)

GRAPHQL_FULFILLMENT_STATUSES = {
    "UNFULFILLED": "unfulfilled",
    "OPEN": "unfulfilled",
    "IN_PROGRESS": "unfulfilled",
    "ON_HOLD": "unfulfilled",
    "PENDING_FULFILLMENT": "unfulfilled",
    "SCHEDULED": "unfulfilled",
    "REQUEST_DECLINED": "unfulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "FULFILLED": "fulfilled",
    # nothing to ship: no delivery is left to make
    "FULFILLMENT_NOT_REQUIRED": "fulfilled",
    "RESTOCKED": "restocked",
}


# ----------------------------------------------------------------------
# GraphQL Order nodes (camelCase); every key is required so that a
# document missing a field fails loudly instead of importing zeros
# ----------------------------------------------------------------------
class GqlMoney(CamelPayloadModel):
    amount: Money
    currency_code: Currency


class GqlMoneyBag(CamelPayloadModel):
    shop_money: GqlMoney


class GqlTaxLine(CamelPayloadModel):
    title: str
    rate: Rate
    price_set: GqlMoneyBag


class GqlDiscountApplication(CamelPayloadModel):
    code: str | None = None
    title: str | None = None


class GqlDiscountAllocation(CamelPayloadModel):
    allocated_amount_set: GqlMoneyBag
    discount_application: GqlDiscountApplication | None = None


class GqlVariantRef(CamelPayloadModel):
    id: VariantGid


class GqlProductRef(CamelPayloadModel):
    id: ProductGid


class GqlPageInfo(CamelPayloadModel):
    has_next_page: bool


class GqlLineItem(CamelPayloadModel):
    id: LineItemGid
    title: str
    variant_title: str | None
    sku: str | None
    quantity: Quantity
    current_quantity: Quantity | None = None
    variant: GqlVariantRef | None
    product: GqlProductRef | None
    original_unit_price_set: GqlMoneyBag
    discount_allocations: tuple[GqlDiscountAllocation, ...]
    tax_lines: tuple[GqlTaxLine, ...]
    requires_shipping: bool
    taxable: bool


class GqlLineItemConnection(CamelPayloadModel):
    nodes: tuple[GqlLineItem, ...]
    page_info: GqlPageInfo | None = None


class GqlShippingLine(CamelPayloadModel):
    id: ShippingLineGid | None
    title: str
    code: str | None
    original_price_set: GqlMoneyBag
    discount_allocations: tuple[GqlDiscountAllocation, ...]
    tax_lines: tuple[GqlTaxLine, ...]


class GqlShippingLineConnection(CamelPayloadModel):
    nodes: tuple[GqlShippingLine, ...]
    page_info: GqlPageInfo | None = None


class GqlEmailAddress(CamelPayloadModel):
    email_address: str


class GqlPhoneNumber(CamelPayloadModel):
    phone_number: str


class GqlCustomer(CamelPayloadModel):
    id: CustomerGid
    first_name: str | None
    last_name: str | None
    default_email_address: GqlEmailAddress | None
    default_phone_number: GqlPhoneNumber | None


class GqlAddress(CamelPayloadModel, AddressFields):
    country_code_v2: str | None = None


class GqlOrder(CamelPayloadModel):
    id: OrderGid
    legacy_resource_id: NumericId
    name: str
    currency_code: Currency
    presentment_currency_code: Currency
    taxes_included: bool
    display_financial_status: str | None
    display_fulfillment_status: str
    created_at: Timestamp
    updated_at: Timestamp
    processed_at: OptionalTimestamp
    cancelled_at: OptionalTimestamp
    cancel_reason: str | None
    customer: GqlCustomer | None
    email: str | None
    phone: str | None
    billing_address: GqlAddress | None
    shipping_address: GqlAddress | None
    line_items: GqlLineItemConnection
    shipping_lines: GqlShippingLineConnection
    subtotal_price_set: GqlMoneyBag | None
    total_discounts_set: GqlMoneyBag | None
    total_tax_set: GqlMoneyBag | None
    total_price_set: GqlMoneyBag
    total_shipping_price_set: GqlMoneyBag
    note: str | None
    tags: Tags
    source_name: str | None
    test: bool


# ----------------------------------------------------------------------
# GraphQL → canonical
# ----------------------------------------------------------------------
def _graphql_fulfillment_status(ctx, value):
    status = GRAPHQL_FULFILLMENT_STATUSES.get(value.strip().upper())
    if status is None:
        ctx.fail(
            "displayFulfillmentStatus",
            f"is invalid: unknown fulfillment status {value!r}",
        )
    return status


def truncated_connections(node):
    """Names of the nested connections of an Order node cut short by paging.

    A node whose ``lineItems`` or ``shippingLines`` report ``hasNextPage``
    lacks lines: :func:`order_from_graphql` refuses it.
    """
    names = []
    if not isinstance(node, dict):
        return ()
    for name in ("lineItems", "shippingLines"):
        connection = node.get(name)
        page_info = connection.get("pageInfo") if isinstance(connection, dict) else None
        if isinstance(page_info, dict) and page_info.get("hasNextPage"):
            names.append(name)
    return tuple(names)


def _gql_taxes(ctx, path, tax_lines):
    return tuple(
        canonical.TaxLine(
            title=tax.title.strip(),
            rate=tax.rate,
            amount=ctx.shop_money(f"{path}[{index}].priceSet", tax.price_set),
        )
        for index, tax in enumerate(tax_lines)
    )


def _gql_allocations(ctx, path, allocations):
    result = []
    for index, allocation in enumerate(allocations):
        application = allocation.discount_application
        result.append(
            canonical.DiscountAllocation(
                amount=ctx.shop_money(
                    f"{path}[{index}].allocatedAmountSet",
                    allocation.allocated_amount_set,
                ),
                title=(
                    text(application.code) or text(application.title)
                    if application
                    else None
                ),
            )
        )
    return tuple(result)


def _gql_line(ctx, index, item):
    path = f"lineItems.nodes[{index}]"
    allocations = _gql_allocations(
        ctx, f"{path}.discountAllocations", item.discount_allocations
    )
    return canonical.OrderLine(
        gid=item.id,
        variant_gid=item.variant.id if item.variant else None,
        product_gid=item.product.id if item.product else None,
        sku=text(item.sku),
        title=item.title.strip(),
        variant_title=text(item.variant_title),
        quantity=item.quantity,
        current_quantity=item.current_quantity,
        unit_price=ctx.shop_money(
            f"{path}.originalUnitPriceSet", item.original_unit_price_set
        ),
        total_discount=allocated(allocations),
        discount_allocations=allocations,
        tax_lines=_gql_taxes(ctx, f"{path}.taxLines", item.tax_lines),
        requires_shipping=item.requires_shipping,
        taxable=item.taxable,
    )


def _gql_shipping_line(ctx, index, line):
    path = f"shippingLines.nodes[{index}]"
    allocations = _gql_allocations(
        ctx, f"{path}.discountAllocations", line.discount_allocations
    )
    return canonical.ShippingLine(
        gid=line.id,
        title=line.title.strip(),
        code=text(line.code),
        price=ctx.shop_money(f"{path}.originalPriceSet", line.original_price_set),
        total_discount=allocated(allocations),
        discount_allocations=allocations,
        tax_lines=_gql_taxes(ctx, f"{path}.taxLines", line.tax_lines),
    )


def order_from_graphql(node: dict) -> canonical.CanonicalOrder:
    """Map an Order node of ``OrdersByIds`` or ``OrderById``."""
    ctx = order_context(node, "graphql")
    order = ctx.validate(GqlOrder, node)
    ctx.remote_ref = order.id
    ctx.label = order.name
    ctx.currency = order.currency_code
    legacy_id = gid_number(order.id)
    if order.legacy_resource_id != legacy_id:
        ctx.fail(
            "legacyResourceId",
            f"is invalid: {order.legacy_resource_id} differs from id {order.id}",
        )
    truncated = truncated_connections(node)
    if truncated:
        paths = [f"{name}.pageInfo.hasNextPage" for name in truncated]
        raise errors.PayloadValidationError(
            f"Shopify order {order.name}: {' and '.join(paths)} is true: the "
            "order has more lines than the query fetched and importing it "
            "would drop some.",
            hint="Fetch the order with OrderById, which asks for more lines, or "
            "import it from its orders/updated webhook, which carries every line.",
            details={
                "field": paths[0],
                "source": "graphql",
                "remote_ref": order.id,
            },
        )
    customer = order.customer
    return canonical.CanonicalOrder(
        gid=order.id,
        legacy_id=legacy_id,
        name=order.name.strip(),
        currency=order.currency_code,
        presentment_currency=order.presentment_currency_code,
        taxes_included=order.taxes_included,
        financial_status=financial_status(
            ctx, "displayFinancialStatus", order.display_financial_status
        ),
        fulfillment_status=_graphql_fulfillment_status(
            ctx, order.display_fulfillment_status
        ),
        created_at=order.created_at,
        updated_at=order.updated_at,
        processed_at=order.processed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=cancel_reason(order.cancel_reason),
        customer=(
            canonical.Customer(
                gid=customer.id,
                email=text(
                    customer.default_email_address.email_address
                    if customer.default_email_address
                    else None
                ),
                phone=text(
                    customer.default_phone_number.phone_number
                    if customer.default_phone_number
                    else None
                ),
                first_name=text(customer.first_name),
                last_name=text(customer.last_name),
            )
            if customer
            else None
        ),
        email=text(order.email),
        phone=text(order.phone),
        billing_address=address(order.billing_address, "country_code_v2"),
        shipping_address=address(order.shipping_address, "country_code_v2"),
        lines=tuple(
            _gql_line(ctx, index, item)
            for index, item in enumerate(order.line_items.nodes)
        ),
        shipping_lines=tuple(
            _gql_shipping_line(ctx, index, line)
            for index, line in enumerate(order.shipping_lines.nodes)
        ),
        subtotal_price=ctx.shop_money(
            "subtotalPriceSet", order.subtotal_price_set, required=False
        ),
        total_discounts=ctx.shop_money(
            "totalDiscountsSet", order.total_discounts_set, required=False
        ),
        total_tax=ctx.shop_money("totalTaxSet", order.total_tax_set, required=False),
        total_shipping=ctx.shop_money(
            "totalShippingPriceSet", order.total_shipping_price_set
        ),
        total_price=ctx.shop_money("totalPriceSet", order.total_price_set),
        note=text(order.note),
        tags=order.tags,
        source_name=text(order.source_name),
        test=order.test,
    )

"""Shopify orders and refunds mapped to the canonical dataclasses.

Two sources, one result:

* :func:`order_from_webhook` reads the REST-shaped JSON of the ``orders/*``
  webhooks (API version 2026-10);
* :func:`order_from_graphql` reads an ``Order`` node as selected by the
  ``OrdersUpdatedSince`` and ``OrderById`` documents of ``graphql/``.

Both validate their input with pydantic models that declare only the fields
read here (anything else is ignored) and raise
:class:`~odoo.addons.retail_connector_base.services.errors.PayloadValidationError`
naming the order and the path of the faulty field. Money is read in the
shop currency (``shop_money`` / ``shopMoney``); ids are GraphQL global ids.
"""

import dataclasses
import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, NoReturn

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic.alias_generators import to_camel

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.timeutils import (
    parse_remote_datetime,
)

from . import canonical
from .version import API_VERSION

_MONEY_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_GID_RE = re.compile(r"^gid://shopify/(?P<kind>[A-Za-z]+)/(?P<id>[1-9][0-9]*)$")

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
# scalar parsing
# ----------------------------------------------------------------------
def parse_money(value):
    """An amount as Shopify sends it (``"10.00"``, ``10``, ``10.5``) → Decimal.

    Floats go through their shortest text form, so ``0.1`` gives
    ``Decimal("0.1")``. Raises ValueError for anything else (None, booleans,
    empty or non-numeric text, NaN, infinity).
    """
    if value is None or isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str) and _MONEY_RE.match(value.strip()):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not an amount") from exc
    else:
        raise ValueError(f"{value!r} is not an amount")
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


def _money(value):
    return parse_money(value)


def _optional_money(value):
    return None if value is None else parse_money(value)


def _rate(value):
    # a tax line without a rate (GraphQL ``rate`` is nullable) counts as 0
    return canonical.ZERO if value is None else parse_money(value)


def _timestamp(value):
    if not isinstance(value, (str, datetime.datetime)) or not value:
        raise ValueError(f"{value!r} is not a timestamp")
    try:
        return parse_remote_datetime(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from exc


def _optional_timestamp(value):
    if value is None or value == "":
        return None
    return _timestamp(value)


def _currency(value):
    if not isinstance(value, str) or not _CURRENCY_RE.match(value.strip().upper()):
        raise ValueError(f"{value!r} is not a three-letter currency code")
    return value.strip().upper()


def _gid(kind):
    def check(value):
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a Shopify global id")
        match = _GID_RE.match(value.strip())
        if not match or match["kind"] != kind:
            raise ValueError(
                f"{value!r} is not a Shopify global id of the form "
                f"gid://shopify/{kind}/<number>"
            )
        return value.strip()

    return PlainValidator(check)


def _gid_number(gid):
    return int(gid.rsplit("/", 1)[1])


def _text(value):
    """Strip text; empty text is None."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _tags(value):
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)):
        if not all(isinstance(item, str) for item in value):
            raise ValueError("tags must be text")
        items = value
    else:
        raise ValueError(f"{value!r} is not a list of tags")
    return tuple(sorted({item.strip() for item in items if item.strip()}))


Money = Annotated[Decimal, PlainValidator(_money)]
OptionalMoney = Annotated[Decimal | None, PlainValidator(_optional_money)]
Rate = Annotated[Decimal, PlainValidator(_rate)]
Timestamp = Annotated[datetime.datetime, PlainValidator(_timestamp)]
OptionalTimestamp = Annotated[
    datetime.datetime | None, PlainValidator(_optional_timestamp)
]
Currency = Annotated[str, PlainValidator(_currency)]
Tags = Annotated[tuple[str, ...], PlainValidator(_tags)]
OrderGid = Annotated[str, _gid("Order")]
LineItemGid = Annotated[str, _gid("LineItem")]
CustomerGid = Annotated[str, _gid("Customer")]
VariantGid = Annotated[str, _gid("ProductVariant")]
ProductGid = Annotated[str, _gid("Product")]
ShippingLineGid = Annotated[str, _gid("ShippingLine")]
RefundGid = Annotated[str, _gid("Refund")]
Quantity = Annotated[int, Field(ge=0)]
NumericId = Annotated[int, Field(ge=1)]


# ----------------------------------------------------------------------
# REST webhook payloads (snake_case)
# ----------------------------------------------------------------------
class _Rest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RestMoney(_Rest):
    amount: Money
    currency_code: Currency


class RestMoneySet(_Rest):
    shop_money: RestMoney
    presentment_money: RestMoney | None = None


class RestTaxLine(_Rest):
    title: str
    rate: Rate = canonical.ZERO
    price: OptionalMoney = None
    price_set: RestMoneySet | None = None


class RestDiscountAllocation(_Rest):
    amount: OptionalMoney = None
    amount_set: RestMoneySet | None = None
    discount_application_index: Quantity | None = None


class RestDiscountApplication(_Rest):
    type: str | None = None
    title: str | None = None
    code: str | None = None
    description: str | None = None


class RestLineItem(_Rest):
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


class RestShippingLine(_Rest):
    id: NumericId | None = None
    title: str
    code: str | None = None
    price: OptionalMoney = None
    price_set: RestMoneySet | None = None
    discount_allocations: tuple[RestDiscountAllocation, ...] = ()
    tax_lines: tuple[RestTaxLine, ...] = ()
    is_removed: bool = False


class RestCustomer(_Rest):
    admin_graphql_api_id: CustomerGid
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class RestAddress(_Rest):
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


class RestOrder(_Rest):
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


class RestRefundedLineItem(_Rest):
    admin_graphql_api_id: LineItemGid | None = None
    name: str | None = None
    title: str | None = None
    sku: str | None = None


class RestRefundLineItem(_Rest):
    line_item_id: NumericId | None = None
    line_item: RestRefundedLineItem | None = None
    quantity: Quantity
    restock_type: str | None = None
    subtotal: OptionalMoney = None
    subtotal_set: RestMoneySet | None = None
    total_tax: OptionalMoney = None
    total_tax_set: RestMoneySet | None = None


class RestRefundShippingLine(_Rest):
    subtotal_amount_set: RestMoneySet
    tax_amount_set: RestMoneySet | None = None


class RestOrderAdjustment(_Rest):
    kind: str | None = None
    amount: OptionalMoney = None
    amount_set: RestMoneySet | None = None
    tax_amount: OptionalMoney = None
    tax_amount_set: RestMoneySet | None = None


class RestTransaction(_Rest):
    kind: str | None = None
    status: str | None = None
    amount: Money
    currency: Currency | None = None


class RestRefund(_Rest):
    id: NumericId | None = None
    admin_graphql_api_id: RefundGid
    order_id: NumericId
    created_at: Timestamp
    note: str | None = None
    refund_line_items: tuple[RestRefundLineItem, ...]
    refund_shipping_lines: tuple[RestRefundShippingLine, ...] = ()
    order_adjustments: tuple[RestOrderAdjustment, ...] = ()
    transactions: tuple[RestTransaction, ...] = ()


# ----------------------------------------------------------------------
# GraphQL Order nodes (camelCase); every key is required so that a
# document missing a field fails loudly instead of importing zeros
# ----------------------------------------------------------------------
class _Gql(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class GqlMoney(_Gql):
    amount: Money
    currency_code: Currency


class GqlMoneyBag(_Gql):
    shop_money: GqlMoney


class GqlTaxLine(_Gql):
    title: str
    rate: Rate
    price_set: GqlMoneyBag


class GqlDiscountApplication(_Gql):
    code: str | None = None
    title: str | None = None


class GqlDiscountAllocation(_Gql):
    allocated_amount_set: GqlMoneyBag
    discount_application: GqlDiscountApplication | None = None


class GqlVariantRef(_Gql):
    id: VariantGid


class GqlProductRef(_Gql):
    id: ProductGid


class GqlPageInfo(_Gql):
    has_next_page: bool


class GqlLineItem(_Gql):
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


class GqlLineItemConnection(_Gql):
    nodes: tuple[GqlLineItem, ...]
    page_info: GqlPageInfo | None = None


class GqlShippingLine(_Gql):
    id: ShippingLineGid | None
    title: str
    code: str | None
    original_price_set: GqlMoneyBag
    discount_allocations: tuple[GqlDiscountAllocation, ...]
    tax_lines: tuple[GqlTaxLine, ...]


class GqlShippingLineConnection(_Gql):
    nodes: tuple[GqlShippingLine, ...]
    page_info: GqlPageInfo | None = None


class GqlEmailAddress(_Gql):
    email_address: str


class GqlPhoneNumber(_Gql):
    phone_number: str


class GqlCustomer(_Gql):
    id: CustomerGid
    first_name: str | None
    last_name: str | None
    default_email_address: GqlEmailAddress | None
    default_phone_number: GqlPhoneNumber | None


class GqlAddress(_Gql):
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code_v2: str | None = None
    phone: str | None = None


class GqlOrder(_Gql):
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
# errors
# ----------------------------------------------------------------------
def _path(loc):
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(payload)"


def _problem(error):
    if error["type"] == "missing":
        return "is missing"
    exc = (error.get("ctx") or {}).get("error")
    if exc is not None:
        return f"is invalid: {exc}"
    shown = repr(error.get("input"))
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"is invalid: {error['msg'][:1].lower()}{error['msg'][1:]} (got {shown})"


@dataclasses.dataclass
class _Context:
    """What an error message needs: the record, its source, its currency."""

    what: str
    label: str
    gid: str | None
    source: str
    currency: str | None = None

    def hint(self, path):
        if self.source == "graphql":
            return (
                f"The GraphQL answer does not give a usable {path}: check that "
                "the OrdersUpdatedSince and OrderById documents select every "
                f"field the order mapper reads (API version {API_VERSION})."
            )
        return (
            f"The webhook payload does not give a usable {path}: check that "
            f"the webhook subscription uses API version {API_VERSION} and sends "
            "the whole resource (no includeFields), then replay the event."
        )

    def fail(self, path, problem, more=()) -> NoReturn:
        message = f"Shopify {self.what} {self.label}: {path} {problem}."
        if more:
            message += f" Also invalid: {', '.join(more[:5])}"
            message += " and more." if len(more) > 5 else "."
        details = {"field": path, "source": self.source}
        if more:
            details["other_fields"] = list(more)
        if self.gid:
            details["remote_ref"] = self.gid
        raise errors.PayloadValidationError(
            message, hint=self.hint(path), details=details
        )

    def validate(self, model, data):
        if not isinstance(data, dict):
            self.fail("(payload)", f"is a {type(data).__name__}, not a JSON object")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            problems = exc.errors(include_url=False)
            first = problems[0]
            more = []
            for problem in problems[1:]:
                path = _path(problem["loc"])
                if path not in more and path != _path(first["loc"]):
                    more.append(path)
            self.fail(_path(first["loc"]), _problem(first), more)

    def shop_money(self, path, money_set, plain=None, *, required=True):
        """The shop-currency amount of a money bag, else the plain field.

        ``path`` names the plain REST field (its bag is ``<path>_set``) or
        the GraphQL ``...Set`` field.
        """
        if self.source == "webhook":
            set_path, currency_path = f"{path}_set", "shop_money.currency_code"
        else:
            set_path, currency_path = path, "shopMoney.currencyCode"
        if money_set is not None:
            money = money_set.shop_money
            if self.currency and money.currency_code != self.currency:
                self.fail(
                    f"{set_path}.{currency_path}",
                    f"is invalid: {money.currency_code} is not the shop currency "
                    f"{self.currency}",
                )
            return money.amount
        if plain is not None:
            return plain
        if required:
            self.fail(set_path, "is missing")
        return canonical.ZERO


def _order_context(data, source):
    if isinstance(data, dict):
        gid = data.get("admin_graphql_api_id") or data.get("id")
        label = data.get("name") or gid or "(unknown)"
    else:
        gid, label = None, "(unknown)"
    return _Context("order", str(label), gid if isinstance(gid, str) else None, source)


# ----------------------------------------------------------------------
# statuses
# ----------------------------------------------------------------------
def _financial_status(ctx, path, value):
    if value is None:
        return None
    status = value.strip().lower()
    if status not in canonical.FINANCIAL_STATUSES:
        ctx.fail(
            path,
            f"is invalid: unknown financial status {value!r}",
        )
    return status


def _rest_fulfillment_status(ctx, value):
    if value is None:
        return "unfulfilled"
    status = value.strip().lower()
    if status not in canonical.FULFILLMENT_STATUSES:
        ctx.fail(
            "fulfillment_status", f"is invalid: unknown fulfillment status {value!r}"
        )
    return status


def _graphql_fulfillment_status(ctx, value):
    status = GRAPHQL_FULFILLMENT_STATUSES.get(value.strip().upper())
    if status is None:
        ctx.fail(
            "displayFulfillmentStatus",
            f"is invalid: unknown fulfillment status {value!r}",
        )
    return status


def _cancel_reason(value):
    value = _text(value)
    return value.lower() if value else None


# ----------------------------------------------------------------------
# webhook → canonical
# ----------------------------------------------------------------------
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
            title = _text(application.code) or _text(application.title)
        result.append(
            canonical.DiscountAllocation(
                amount=ctx.shop_money(
                    f"{here}.amount", allocation.amount_set, allocation.amount
                ),
                title=title,
            )
        )
    return tuple(result)


def _allocated(allocations):
    return sum((allocation.amount for allocation in allocations), canonical.ZERO)


def _rest_address(address):
    if address is None:
        return None
    return canonical.Address(
        name=_text(address.name),
        first_name=_text(address.first_name),
        last_name=_text(address.last_name),
        company=_text(address.company),
        address1=_text(address.address1),
        address2=_text(address.address2),
        city=_text(address.city),
        province_code=_text(address.province_code),
        zip=_text(address.zip),
        country_code=_text(address.country_code),
        phone=_text(address.phone),
    )


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
        sku=_text(item.sku),
        title=item.title.strip(),
        variant_title=_text(item.variant_title),
        quantity=item.quantity,
        current_quantity=item.current_quantity,
        unit_price=ctx.shop_money(f"{path}.price", item.price_set, item.price),
        total_discount=_allocated(allocations),
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
        code=_text(line.code),
        price=ctx.shop_money(f"{path}.price", line.price_set, line.price),
        total_discount=_allocated(allocations),
        discount_allocations=allocations,
        tax_lines=_rest_taxes(ctx, f"{path}.tax_lines", line.tax_lines),
    )


def order_from_webhook(payload: dict) -> canonical.CanonicalOrder:
    """Map an ``orders/*`` webhook payload to a canonical order."""
    ctx = _order_context(payload, "webhook")
    order = ctx.validate(RestOrder, payload)
    ctx.gid = order.admin_graphql_api_id
    ctx.label = order.name
    ctx.currency = order.currency
    legacy_id = _gid_number(order.admin_graphql_api_id)
    if order.id is not None and order.id != legacy_id:
        ctx.fail(
            "id",
            f"is invalid: {order.id} differs from admin_graphql_api_id "
            f"{order.admin_graphql_api_id}",
        )
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
        gid=order.admin_graphql_api_id,
        legacy_id=legacy_id,
        name=order.name.strip(),
        currency=order.currency,
        presentment_currency=order.presentment_currency or order.currency,
        taxes_included=order.taxes_included,
        financial_status=_financial_status(
            ctx, "financial_status", order.financial_status
        ),
        fulfillment_status=_rest_fulfillment_status(ctx, order.fulfillment_status),
        created_at=order.created_at,
        updated_at=order.updated_at,
        processed_at=order.processed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=_cancel_reason(order.cancel_reason),
        customer=(
            canonical.Customer(
                gid=customer.admin_graphql_api_id,
                email=_text(customer.email),
                phone=_text(customer.phone),
                first_name=_text(customer.first_name),
                last_name=_text(customer.last_name),
            )
            if customer
            else None
        ),
        email=_text(order.email),
        phone=_text(order.phone),
        billing_address=_rest_address(order.billing_address),
        shipping_address=_rest_address(order.shipping_address),
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
        note=_text(order.note),
        tags=order.tags,
        source_name=_text(order.source_name),
        test=order.test,
    )


# ----------------------------------------------------------------------
# GraphQL → canonical
# ----------------------------------------------------------------------
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
                    _text(application.code) or _text(application.title)
                    if application
                    else None
                ),
            )
        )
    return tuple(result)


def _gql_address(address):
    if address is None:
        return None
    return canonical.Address(
        name=_text(address.name),
        first_name=_text(address.first_name),
        last_name=_text(address.last_name),
        company=_text(address.company),
        address1=_text(address.address1),
        address2=_text(address.address2),
        city=_text(address.city),
        province_code=_text(address.province_code),
        zip=_text(address.zip),
        country_code=_text(address.country_code_v2),
        phone=_text(address.phone),
    )


def _gql_line(ctx, index, item):
    path = f"lineItems.nodes[{index}]"
    allocations = _gql_allocations(
        ctx, f"{path}.discountAllocations", item.discount_allocations
    )
    return canonical.OrderLine(
        gid=item.id,
        variant_gid=item.variant.id if item.variant else None,
        product_gid=item.product.id if item.product else None,
        sku=_text(item.sku),
        title=item.title.strip(),
        variant_title=_text(item.variant_title),
        quantity=item.quantity,
        current_quantity=item.current_quantity,
        unit_price=ctx.shop_money(
            f"{path}.originalUnitPriceSet", item.original_unit_price_set
        ),
        total_discount=_allocated(allocations),
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
        code=_text(line.code),
        price=ctx.shop_money(f"{path}.originalPriceSet", line.original_price_set),
        total_discount=_allocated(allocations),
        discount_allocations=allocations,
        tax_lines=_gql_taxes(ctx, f"{path}.taxLines", line.tax_lines),
    )


def order_from_graphql(node: dict) -> canonical.CanonicalOrder:
    """Map an Order node of ``OrdersUpdatedSince`` or ``OrderById``."""
    ctx = _order_context(node, "graphql")
    order = ctx.validate(GqlOrder, node)
    ctx.gid = order.id
    ctx.label = order.name
    ctx.currency = order.currency_code
    legacy_id = _gid_number(order.id)
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
        financial_status=_financial_status(
            ctx, "displayFinancialStatus", order.display_financial_status
        ),
        fulfillment_status=_graphql_fulfillment_status(
            ctx, order.display_fulfillment_status
        ),
        created_at=order.created_at,
        updated_at=order.updated_at,
        processed_at=order.processed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=_cancel_reason(order.cancel_reason),
        customer=(
            canonical.Customer(
                gid=customer.id,
                email=_text(
                    customer.default_email_address.email_address
                    if customer.default_email_address
                    else None
                ),
                phone=_text(
                    customer.default_phone_number.phone_number
                    if customer.default_phone_number
                    else None
                ),
                first_name=_text(customer.first_name),
                last_name=_text(customer.last_name),
            )
            if customer
            else None
        ),
        email=_text(order.email),
        phone=_text(order.phone),
        billing_address=_gql_address(order.billing_address),
        shipping_address=_gql_address(order.shipping_address),
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
        note=_text(order.note),
        tags=order.tags,
        source_name=_text(order.source_name),
        test=order.test,
    )


# ----------------------------------------------------------------------
# refunds
# ----------------------------------------------------------------------
def refund_from_webhook(payload: dict) -> canonical.CanonicalRefund:
    """Map a ``refunds/create`` webhook payload to a canonical refund.

    Shipping refunded is read from ``refund_shipping_lines`` when given,
    else from the ``shipping_refund`` order adjustments (negative amounts
    there). ``transactions_total`` sums the successful ``refund``
    transactions.
    """
    gid = payload.get("admin_graphql_api_id") if isinstance(payload, dict) else None
    order_id = payload.get("order_id") if isinstance(payload, dict) else None
    ctx = _Context(
        "refund",
        f"{gid or '(unknown)'} of order {order_id or '(unknown)'}",
        gid if isinstance(gid, str) else None,
        "webhook",
    )
    refund = ctx.validate(RestRefund, payload)
    ctx.gid = refund.admin_graphql_api_id
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
        restock_type = (_text(item.restock_type) or "no_restock").lower()
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
                    _text(refunded_item.name) or _text(refunded_item.title)
                    if refunded_item
                    else None
                ),
                sku=_text(refunded_item.sku) if refunded_item else None,
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
        legacy_id=_gid_number(refund.admin_graphql_api_id),
        order_gid=f"gid://shopify/Order/{refund.order_id}",
        created_at=refund.created_at,
        note=_text(refund.note),
        lines=tuple(lines),
        shipping_amount=shipping,
        shipping_tax=shipping_tax,
        transactions_total=paid_back,
        transactions_currency=next(iter(paid_currencies), None),
        currency=next(iter(currencies), None),
    )

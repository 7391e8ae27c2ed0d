"""What the Shopify payload mappers share, on the base's validation module.

* :func:`shopify_gid` validates GraphQL global ids (``gid://shopify/Order/1``)
  and :func:`gid_number` reads their number; ``OrderGid``, ``LineItemGid``...
  are the field types;
* ``Tags`` and ``Rate`` read Shopify's tag lists and tax rates;
  :class:`RestMoney` and :class:`RestMoneySet` its REST money bags;
* :class:`ShopifyContext` names the faulty field of a Shopify payload, with
  a hint for webhooks or GraphQL answers, and reads shop-currency amounts;
* :func:`order_context`, :func:`financial_status`, :func:`cancel_reason` and
  :func:`allocated` are the parts of an order read the same way from a
  webhook and from GraphQL.
"""

import dataclasses
import re
from decimal import Decimal
from typing import Annotated

from pydantic import PlainValidator

from odoo.addons.retail_connector_base.services.validation import (
    Currency,
    Money,
    PayloadContext,
    PayloadModel,
    parse_money,
    text,
)

from . import canonical
from .version import API_VERSION

_GID_RE = re.compile(r"^gid://shopify/(?P<kind>[A-Za-z]+)/(?P<id>[1-9][0-9]*)$")


# ----------------------------------------------------------------------
# field types
# ----------------------------------------------------------------------
def shopify_gid(kind):
    """A pydantic validator of the global ids of objects of type ``kind``."""

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


def id_remark(path, number, gid):
    """A remark when a numeric ``id`` disagrees with its GID, else None.

    The GID is the identity: JSON numbers above 2**53 lose precision in any
    JavaScript relay, so a disagreeing numeric id is noted, never rejected.
    """
    if number is None or number == gid_number(gid):
        return None
    return f"{path} {number} differs from admin_graphql_api_id {gid}: the GID is used."


def gid_number(gid):
    """The number of a validated global id: ``gid://shopify/Order/12`` → 12."""
    return int(gid.rsplit("/", 1)[1])


def _rate(value):
    # a tax line without a rate (GraphQL ``rate`` is nullable) counts as 0
    return canonical.ZERO if value is None else parse_money(value)


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


#: a tax rate (a fraction); null is 0
Rate = Annotated[Decimal, PlainValidator(_rate)]
#: tags, as comma-separated text (REST) or a list (GraphQL): sorted, unique
Tags = Annotated[tuple[str, ...], PlainValidator(_tags)]
OrderGid = Annotated[str, shopify_gid("Order")]
LineItemGid = Annotated[str, shopify_gid("LineItem")]
CustomerGid = Annotated[str, shopify_gid("Customer")]
VariantGid = Annotated[str, shopify_gid("ProductVariant")]
ProductGid = Annotated[str, shopify_gid("Product")]
ShippingLineGid = Annotated[str, shopify_gid("ShippingLine")]
RefundGid = Annotated[str, shopify_gid("Refund")]
FulfillmentGid = Annotated[str, shopify_gid("Fulfillment")]


class RestMoney(PayloadModel):
    amount: Money
    currency_code: Currency


class RestMoneySet(PayloadModel):
    shop_money: RestMoney
    presentment_money: RestMoney | None = None


# ----------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------
def webhook_hint(what="webhook payload"):
    """The hint (``{path}`` for the field) of a webhook payload refused."""
    return (
        f"The {what} does not give a usable {{path}}: check that the webhook "
        f"subscription uses API version {API_VERSION} and sends the whole "
        "resource (no includeFields), then replay the event."
    )


@dataclasses.dataclass
class ShopifyContext(PayloadContext):
    """The context of a Shopify payload: its ``source`` and shop currency.

    ``source`` is ``"webhook"`` or ``"graphql"`` (it is in the details of
    every error and chooses the default hint); ``currency`` is the shop
    currency every shop amount must be in, once known.
    """

    source: str = "webhook"
    currency: str | None = None

    def __post_init__(self):
        self.details = dict(self.details, source=self.source)

    def hint_for(self, path):
        if self.hint is not None:
            return super().hint_for(path)
        if self.source == "graphql":
            return (
                f"The GraphQL answer does not give a usable {path}: check that "
                "the OrdersByIds and OrderById documents select every "
                f"field the order mapper reads (API version {API_VERSION})."
            )
        return webhook_hint().replace("{path}", path)

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


# ----------------------------------------------------------------------
# orders, whatever the source
# ----------------------------------------------------------------------
def order_context(data, source):
    """The context of an order payload, named as well as it can be."""
    if isinstance(data, dict):
        gid = data.get("admin_graphql_api_id") or data.get("id")
        label = data.get("name") or gid or "(unknown)"
    else:
        gid, label = None, "(unknown)"
    return ShopifyContext(
        "Shopify order",
        str(label),
        gid if isinstance(gid, str) else None,
        source=source,
    )


def financial_status(ctx, path, value):
    """The lower-case financial status of an order (None stays None)."""
    if value is None:
        return None
    status = value.strip().lower()
    if status not in canonical.FINANCIAL_STATUSES:
        ctx.fail(
            path,
            f"is invalid: unknown financial status {value!r}",
        )
    return status


def cancel_reason(value):
    """The lower-case reason of a cancellation, or None."""
    value = text(value)
    return value.lower() if value else None


def allocated(allocations):
    """The sum of canonical discount allocations."""
    return sum((allocation.amount for allocation in allocations), canonical.ZERO)


class AddressFields(PayloadModel):
    """The address fields both sources name alike (not the country code)."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    zip: str | None = None
    phone: str | None = None


def address(value, country_field):
    """The canonical address of a validated address model (or None);
    ``country_field`` names the field holding its country code."""
    if value is None:
        return None
    return canonical.Address(
        name=text(value.name),
        first_name=text(value.first_name),
        last_name=text(value.last_name),
        company=text(value.company),
        address1=text(value.address1),
        address2=text(value.address2),
        city=text(value.city),
        province_code=text(value.province_code),
        zip=text(value.zip),
        country_code=text(getattr(value, country_field)),
        phone=text(value.phone),
    )

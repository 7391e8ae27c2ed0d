"""Shopify fulfilments of the ``fulfillments/*`` webhooks, validated.

:func:`fulfillment_from_webhook` reads the REST-shaped JSON of the
``fulfillments/create`` and ``fulfillments/update`` webhooks (API version
2026-10) into a frozen :class:`Fulfillment`. Only the fields read here are
declared (anything else is ignored); a missing or invalid one raises
:class:`~odoo.addons.retail_connector_base.services.errors.PayloadValidationError`
naming the fulfilment and the path of the field.

:func:`order_status_after` tells what a successful fulfilment made outside
Odoo means for the order's fulfilment status.
"""

import dataclasses
import datetime
from typing import Annotated

from pydantic import PlainValidator

from odoo.addons.retail_connector_base.services.validation import (
    NumericId,
    OptionalTimestamp,
    PayloadModel,
    Quantity,
    text,
)

from .payloads import (
    FulfillmentGid,
    LineItemGid,
    ShopifyContext,
    gid_number,
    id_remark,
    webhook_hint,
)

#: statuses of a REST fulfilment
STATUSES = ("pending", "open", "success", "cancelled", "error", "failure")
#: a fulfilment in these statuses ships (or is about to ship) the items
SHIPPING_STATUSES = frozenset({"pending", "open", "success"})
_GID_PREFIX = "gid://shopify/Fulfillment/"
#: order fulfilment statuses, from nothing shipped to everything shipped
_ORDER_STATUS_RANK = {"unfulfilled": 0, "partial": 1, "fulfilled": 2}


def _status(value):
    if not isinstance(value, str) or value.strip().lower() not in STATUSES:
        raise ValueError(
            f"{value!r} is not a fulfilment status ({', '.join(STATUSES)})"
        )
    return value.strip().lower()


def _tracking_values(value):
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{value!r} is not a list")
    if not all(item is None or isinstance(item, str) for item in value):
        raise ValueError("every item must be text or null")
    return tuple(item.strip() for item in value if item and item.strip())


Status = Annotated[str, PlainValidator(_status)]
TrackingValues = Annotated[tuple[str, ...], PlainValidator(_tracking_values)]


class RestFulfillmentLine(PayloadModel):
    id: NumericId | None = None
    admin_graphql_api_id: LineItemGid | None = None
    quantity: Quantity
    fulfillable_quantity: Quantity | None = None
    sku: str | None = None
    title: str | None = None


class RestFulfillment(PayloadModel):
    id: NumericId | None = None
    admin_graphql_api_id: FulfillmentGid
    order_id: NumericId
    name: str | None = None
    status: Status
    shipment_status: str | None = None
    created_at: OptionalTimestamp = None
    updated_at: OptionalTimestamp = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_numbers: TrackingValues = ()
    tracking_url: str | None = None
    tracking_urls: TrackingValues = ()
    line_items: tuple[RestFulfillmentLine, ...] = ()


@dataclasses.dataclass(frozen=True, kw_only=True)
class FulfillmentLine:
    """An order line shipped by a fulfilment."""

    gid: str
    quantity: int
    #: what is left to ship on the order line after this fulfilment
    remaining: int | None = None
    sku: str | None = None
    title: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Fulfillment:
    """A Shopify fulfilment as the ``fulfillments/*`` webhooks give it."""

    gid: str
    legacy_id: int
    order_gid: str
    name: str | None
    status: str
    shipment_status: str | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    tracking_company: str | None = None
    tracking_numbers: tuple[str, ...] = ()
    #: what the mapping noticed but did not reject (see payloads.id_remark)
    remarks: tuple[str, ...] = ()
    tracking_urls: tuple[str, ...] = ()
    lines: tuple[FulfillmentLine, ...] = ()

    @property
    def label(self):
        """How to name it to a person: ``#1001-F1``, else its global id."""
        return self.name or self.gid

    @property
    def tracking_number(self):
        return self.tracking_numbers[0] if self.tracking_numbers else None

    @property
    def ships(self):
        """True unless the fulfilment was cancelled or failed."""
        return self.status in SHIPPING_STATUSES

    @property
    def quantity(self):
        return sum(line.quantity for line in self.lines)

    @property
    def line_gids(self):
        return frozenset(line.gid for line in self.lines)


def _context(payload):
    label = gid = None
    if isinstance(payload, dict):
        gid = payload.get("admin_graphql_api_id")
        if not isinstance(gid, str) or not gid.startswith(_GID_PREFIX):
            gid = None
        name = payload.get("name")
        label = name if isinstance(name, str) and name.strip() else gid
    return ShopifyContext(
        "Shopify fulfilment",
        label or "(no id)",
        gid,
        hint=webhook_hint("fulfilment webhook"),
        source="webhook",
    )


def fulfillment_from_webhook(payload: dict) -> Fulfillment:
    """Map a ``fulfillments/create`` or ``fulfillments/update`` payload."""
    ctx = _context(payload)
    data = ctx.validate(RestFulfillment, payload)
    legacy_id = gid_number(data.admin_graphql_api_id)
    remarks = [id_remark("id", data.id, data.admin_graphql_api_id)]
    lines = []
    for index, line in enumerate(data.line_items):
        if line.admin_graphql_api_id:
            line_gid = line.admin_graphql_api_id
            remarks.append(id_remark(f"line_items[{index}].id", line.id, line_gid))
        elif line.id is not None:
            line_gid = f"gid://shopify/LineItem/{line.id}"
        else:
            ctx.fail(f"line_items[{index}].admin_graphql_api_id", "is missing")
        lines.append(
            FulfillmentLine(
                gid=line_gid,
                quantity=line.quantity,
                remaining=line.fulfillable_quantity,
                sku=text(line.sku),
                title=text(line.title),
            )
        )
    numbers = data.tracking_numbers or tuple(
        n for n in (text(data.tracking_number),) if n
    )
    urls = data.tracking_urls or tuple(u for u in (text(data.tracking_url),) if u)
    return Fulfillment(
        remarks=tuple(remark for remark in remarks if remark),
        gid=data.admin_graphql_api_id,
        legacy_id=legacy_id,
        order_gid=f"gid://shopify/Order/{data.order_id}",
        name=text(data.name),
        status=data.status,
        shipment_status=(text(data.shipment_status) or "").lower() or None,
        created_at=data.created_at,
        updated_at=data.updated_at,
        tracking_company=text(data.tracking_company),
        tracking_numbers=numbers,
        tracking_urls=urls,
        lines=tuple(lines),
    )


def order_status_after(fulfillment, order_line_gids, current=None):
    """The order's fulfilment status once ``fulfillment`` has shipped.

    ``order_line_gids`` are the order lines that need shipping; ``current``
    is the status known so far. A successful fulfilment leaves the order
    ``fulfilled`` when it names every such line with nothing left to ship,
    else ``partial`` (lines it does not name may have shipped before: the
    order webhook that follows tells). A status never goes down, and a
    fulfilment that did not succeed changes nothing.
    """
    if fulfillment.status != "success":
        return current
    remaining = {line.gid: line.remaining for line in fulfillment.lines}
    wanted = set(order_line_gids)
    done = bool(wanted) and all(remaining.get(gid) == 0 for gid in wanted)
    status = "fulfilled" if done else "partial"
    rank = _ORDER_STATUS_RANK
    if current in rank and rank[current] >= rank[status]:
        return current
    return status


def tracking_input(tracking_ref, company=None):
    """Shopify's ``FulfillmentTrackingInput`` for a delivery's tracking
    reference, or None when there is nothing to send.

    A delivery shipped in several parcels holds their numbers in one
    reference, separated by commas (as Odoo's carriers and the 3PL
    confirmations write them): each number is sent on its own
    (``numbers``), never the joined text as one number.
    """
    numbers = []
    for part in (tracking_ref or "").split(","):
        number = part.strip()
        if number and number not in numbers:
            numbers.append(number)
    if not numbers and not company:
        return None
    tracking = {"company": company or None}
    if len(numbers) == 1:
        tracking["number"] = numbers[0]
    elif numbers:
        tracking["numbers"] = numbers
    return tracking

"""The generic 3PL contract: every document both sides exchange, as models.

Odoo → provider (requests Odoo sends, answers it reads):

- :class:`FulfillmentOrder`, ``POST {base}/fulfillment-orders``, answered by
  :class:`OrderAnswer` (``accepted``, or ``already_accepted`` for an
  ``order_ref`` the provider has: never a second order);
- :class:`CancelRequest`, ``POST {base}/fulfillment-orders/{order_ref}/cancel``,
  answered by :class:`CancelAnswer` (``cancelled``, ``partial``, ``rejected``);
- :class:`ReceiptNotice`, ``POST {base}/receipts`` (advance ship notice);
- ``GET {base}/inventory?warehouse_code=``, answered by
  :class:`InventoryAnswer`.

Provider → Odoo: a message (:class:`Envelope`: ``message_id``, ``type``,
``occurred_at``, ``warehouse_code``, ``payload``) whose payload is, by type
(:data:`PAYLOADS`): :class:`ShipmentConfirmed`, :class:`OrderCancelled`,
:class:`ReceiptConfirmed`, :class:`InventorySnapshot`,
:class:`ReturnReceived`.

:func:`parse_message` validates a decoded message (envelope, then the
payload of its type); :func:`parse_answer` an answer of the provider. Both
raise :class:`~odoo.addons.retail_connector_base.services.errors.PayloadValidationError`
naming the path of the first faulty field (``payload.packages[0].lines[1].qty``).
The OpenAPI document of both directions is built from these same models
(:mod:`.openapi`).
"""

import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from odoo.addons.retail_connector_base.services.timeutils import parse_remote_datetime
from odoo.addons.retail_connector_base.services.validation import (
    WHOLE_PAYLOAD,
    PayloadContext,
    json_kind,
)

#: the message types a provider sends
MESSAGE_TYPES = (
    "shipment.confirmed",
    "order.cancelled",
    "receipt.confirmed",
    "inventory.snapshot",
    "return.received",
)

Ref = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=2000)]


def _when(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value
    if not isinstance(value, (str, datetime.datetime)) or not value:
        raise ValueError(f"{value!r} is not a timestamp")
    try:
        return parse_remote_datetime(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from exc


#: an ISO 8601 timestamp read as a naive UTC datetime, sent in UTC (``Z``)
When = Annotated[
    datetime.datetime,
    PlainValidator(_when),
    PlainSerializer(
        lambda value: f"{value.isoformat()}Z", return_type=str, when_used="json"
    ),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
PositiveQty = Annotated[float, Field(gt=0, allow_inf_nan=False)]
StockQty = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Day = Annotated[datetime.date, WithJsonSchema({"type": "string", "format": "date"})]


class Document(BaseModel):
    """A document of the contract: unknown fields are ignored, none changed."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# ----------------------------------------------------------------------
# Odoo → provider
# ----------------------------------------------------------------------
class ShipTo(Document):
    name: Ref
    street: Text
    street2: Text | None = None
    city: Text
    zip: Text | None = None
    state: Text | None = None
    country_code: Annotated[str, Field(min_length=2, max_length=2)]
    email: Text | None = None
    phone: Text | None = None


class OrderLine(Document):
    line_ref: Ref
    sku: Ref
    qty: PositiveQty
    uom: Ref = "Units"
    lot: Ref | None = None


class FulfillmentOrder(Document):
    """``POST {base}/fulfillment-orders``: ship these lines to this address."""

    message_id: Ref
    order_ref: Ref
    warehouse_code: Ref
    order_date: When
    ship_method: Ref | None = None
    ship_to: ShipTo
    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=1000)]
    notes: Text | None = None


class OrderAnswer(Document):
    """The provider's answer to a fulfilment order (2xx)."""

    status: Literal["accepted", "already_accepted"]
    order_ref: Ref | None = None


class FulfillmentOrderUpdate(FulfillmentOrder):
    """``PUT {base}/fulfillment-orders/{order_ref}``: the order as it is now
    (address, method, lines, notes), replacing what was sent before it is
    picked. ``message_id`` is new for each change; ``revision`` counts the
    changes (1 for the first): a provider applies a revision once and never
    an older one after a newer."""

    revision: Annotated[int, Field(ge=1)]


class UpdateAnswer(Document):
    """The provider's answer to a change: ``rejected`` once the order is
    picked (it ships as it was), with the reason."""

    status: Literal["updated", "rejected"]
    reason: Text | None = None


class CancelRequest(Document):
    """``POST {base}/fulfillment-orders/{order_ref}/cancel``."""

    message_id: Ref
    order_ref: Ref
    reason: Text | None = None


class CancelledLine(Document):
    line_ref: Ref
    qty_cancelled: StockQty


class CancelAnswer(Document):
    """The provider's answer to a cancel: a cancel is only a request."""

    status: Literal["cancelled", "partial", "rejected"]
    lines: Annotated[list[CancelledLine], Field(max_length=1000)] = Field(
        default_factory=list
    )
    reason: Text | None = None


class Lot(Document):
    lot: Ref
    qty: PositiveQty
    expiry: Day | None = None


class ReceiptLine(Document):
    line_ref: Ref
    sku: Ref
    qty: PositiveQty
    uom: Ref = "Units"
    lots: Annotated[list[Lot], Field(max_length=1000)] = Field(default_factory=list)


class ReceiptNotice(Document):
    """``POST {base}/receipts``: goods on their way into the warehouse."""

    message_id: Ref
    receipt_ref: Ref
    po_ref: Ref | None = None
    warehouse_code: Ref
    expected_date: When | None = None
    lines: Annotated[list[ReceiptLine], Field(min_length=1, max_length=1000)]


class StockLot(Document):
    lot: Ref
    qty: StockQty
    expiry: Day | None = None


class InventoryItem(Document):
    sku: Ref
    on_hand: StockQty
    available: StockQty | None = None
    lots: Annotated[list[StockLot], Field(max_length=1000)] = Field(
        default_factory=list
    )


class InventoryAnswer(Document):
    """``GET {base}/inventory?warehouse_code=``: what is on the shelves."""

    as_of: When
    items: Annotated[list[InventoryItem], Field(max_length=10_000)]


# ----------------------------------------------------------------------
# provider → Odoo: the payloads
# ----------------------------------------------------------------------
class ShippedLine(Document):
    line_ref: Ref
    sku: Ref
    qty: PositiveQty
    lots: Annotated[list[Lot], Field(max_length=1000)] = Field(default_factory=list)
    serials: Annotated[list[Ref], Field(max_length=10_000)] = Field(
        default_factory=list
    )


class Package(Document):
    package_ref: Ref
    tracking_number: Ref | None = None
    weight_kg: StockQty | None = None
    lines: Annotated[list[ShippedLine], Field(min_length=1, max_length=1000)]


class ShipmentConfirmed(Document):
    """``shipment.confirmed``: one shipment of an order (several per order
    when it ships in parts; ``final`` says no other follows)."""

    order_ref: Ref
    shipment_ref: Ref
    shipped_at: When
    carrier: Ref | None = None
    service: Ref | None = None
    final: bool
    packages: Annotated[list[Package], Field(min_length=1, max_length=1000)]


class OrderCancelled(Document):
    """``order.cancelled``: the provider cancelled the order."""

    order_ref: Ref
    reason: Text | None = None


class ReceivedLine(Document):
    line_ref: Ref
    sku: Ref
    qty: StockQty
    lots: Annotated[list[Lot], Field(max_length=1000)] = Field(default_factory=list)


class ReceiptConfirmed(Document):
    """``receipt.confirmed``: goods of a receipt put on the shelves."""

    receipt_ref: Ref
    final: bool
    lines: Annotated[list[ReceivedLine], Field(min_length=1, max_length=1000)]


class InventorySnapshot(InventoryAnswer):
    """``inventory.snapshot``: the whole stock of the warehouse, as of then."""


class ReturnedLine(Document):
    sku: Ref
    qty: PositiveQty
    condition: Literal["sellable", "damaged"]
    lots: Annotated[list[Lot], Field(max_length=1000)] = Field(default_factory=list)


class ReturnReceived(Document):
    """``return.received``: a customer return arrived at the warehouse."""

    rma_ref: Ref
    order_ref: Ref | None = None
    lines: Annotated[list[ReturnedLine], Field(min_length=1, max_length=1000)]


#: the payload model of each message type
PAYLOADS = {
    "shipment.confirmed": ShipmentConfirmed,
    "order.cancelled": OrderCancelled,
    "receipt.confirmed": ReceiptConfirmed,
    "inventory.snapshot": InventorySnapshot,
    "return.received": ReturnReceived,
}


# ----------------------------------------------------------------------
# provider → Odoo: the envelope
# ----------------------------------------------------------------------
class Envelope(Document):
    """What every message carries; ``payload`` depends on ``type``."""

    message_id: Ref
    type: Literal[MESSAGE_TYPES]
    occurred_at: When
    warehouse_code: Ref
    payload: dict


def _message_model(message_type, payload_model):
    name = "".join(part.capitalize() for part in message_type.split(".")) + "Message"
    return type(
        name,
        (Envelope,),
        {
            "__annotations__": {
                "type": Literal[message_type],
                "payload": payload_model,
            },
            "__doc__": f"A ``{message_type}`` message.",
            "__module__": __name__,
        },
    )


#: the whole message model of each type (envelope and its payload)
MESSAGES = {
    message_type: _message_model(message_type, model)
    for message_type, model in PAYLOADS.items()
}


def _context(label, remote_ref=None):
    return PayloadContext(
        subject="3PL message",
        label=label,
        remote_ref=remote_ref,
        hint="The provider's message does not follow the contract ({path}): "
        "ask the provider to correct it and send it again, then ignore this "
        "exception.",
    )


def subject_of(message_type, payload):
    """The remote object a message is about (its event's subject), or None."""
    if not isinstance(payload, dict):
        return None
    if message_type in ("shipment.confirmed", "order.cancelled"):
        ref = payload.get("order_ref")
        return f"order:{ref}" if isinstance(ref, str) and ref else None
    if message_type == "receipt.confirmed":
        ref = payload.get("receipt_ref")
        return f"receipt:{ref}" if isinstance(ref, str) and ref else None
    if message_type == "return.received":
        ref = payload.get("rma_ref")
        return f"return:{ref}" if isinstance(ref, str) and ref else None
    return None


def parse_message(data):
    """A decoded message validated: the message model of its type.

    The envelope is checked first (an unknown ``type`` is named as such),
    then the payload of its type.
    """
    message_id = data.get("message_id") if isinstance(data, dict) else None
    context = _context(
        str(message_id) if isinstance(message_id, str) else "(no message_id)"
    )
    if not isinstance(data, dict):
        context.fail(WHOLE_PAYLOAD, f"is {json_kind(data)}, not an object")
    envelope = context.validate(Envelope, data)
    context.remote_ref = subject_of(envelope.type, data.get("payload"))
    return context.validate(MESSAGES[envelope.type], data)


def parse_answer(model, data, label):
    """An answer of the provider validated as ``model`` (``label`` names it)."""
    context = PayloadContext(
        subject="3PL answer",
        label=label,
        hint="The provider's answer does not follow the contract ({path}): "
        "ask the provider to correct it; the request is sent again by Retry.",
    )
    return context.validate(model, data)


def build(model, data, label, hint=None):
    """A request Odoo is about to send, validated as ``model``.

    ``hint`` may name the faulty field with ``%(path)s``.
    """
    context = PayloadContext(
        subject="3PL request",
        label=label,
        hint=(lambda path: hint % {"path": path}) if hint else None,
    )
    return context.validate(model, data)


def dump(document):
    """A document as the JSON data it is sent as (no null optional fields)."""
    return document.model_dump(mode="json", exclude_none=True)

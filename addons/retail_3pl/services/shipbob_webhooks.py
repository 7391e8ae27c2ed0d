"""ShipBob's webhooks: their signature, and what they mean in the contract.

Signature (ShipBob signs as the Standard Webhooks scheme does): three
headers, ``webhook-id``, ``webhook-timestamp`` (unix seconds) and
``webhook-signature`` (space-delimited ``v1,<base64 HMAC-SHA256>``); the
HMAC is keyed with the base64-decoded part of the subscription's secret
after ``whsec_`` and computed over ``"<id>.<timestamp>.<raw body>"``.

- :func:`decode_secret` / :func:`check_secret` / :func:`new_secret`: the
  ``whsec_`` secret;
- :func:`sign` builds a ``webhook-signature`` value (the simulator's side);
- :func:`verify` checks the three headers in constant time, within
  :data:`TOLERANCE_SECONDS` of now, never raising;
- :class:`ShipbobWebhookAuthenticator` is the intake's authenticator.

Meaning: a webhook is a trigger, ShipBob's order (``GET /order/{id}``) is
the truth (its deliveries may come late, twice or out of order, and
``order.shipped`` fires per shipment or per order depending on the
account). :func:`webhook_subject` reads the identifiers of a delivery;
:func:`order_messages` turns a ShipBob order into the contract's messages
(one ``shipment.confirmed`` per shipment that left, ``order.cancelled``
when all of it is cancelled) and the shipments that need a person
(on hold, exception); :func:`return_message` turns a completed ShipBob
return into ``return.received``.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
TOPIC_HEADER = "x-webhook-topic"
#: seconds a delivery's timestamp may be away from now, either way
TOLERANCE_SECONDS = 300
#: a header value longer than this is not read
MAX_HEADER_CHARS = 2048
SECRET_PREFIX = "whsec_"
#: the secret form ShipBob documents: 32 base64 characters (24 bytes)
SECRET_PATTERN = re.compile(r"^whsec_[A-Za-z0-9+/]{32}$")

#: the topics of orders (the order is read again) and of returns
ORDER_TOPICS = (
    "order.shipped",
    "order.delivered",
    "order.shipment.delivered",
    "order.shipment.exception",
    "order.shipment.on_hold",
    "order.shipment.cancelled",
    "order.shipment.tracking.updated",
)
RETURN_TOPICS = ("return.created", "return.updated", "return.completed")
#: shipment statuses: left the warehouse (``LabeledCreated`` is the enum's
#: spelling, ``LabelCreated`` the webhooks')
SHIPPED = ("Completed", "LabeledCreated", "LabelCreated")
CANCELLED = ("Cancelled", "CleanSweeped")
NEEDS_ATTENTION = ("Exception", "OnHold", "ImportReview")
#: return actions that put the units back on the shelves
RESTOCKED = ("Restock", "Default")


# ----------------------------------------------------------------------
# the secret and the signature
# ----------------------------------------------------------------------
def decode_secret(secret):
    """The HMAC key of a ``whsec_`` secret, or None when it is not one."""
    if not isinstance(secret, str):
        return None
    secret = secret.strip()
    if not secret.startswith(SECRET_PREFIX):
        return None
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def check_secret(secret):
    """Why ``secret`` is not a ShipBob webhook secret, or None."""
    if not SECRET_PATTERN.match(secret or ""):
        return (
            "it must be whsec_ followed by 32 base64 characters "
            "(letters, digits, + and /)"
        )
    return None


def new_secret():
    """A new secret of ShipBob's documented form (24 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _to_bytes(value):
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def signature(secret, webhook_id, timestamp, body):
    """The base64 HMAC-SHA256 of ``"<id>.<timestamp>.<body>"``."""
    key = decode_secret(secret)
    if key is None:
        raise ValueError("not a whsec_ secret")
    signed = f"{webhook_id}.{int(timestamp)}.".encode() + _to_bytes(body)
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(secret, webhook_id, timestamp, body):
    """The ``webhook-signature`` value of one delivery."""
    return f"v1,{signature(secret, webhook_id, timestamp, body)}"


def _header(headers, name):
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    if not isinstance(value, str) or not value or len(value) > MAX_HEADER_CHARS:
        return None
    return value


def verify(secret, body, headers, *, now=None, tolerance=TOLERANCE_SECONDS):
    """Whether the headers sign ``body`` with ``secret`` within the window.

    Constant-time comparison of every ``v1`` signature given; False (never
    an exception) for a secret that is not ``whsec_``, a header missing,
    malformed or too long, a timestamp outside ``now`` ± ``tolerance``.
    """
    key = decode_secret(secret)
    if key is None:
        return False
    webhook_id = _header(headers, ID_HEADER)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    received = _header(headers, SIGNATURE_HEADER)
    if not (webhook_id and timestamp and received):
        return False
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, webhook_id, timestamp, body).encode("ascii")
    matched = False
    for element in received.split(" "):
        version, sep, value = element.partition(",")
        if version != "v1" or not sep:
            continue
        # every candidate is compared: the time taken does not tell which
        matched |= hmac.compare_digest(expected, value.encode("utf-8", "replace"))
    return matched


class ShipbobWebhookAuthenticator:
    """The intake authenticator of ShipBob's deliveries.

    ``clock`` returns the current unix time (tests move it).
    """

    def __init__(self, tolerance=TOLERANCE_SECONDS, clock=time.time):
        self.tolerance = tolerance
        self.clock = clock

    def verify(self, credential, body, headers):
        return verify(
            credential, body, headers, now=self.clock(), tolerance=self.tolerance
        )


# ----------------------------------------------------------------------
# what a delivery is about
# ----------------------------------------------------------------------
def _id(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _ref(value):
    return value[:300] if isinstance(value, str) and value else None


def webhook_subject(topic, payload):
    """``{"order_id", "reference_id", "shipment_id", "return_id"}`` of a
    delivery (the values found, tolerantly: at the top level or under
    ``order``, ``shipment``, ``shipments[0]`` or ``return``)."""
    found = {}
    if not isinstance(payload, dict):
        return found
    places = [payload]
    for key in ("order", "shipment", "return", "data"):
        if isinstance(payload.get(key), dict):
            places.append(payload[key])
    shipments = payload.get("shipments")
    if isinstance(shipments, list) and shipments and isinstance(shipments[0], dict):
        places.append(shipments[0])
    is_return = isinstance(topic, str) and topic.startswith("return.")

    def first(key, value):
        if value and not found.get(key):
            found[key] = value

    for place in places:
        first("order_id", _id(place.get("order_id")))
        first("shipment_id", _id(place.get("shipment_id")))
        first("return_id", _id(place.get("return_id")))
        if place is payload and not is_return:
            first("reference_id", _ref(place.get("reference_id")))
            first("order_id", _id(place.get("id")))
        elif place is payload:
            first("return_id", _id(place.get("id")))
    return found


# ----------------------------------------------------------------------
# a ShipBob order, in the contract's messages
# ----------------------------------------------------------------------
def _products_shipped(shipment):
    """``[(sku, qty, lots, serials)]`` of a shipment's products."""
    rows = []
    for product in shipment.get("products") or ():
        if not isinstance(product, dict):
            continue
        sku = product.get("reference_id") or product.get("sku")
        items = [i for i in product.get("inventory_items") or () if isinstance(i, dict)]
        qty = product.get("quantity")
        if not isinstance(qty, (int, float)) or isinstance(qty, bool):
            qty = sum(
                i.get("quantity") or 0
                for i in items
                if isinstance(i.get("quantity"), (int, float))
            )
        lots, serials = [], []
        for item in items:
            if item.get("lot"):
                lots.append({"lot": str(item["lot"]), "qty": item.get("quantity") or 0})
            serials.extend(str(s) for s in item.get("serial_numbers") or () if s)
        rows.append((str(sku) if sku else "", qty, lots, serials))
    return rows


def _allocate(sku, qty, sent_lines, taken):
    """Split ``qty`` of ``sku`` over the order's lines of that SKU (in
    line order, each up to what it still misses; the last takes the rest)."""
    refs = [ref for ref, line in sent_lines.items() if line.get("sku") == sku]
    if not refs:
        return [(f"sku:{sku}", qty)]
    refs.sort(key=lambda ref: (len(ref), ref))
    parts = []
    for index, ref in enumerate(refs):
        if qty <= 0:
            break
        room = sent_lines[ref].get("qty", 0) - taken.get(ref, 0)
        take = qty if index == len(refs) - 1 else min(qty, max(room, 0))
        if take > 0:
            parts.append((ref, take))
            taken[ref] = taken.get(ref, 0) + take
            qty -= take
    return parts


def _message(message_type, payload, occurred_at, warehouse_code, key):
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()[:16]
    return {
        "message_id": f"shipbob:{key}:{digest}",
        "type": message_type,
        "occurred_at": occurred_at,
        "warehouse_code": warehouse_code,
        "payload": payload,
    }


def _when(*values):
    for value in values:
        if isinstance(value, str) and value:
            return value
    return None


def order_messages(order, *, warehouse_code, sent_lines, now):
    """The contract's messages of a ShipBob order, and its shipments that
    need a person.

    ``sent_lines`` are the lines of the fulfilment order as Odoo sent them
    (``{line_ref: {"sku", "qty"}}``): ShipBob ships products, which go back
    to lines by SKU. Returns ``(messages, attention)``: one
    ``shipment.confirmed`` per shipment that left (``final`` once no
    shipment is left to ship), ``order.cancelled`` when every shipment is
    cancelled and none left; ``attention`` lists ``(shipment id, status,
    reason)`` of the shipments on hold or in exception. A message's
    ``message_id`` changes with its content only: the same order read twice
    gives the same messages.
    """
    reference = order.get("reference_id")
    shipments = sorted(
        (s for s in order.get("shipments") or () if isinstance(s, dict)),
        key=lambda s: _id(s.get("id")) or 0,
    )
    statuses = [s.get("status") for s in shipments]
    open_left = any(status not in SHIPPED + CANCELLED for status in statuses)
    last_shipped = max(
        (_id(s.get("id")) or 0 for s in shipments if s.get("status") in SHIPPED),
        default=None,
    )
    messages, attention, taken = [], [], {}
    for shipment in shipments:
        status = shipment.get("status")
        shipment_id = _id(shipment.get("id"))
        if status in NEEDS_ATTENTION:
            details = [
                d.get("description") or d.get("name")
                for d in shipment.get("status_details") or ()
                if isinstance(d, dict) and (d.get("description") or d.get("name"))
            ]
            attention.append((shipment_id, status, "; ".join(details) or status))
            continue
        if status not in SHIPPED:
            continue
        tracking = shipment.get("tracking") or {}
        lines = []
        for sku, qty, lots, serials in _products_shipped(shipment):
            if qty <= 0:
                continue
            for line_ref, part in _allocate(sku, qty, sent_lines, taken):
                line = {"line_ref": line_ref, "sku": sku or "?", "qty": part}
                if lots:
                    line["lots"] = lots
                if serials:
                    line["serials"] = serials
                lines.append(line)
        if not lines:
            continue
        shipped_at = _when(
            tracking.get("shipping_date"),
            shipment.get("actual_fulfillment_date"),
            shipment.get("last_update_at"),
            now,
        )
        # the last shipment to leave, once nothing is left to ship
        final = not open_left and shipment_id == last_shipped
        payload = {
            "order_ref": reference,
            "shipment_ref": str(shipment_id),
            "shipped_at": shipped_at,
            "final": final,
            "packages": [
                {
                    "package_ref": str(shipment_id),
                    "tracking_number": tracking.get("tracking_number")
                    or tracking.get("tracking_id"),
                    "lines": lines,
                }
            ],
        }
        if tracking.get("carrier"):
            payload["carrier"] = tracking["carrier"]
        if tracking.get("carrier_service"):
            payload["service"] = tracking["carrier_service"]
        if not payload["packages"][0]["tracking_number"]:
            del payload["packages"][0]["tracking_number"]
        occurred_at = _when(
            shipment.get("last_tracking_update_at"),
            shipment.get("last_update_at"),
            shipped_at,
        )
        messages.append(
            _message(
                "shipment.confirmed",
                payload,
                occurred_at,
                warehouse_code,
                f"shipment:{shipment_id}",
            )
        )
    all_cancelled = shipments and all(status in CANCELLED for status in statuses)
    nothing_shipped = not any(status in SHIPPED for status in statuses)
    if (order.get("status") == "Cancelled" or all_cancelled) and nothing_shipped:
        messages.append(
            _message(
                "order.cancelled",
                {"order_ref": reference, "reason": "Cancelled in ShipBob."},
                _when(order.get("last_update_at"), now),
                warehouse_code,
                f"order:{_id(order.get('id'))}:cancelled",
            )
        )
    return messages, attention


def return_message(ret, *, warehouse_code, order_ref, skus, now):
    """``return.received`` of a completed ShipBob return, or None before.

    ``skus`` maps ShipBob inventory ids to SKUs. Units restocked are
    ``sellable``, quarantined or disposed ones ``damaged``.
    """
    if not isinstance(ret, dict) or ret.get("status") != "Completed":
        return None
    lines = []
    for item in ret.get("inventory") or ():
        if not isinstance(item, dict):
            continue
        sku = skus.get(_id(item.get("id"))) or f"inventory:{item.get('id')}"
        actions = [a for a in item.get("action_taken") or () if isinstance(a, dict)]
        if not actions:
            actions = [
                {"action": "Restock", "quantity_processed": item.get("quantity")}
            ]
        for action in actions:
            qty = action.get("quantity_processed")
            if not isinstance(qty, (int, float)) or isinstance(qty, bool) or qty <= 0:
                continue
            line = {
                "sku": sku,
                "qty": qty,
                "condition": "sellable"
                if action.get("action") in RESTOCKED
                else "damaged",
            }
            lots = [
                {"lot": lot["lot_number"], "qty": lot.get("quantity_processed") or qty}
                for lot in action.get("lot_information") or ()
                if isinstance(lot, dict) and lot.get("lot_number")
            ]
            if lots:
                line["lots"] = lots
            lines.append(line)
    if not lines:
        return None
    return_id = _id(ret.get("id"))
    payload = {
        "rma_ref": ret.get("reference_id") or f"shipbob-return-{return_id}",
        "lines": lines,
    }
    if order_ref:
        payload["order_ref"] = order_ref
    return _message(
        "return.received",
        payload,
        _when(ret.get("completed_date"), now),
        warehouse_code,
        f"return:{return_id}",
    )

"""ShipBob's REST API (2026-07), in memory: what the ``shipbob`` adapter calls.

:class:`ShipbobSimulator` answers under ``https://api.shipbob.example.test/
2026-07``:

- ``POST /order``: a new ``reference_id`` is stored and answered 201 with
  the order (one shipment, ``Processing``); one it already has is answered
  422 ``{"": ["Cannot insert order with existing ReferenceId"]}`` as ShipBob
  answers it; an invalid body 422 ``{field: [messages]}``;
- ``GET /order?ReferenceIds=``, ``GET /order/{id}``, ``GET /shipment/{id}``;
- ``POST /order/{id}:cancel``: ``Success`` while no shipment is picked,
  ``PartialSuccess`` when some shipped (the others are cancelled),
  ``Failure`` once picked or shipped;
- ``GET /inventory-level`` (``InventoryIds``, ``PageSize``, ``Cursor``: the
  ``next`` link pages) and ``GET /inventory-level/locations?LocationId=``;
- ``GET /return/{id}``.

Every call needs ``Authorization: Bearer <token>`` (401) and the
``shipbob_channel_id`` header of the channel (400 without, 403 for another
one). ShipBob's rate limit is a sliding window (``rate_limit`` calls per
``rate_window`` seconds on the simulator's clock): past it a call is
answered 429 with ``x-retry-after`` (seconds until the oldest call leaves
the window) and ``x-remaining-calls: 0``; every answer carries
``x-remaining-calls``. Injected 429s (``throttle_next``) answer with
``x-retry-after`` too. Calls are logged in ``sim.calls`` (operations
``order.create``, ``order.search``, ``order.get``, ``order.cancel``,
``shipment.get``, ``inventory.get``, ``return.get``).

What happens in the warehouse mirrors the generic simulator
(:meth:`~ShipbobSimulator.pick`, :meth:`~ShipbobSimulator.ship`,
:meth:`~ShipbobSimulator.cancel_by_provider`, :meth:`~ShipbobSimulator.
set_stock`), plus :meth:`~ShipbobSimulator.hold` and
:meth:`~ShipbobSimulator.receive_return`; each sends its webhook
(``order.shipped`` per shipment, ``order.shipment.cancelled``,
``order.shipment.on_hold``, ``return.completed``), signed as ShipBob signs
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature``), through the
base simulator's outbox.
"""

import collections
import json
import math
import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

from odoo.addons.retail_connector_base.simulator import Simulator, json_body, locked

from ..services import shipbob_webhooks

BASE_URL = "https://api.shipbob.example.test/2026-07"
DUPLICATE_BODY = {"": ["Cannot insert order with existing ReferenceId"]}
_ROUTES = (
    ("POST", re.compile(r"^/order$"), "order.create"),
    ("GET", re.compile(r"^/order$"), "order.search"),
    ("GET", re.compile(r"^/order/(?P<id>\d+)$"), "order.get"),
    ("POST", re.compile(r"^/order/(?P<id>\d+):cancel$"), "order.cancel"),
    ("GET", re.compile(r"^/shipment/(?P<id>\d+)$"), "shipment.get"),
    ("GET", re.compile(r"^/inventory-level$"), "inventory.get"),
    ("GET", re.compile(r"^/inventory-level/locations$"), "inventory.locations"),
    ("GET", re.compile(r"^/return/(?P<id>\d+)$"), "return.get"),
)


def _copy(data):
    return json.loads(json.dumps(data))


class ShipbobSimulator(Simulator):
    """An in-memory ShipBob account (one channel, its fulfillment centers)."""

    name = "ShipBob"

    def __init__(
        self,
        token,
        webhook_secret,
        *,
        channel_id=100102,
        base_url=BASE_URL,
        location_id=22,
        rate_limit=150,
        rate_window=60.0,
        clock=time.monotonic,
        unix_clock=time.time,
    ):
        super().__init__(base_url, clock=clock)
        self.token = token
        self.webhook_secret = webhook_secret
        self.channel_id = channel_id
        self.prefix = urlsplit(base_url).path.rstrip("/")
        self.location_id = location_id
        self.rate_limit = rate_limit
        self.rate_window = float(rate_window)
        self.unix_clock = unix_clock
        #: ShipBob order id -> order (ShipBob's OrderViewModel, plus "picked")
        self.orders = {}
        self.by_reference = {}
        self.returns = {}
        #: sku -> {"inventory_id", "sku", "name", "locations"}, the locations
        #: {location id: [on hand, fulfillable]}
        self.inventory = {}
        self.subscriptions = []
        self._calls_at = collections.deque()
        self._ids = iter(range(100_000_001, 999_999_999))

    # -- what happens in the warehouse -------------------------------------
    @locked
    def subscribe(self, url):
        """Send the webhooks to ``url`` from now on."""
        if url not in self.subscriptions:
            self.subscriptions.append(url)

    @locked
    def order(self, order_ref):
        """ShipBob's order of ``reference_id`` ``order_ref`` (a copy), or None."""
        order_id = self.by_reference.get(order_ref)
        return _copy(self.orders[order_id]) if order_id else None

    def _order(self, order_ref):
        return self.orders[self.by_reference[order_ref]]

    def _open_shipment(self, order):
        for shipment in order["shipments"]:
            if shipment["status"] in ("Processing", "OnHold", "Exception"):
                return shipment
        return None

    @locked
    def pick(self, order_ref):
        """The order is picked: a cancel is refused from now on."""
        shipment = self._open_shipment(self._order(order_ref))
        if shipment is not None:
            shipment["picked"] = True

    @locked
    def hold(self, order_ref, reason="Missing tariff code"):
        """ShipBob puts the open shipment on hold (``order.shipment.on_hold``)."""
        order = self._order(order_ref)
        shipment = self._open_shipment(order)
        shipment["status"] = "OnHold"
        shipment["status_details"] = [
            {"id": 1, "name": "OnHold", "description": reason}
        ]
        order["status"] = "Exception"
        self._touch(order, shipment)
        return self._webhook("order.shipment.on_hold", order, shipment)

    @locked
    def ship(
        self,
        order_ref,
        packages=None,
        *,
        final=None,
        carrier="UPS",
        service="Ground",
        shipment_ref=None,
        occurred_at=None,
        message_id=None,
    ):
        """Ship ``packages`` of the order, one shipment each, and send
        ``order.shipped`` for each.

        ``packages`` are ``{"tracking_number", "lines": [{"line_ref", "qty",
        "lots", "serials"}]}`` as the generic simulator takes them (a line is
        the product of that ``external_line_id``); by default one package
        with everything not shipped yet. What is left stays in a new
        ``Processing`` shipment, or is cancelled when ``final`` is true.
        ``shipment_ref`` and ``message_id`` are not ShipBob's (it numbers
        them itself): ``message_id`` names the webhook id. Returns the
        webhooks sent.
        """
        order = self._order(order_ref)
        open_shipment = self._open_shipment(order)
        if open_shipment is None:
            raise ValueError(f"order {order_ref} has nothing left to ship")
        left = {
            p["external_line_id"]: p
            for p in _copy(open_shipment["products"])
            if p["inventory_items"][0]["quantity"] > 0
        }
        if packages is None:
            packages = [
                {
                    "lines": [
                        {"line_ref": ref, "qty": p["inventory_items"][0]["quantity"]}
                        for ref, p in left.items()
                    ]
                }
            ]
        when = occurred_at or self._now_iso()
        order["shipments"].remove(open_shipment)
        sent = []
        for package in packages:
            products = []
            for line in package["lines"]:
                product = left[line["line_ref"]]
                item = product["inventory_items"][0]
                qty = line["qty"]
                item["quantity"] -= qty
                lots = line.get("lots") or []
                items = [
                    {
                        "id": item["id"],
                        "name": item["name"],
                        "quantity": lot["qty"],
                        "lot": lot["lot"],
                        "serial_numbers": [],
                    }
                    for lot in lots
                ] or [
                    {
                        "id": item["id"],
                        "name": item["name"],
                        "quantity": qty,
                        "lot": None,
                        "serial_numbers": list(line.get("serials") or ()),
                    }
                ]
                products.append({**_copy(product), "inventory_items": items})
            shipment = self._new_shipment(order, products, status="Completed")
            number = next(self._ids)
            shipment["tracking"] = {
                "carrier": carrier,
                "carrier_service": service,
                "tracking_number": package.get("tracking_number", f"1Z{number}"),
                "tracking_url": f"https://track.example.test/{number}",
                "shipping_date": when,
            }
            shipment["actual_fulfillment_date"] = when
            shipment["last_update_at"] = when
            shipment["last_tracking_update_at"] = when
            order["shipments"].append(shipment)
            sent.append(shipment)
        rest = [p for p in left.values() if p["inventory_items"][0]["quantity"] > 0]
        if rest:
            shipment = self._new_shipment(
                order, rest, status="Cancelled" if final else "Processing"
            )
            order["shipments"].append(shipment)
        statuses = {s["status"] for s in order["shipments"]}
        order["status"] = (
            "PartiallyFulfilled" if "Processing" in statuses else "Fulfilled"
        )
        order["last_update_at"] = when
        return [
            self._webhook(
                "order.shipped", order, shipment, webhook_id=message_id, when=when
            )
            for shipment in sent
        ]

    @locked
    def cancel_by_provider(self, order_ref, reason="Out of stock"):
        """ShipBob cancels what is not shipped (``order.shipment.cancelled``)."""
        order = self._order(order_ref)
        cancelled = []
        for shipment in order["shipments"]:
            if shipment["status"] not in shipbob_webhooks.SHIPPED + ("Cancelled",):
                shipment["status"] = "Cancelled"
                shipment["status_details"] = [
                    {"id": 2, "name": "Cancelled", "description": reason}
                ]
                cancelled.append(shipment)
        if not any(s["status"] in shipbob_webhooks.SHIPPED for s in order["shipments"]):
            order["status"] = "Cancelled"
        else:
            order["status"] = "Fulfilled"
        self._touch(order)
        return [
            self._webhook("order.shipment.cancelled", order, shipment)
            for shipment in cancelled
        ]

    @locked
    def set_stock(self, sku, on_hand, available=None, location_id=None):
        """What a fulfillment center holds of ``sku``."""
        item = self._inventory_item(sku)
        location = location_id or self.location_id
        item["locations"][location] = [
            on_hand,
            on_hand if available is None else available,
        ]

    @locked
    def receive_return(self, order_ref, lines, *, reference_id=None):
        """A return of the order arrived and was processed
        (``return.completed``); ``lines`` are ``{"sku", "qty", "action"}``
        (``Restock``, ``Quarantine``, ``Dispose``)."""
        order = self._order(order_ref)
        shipped = [
            s for s in order["shipments"] if s["status"] in shipbob_webhooks.SHIPPED
        ]
        return_id = next(self._ids)
        when = self._now_iso()
        inventory = collections.OrderedDict()
        for line in lines:
            item = self._inventory_item(line["sku"])
            entry = inventory.setdefault(
                item["inventory_id"],
                {
                    "id": item["inventory_id"],
                    "name": item["name"],
                    "quantity": 0,
                    "action_requested": {"action": "Default"},
                    "action_taken": [],
                },
            )
            entry["quantity"] += line["qty"]
            entry["action_taken"].append(
                {
                    "action": line.get("action", "Restock"),
                    "action_reason": line.get("reason", ""),
                    "quantity_processed": line["qty"],
                    "lot_information": [
                        {"lot_number": lot["lot"], "quantity_processed": lot["qty"]}
                        for lot in line.get("lots") or ()
                    ],
                }
            )
        ret = {
            "id": return_id,
            "reference_id": reference_id or f"RMA-{return_id}",
            "status": "Completed",
            "return_type": "Regular",
            "original_shipment_id": shipped[0]["id"] if shipped else None,
            "store_order_id": order_ref,
            "fulfillment_center": {"id": self.location_id, "name": "Cicero (IL)"},
            "channel": {"id": self.channel_id, "name": "Odoo"},
            "inventory": list(inventory.values()),
            "insert_date": when,
            "completed_date": when,
        }
        self.returns[return_id] = ret
        payload = {
            "topic": "return.completed",
            "event_time": when,
            "id": return_id,
            "reference_id": ret["reference_id"],
            "status": "Completed",
        }
        return self._emit_webhook("return.completed", payload)

    @locked
    def send_webhook(self, topic, payload, *, webhook_id=None):
        """Send any webhook (a test's own payload, valid or not)."""
        return self._emit_webhook(topic, payload, webhook_id=webhook_id)

    # -- state helpers -------------------------------------------------------
    def _now_iso(self):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.unix_clock())) + "Z"

    def _touch(self, order, shipment=None):
        when = self._now_iso()
        order["last_update_at"] = when
        if shipment is not None:
            shipment["last_update_at"] = when

    def _inventory_item(self, sku):
        if sku not in self.inventory:
            self.inventory[sku] = {
                "inventory_id": next(self._ids),
                "sku": sku,
                "name": sku,
                "locations": {},
            }
        return self.inventory[sku]

    def _new_shipment(self, order, products, status):
        return {
            "id": next(self._ids),
            "order_id": order["id"],
            "reference_id": order["reference_id"],
            "status": status,
            "status_details": [],
            "location": {"id": self.location_id, "name": "Cicero (IL)"},
            "products": _copy(products),
            "tracking": None,
            "last_update_at": self._now_iso(),
            "picked": False,
        }

    def _webhook(self, topic, order, shipment, *, webhook_id=None, when=None):
        payload = {
            "topic": topic,
            "event_time": when or self._now_iso(),
            "order_id": order["id"],
            "reference_id": order["reference_id"],
            "shipment_id": shipment["id"],
            "status": shipment["status"],
        }
        if shipment.get("tracking"):
            tracking = shipment["tracking"]
            payload["tracking"] = {
                "carrier": tracking["carrier"],
                "carrier_service": tracking["carrier_service"],
                "tracking_id": tracking["tracking_number"],
                "tracking_url": tracking["tracking_url"],
            }
        return self._emit_webhook(topic, payload, webhook_id=webhook_id)

    def _emit_webhook(self, topic, payload, *, webhook_id=None):
        webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
        self._emit(topic, payload, event_id=webhook_id)
        return payload

    def _sign_webhook(self, webhook, route):
        body = json_body(webhook.payload)
        timestamp = int(self.unix_clock())
        return {
            "Content-Type": "application/json",
            shipbob_webhooks.ID_HEADER: webhook.event_id,
            shipbob_webhooks.TIMESTAMP_HEADER: str(timestamp),
            shipbob_webhooks.SIGNATURE_HEADER: shipbob_webhooks.sign(
                self.webhook_secret, webhook.event_id, timestamp, body
            ),
            shipbob_webhooks.TOPIC_HEADER: webhook.topic,
        }, body

    def _webhook_routes(self, webhook):
        return [(url, None) for url in self.subscriptions]

    # -- HTTP ----------------------------------------------------------------
    def _remaining(self):
        now = self._clock()
        while self._calls_at and now - self._calls_at[0] >= self.rate_window:
            self._calls_at.popleft()
        return self.rate_limit - len(self._calls_at)

    def _answer(self, request, status, payload, outcome="ok", headers=None):
        method, path, operation = request
        self.calls.record(
            method=method,
            path=path,
            operation=operation,
            status=status,
            outcome=outcome,
        )
        all_headers = {
            "Content-Type": "application/json",
            "x-remaining-calls": str(max(0, self._remaining())),
            **(headers or {}),
        }
        body = b"" if payload is None else json_body(payload)
        return status, all_headers, body

    def _route(self, method, route):
        for verb, pattern, operation in _ROUTES:
            match = pattern.match(route or "")
            if verb == method and match:
                return operation, match.groupdict().get("id")
        return None, None

    def _handle(self, method, path, headers, body):
        parts = urlsplit(path)
        route = parts.path
        route = route[len(self.prefix) :] if route.startswith(self.prefix) else None
        operation, object_id = self._route(method, route)
        request = (method, path, operation)
        headers = {k.lower(): v for k, v in headers.items()}
        if headers.get("authorization") != f"Bearer {self.token}":
            return self._answer(
                request, 401, {"message": "Unauthorized"}, "unauthorized"
            )
        if self._remaining() <= 0:
            wait = self.rate_window - (self._clock() - self._calls_at[0])
            seconds = max(1, math.ceil(wait))
            return self._answer(
                request,
                429,
                {
                    "statusCode": 429,
                    "message": "Rate limit is exceeded. Try again in "
                    f"{seconds} seconds.",
                },
                "rate_limited",
                headers={"x-retry-after": str(seconds), "x-remaining-calls": "0"},
            )
        self._calls_at.append(self._clock())
        fault = self._take_fault(method=method, path=path, operation=operation)
        if fault is not None:
            fault_headers = {"Content-Type": "application/json"}
            if fault.retry_after is not None:
                fault_headers["x-retry-after"] = f"{fault.retry_after:g}"
            return fault.status, fault_headers, json_body({"message": fault.phrase})
        if operation is None:
            return self._answer(request, 404, {"message": "Not Found"}, "not_found")
        channel = headers.get("shipbob_channel_id")
        if not channel:
            return self._answer(
                request,
                400,
                {"shipbob_channel_id": ["The shipbob_channel_id header is required."]},
                "invalid",
            )
        if channel != str(self.channel_id):
            return self._answer(request, 403, {"message": "Forbidden"}, "forbidden")
        query = parse_qs(parts.query)
        if operation == "order.create":
            return self._create_order(request, body)
        if operation == "order.search":
            refs = set(",".join(query.get("ReferenceIds") or []).split(","))
            found = [
                _copy(self.orders[self.by_reference[ref]])
                for ref in sorted(refs)
                if ref in self.by_reference
            ]
            return self._answer(request, 200, found)
        if operation == "order.get":
            order = self.orders.get(int(object_id))
            if order is None:
                return self._answer(request, 404, {"message": "Not Found"}, "not_found")
            return self._answer(request, 200, order)
        if operation == "order.cancel":
            return self._cancel(request, int(object_id))
        if operation == "shipment.get":
            for order in self.orders.values():
                for shipment in order["shipments"]:
                    if shipment["id"] == int(object_id):
                        return self._answer(request, 200, shipment)
            return self._answer(request, 404, {"message": "Not Found"}, "not_found")
        if operation == "return.get":
            ret = self.returns.get(int(object_id))
            if ret is None:
                return self._answer(request, 404, {"message": "Not Found"}, "not_found")
            return self._answer(request, 200, ret)
        return self._answer(request, 200, self._levels(operation, query))

    def _validate_order(self, data):
        problems = {}
        if not isinstance(data, dict):
            return {"": ["The request body must be an order."]}
        reference = data.get("reference_id")
        if not isinstance(reference, str) or not 1 <= len(reference) <= 300:
            problems["reference_id"] = ["The reference_id field is required."]
        if not data.get("shipping_method"):
            problems["shipping_method"] = ["The shipping_method field is required."]
        if data.get("type") not in ("DTC", "DropShip", "B2B"):
            problems["type"] = ["The type field is required."]
        recipient = data.get("recipient") or {}
        address = recipient.get("address") or {}
        for key, value in (
            ("recipient.name", recipient.get("name")),
            ("recipient.address.address1", address.get("address1")),
            ("recipient.address.city", address.get("city")),
            ("recipient.address.country", address.get("country")),
        ):
            if not value:
                problems[key] = [f"The {key} field is required."]
        products = data.get("products")
        if not isinstance(products, list) or not products:
            problems["products"] = ["At least one product is required."]
        else:
            for index, product in enumerate(products):
                qty = product.get("quantity") if isinstance(product, dict) else None
                if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                    problems[f"products[{index}].quantity"] = [
                        "The quantity must be a positive whole number."
                    ]
                elif not product.get("reference_id") and not product.get("id"):
                    problems[f"products[{index}].reference_id"] = [
                        "A product needs its reference_id or its id."
                    ]
        return problems

    def _create_order(self, request, body):
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self._answer(
                request, 400, {"": ["The body is not JSON."]}, "invalid"
            )
        problems = self._validate_order(data)
        if problems:
            return self._answer(request, 422, problems, "invalid")
        if data["reference_id"] in self.by_reference:
            return self._answer(request, 422, DUPLICATE_BODY, "duplicate")
        order_id = next(self._ids)
        products = []
        for line in data["products"]:
            item = self._inventory_item(line["reference_id"])
            products.append(
                {
                    "id": item["inventory_id"],
                    "reference_id": line["reference_id"],
                    "sku": line["reference_id"],
                    "name": line.get("name") or line["reference_id"],
                    "external_line_id": line.get("external_line_id"),
                    "inventory_items": [
                        {
                            "id": item["inventory_id"],
                            "name": item["name"],
                            "quantity": line["quantity"],
                        }
                    ],
                }
            )
        order = {
            "id": order_id,
            "reference_id": data["reference_id"],
            "order_number": data.get("order_number"),
            "status": "Processing",
            "type": data["type"],
            "channel": {"id": self.channel_id, "name": "Odoo"},
            "shipping_method": data["shipping_method"],
            "recipient": data["recipient"],
            "products": _copy(data["products"]),
            "created_date": self._now_iso(),
            "last_update_at": self._now_iso(),
            "shipments": [],
        }
        order["shipments"].append(self._new_shipment(order, products, "Processing"))
        self.orders[order_id] = order
        self.by_reference[data["reference_id"]] = order_id
        return self._answer(request, 201, order)

    def _cancel(self, request, order_id):
        order = self.orders.get(order_id)
        if order is None:
            return self._answer(request, 404, {"message": "Not Found"}, "not_found")
        results = []
        for shipment in order["shipments"]:
            status = shipment["status"]
            if status == "Cancelled":
                continue
            if status in shipbob_webhooks.SHIPPED or shipment.get("picked"):
                results.append(
                    {
                        "shipment_id": shipment["id"],
                        "is_success": False,
                        "reason": "The shipment is already "
                        + (
                            "shipped"
                            if status in shipbob_webhooks.SHIPPED
                            else "picked"
                        ),
                        "action": "Cancel",
                    }
                )
                continue
            shipment["status"] = "Cancelled"
            results.append(
                {
                    "shipment_id": shipment["id"],
                    "is_success": True,
                    "reason": None,
                    "action": "Cancel",
                }
            )
        succeeded = [r for r in results if r["is_success"]]
        if len(succeeded) == len(results):
            status = "Success"
            order["status"] = "Cancelled"
        elif succeeded:
            status = "PartialSuccess"
            order["status"] = "Fulfilled"
        else:
            status = "Failure"
        self._touch(order)
        answer = {
            "order_id": order_id,
            "order": order,
            "status": status,
            "canceled_shipment_results": results,
        }
        return self._answer(request, 200, answer, status)

    def _levels(self, operation, query):
        ids = {
            int(i)
            for i in ",".join(query.get("InventoryIds") or []).split(",")
            if i.isdigit()
        }
        location = (query.get("LocationId") or [None])[0]
        size = int((query.get("PageSize") or ["50"])[0])
        start = int((query.get("Cursor") or ["0"])[0])
        items = []
        for sku in sorted(self.inventory):
            item = self.inventory[sku]
            if ids and item["inventory_id"] not in ids:
                continue
            row = {
                "inventory_id": item["inventory_id"],
                "sku": sku,
                "name": item["name"],
                "total_on_hand_quantity": sum(v[0] for v in item["locations"].values()),
                "total_fulfillable_quantity": sum(
                    v[1] for v in item["locations"].values()
                ),
            }
            if operation == "inventory.locations":
                row["locations"] = [
                    {
                        "location_id": loc,
                        "name": f"FC {loc}",
                        "on_hand_quantity": values[0],
                        "fulfillable_quantity": values[1],
                    }
                    for loc, values in sorted(item["locations"].items())
                    if location is None or str(loc) == location
                ]
            items.append(row)
        page = items[start : start + size]
        following = None
        if start + size < len(items):
            route = (
                "/inventory-level/locations"
                if operation == "inventory.locations"
                else "/inventory-level"
            )
            following = f"{self.prefix}{route}?PageSize={size}&Cursor={start + size}"
            if location:
                following += f"&LocationId={location}"
        return {"items": page, "next": following}

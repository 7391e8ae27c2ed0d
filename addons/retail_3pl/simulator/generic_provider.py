"""A provider speaking the generic 3PL contract, in memory.

:class:`GenericProviderSimulator` answers what Odoo sends (see
``services/contract.py``), under its base URL:

- ``POST /fulfillment-orders``: a new ``order_ref`` is stored and answered
  201 ``accepted``; one it already has is answered 200 ``already_accepted``
  (or 409 with ``duplicate_status=409``), never stored twice;
- ``PUT /fulfillment-orders/<order_ref>``: a change (address, lines)
  replaces the order while it is not picked (``updated``), ``rejected``
  once it is picked or shipped, or for a revision older than the last;
- ``POST /fulfillment-orders/<order_ref>/cancel``: ``cancelled`` while the
  order is not picked, ``partial`` once part of it shipped (the rest is
  cancelled), ``rejected`` once it is picked or shipped;
- ``POST /receipts``: the notice is stored;
- ``GET /inventory?warehouse_code=``: the stock of that warehouse.

Every call needs ``Authorization: Bearer <token>`` and, when it has a body,
a valid ``X-Retail-Signature`` (401 otherwise); a body the contract refuses
is answered 422 with the error. Each call is logged in ``sim.calls``
(operations ``order.create``, ``order.update``, ``order.cancel``, ``receipt.create``,
``inventory.get``).

What happens in the warehouse (:meth:`~GenericProviderSimulator.pick`,
:meth:`~GenericProviderSimulator.ship`,
:meth:`~GenericProviderSimulator.cancel_by_provider`) is sent to Odoo as
signed messages, through the outbox of the base simulator.
"""

import json
import re
import time
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

from odoo.addons.retail_connector_base.services.errors import PayloadValidationError
from odoo.addons.retail_connector_base.simulator import Simulator, json_body, locked

from ..services import contract, signing

BASE_URL = "https://3pl.example.test/v1"
_CANCEL_PATH = re.compile(r"^/fulfillment-orders/(?P<ref>[^/]+)/cancel$")
_ORDER_PATH = re.compile(r"^/fulfillment-orders/(?P<ref>[^/]+)$")


class GenericProviderSimulator(Simulator):
    """An in-memory 3PL warehouse answering the generic contract."""

    name = "Generic 3PL"

    def __init__(
        self,
        token,
        signing_secret,
        *,
        base_url=BASE_URL,
        warehouse_code="WH",
        clock=time.monotonic,
        unix_clock=time.time,
        duplicate_status=200,
    ):
        super().__init__(base_url, clock=clock)
        self.token = token
        self.signing_secret = signing_secret
        self.prefix = urlsplit(base_url).path.rstrip("/")
        self.warehouse_code = warehouse_code
        self.unix_clock = unix_clock
        self.duplicate_status = duplicate_status
        #: order_ref -> {"order", "status", "shipped": {line_ref: qty}, "keys"}
        self.orders = {}
        self.receipts = {}
        #: warehouse code -> {sku: {"on_hand", "available", "lots"}}
        self.inventory = {}
        self.subscriptions = []
        self._shipment_count = 0

    # -- what happens in the warehouse -------------------------------------
    @locked
    def subscribe(self, url):
        """Send the messages to ``url`` from now on."""
        if url not in self.subscriptions:
            self.subscriptions.append(url)

    @locked
    def order(self, order_ref):
        """What the provider keeps of ``order_ref`` (a copy), or None."""
        order = self.orders.get(order_ref)
        return json.loads(json.dumps(order)) if order else None

    @locked
    def pick(self, order_ref):
        """The order is picked: a cancel is refused from now on."""
        self.orders[order_ref]["status"] = "picked"

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
        """Ship ``packages`` of the order and send ``shipment.confirmed``.

        ``packages`` are ``{"tracking_number", "lines": [{"line_ref", "qty",
        "lots", "serials"}]}`` (the SKU is the line's); by default one
        package with everything not shipped yet. ``final`` defaults to
        whether nothing is left. Returns the message sent.
        """
        order = self.orders[order_ref]
        lines = {line["line_ref"]: line for line in order["order"]["lines"]}
        if packages is None:
            packages = [
                {
                    "lines": [
                        {
                            "line_ref": ref,
                            "qty": line["qty"] - order["shipped"].get(ref, 0),
                        }
                        for ref, line in lines.items()
                        if line["qty"] - order["shipped"].get(ref, 0) > 0
                    ]
                }
            ]
        self._shipment_count += 1
        documents = []
        for number, package in enumerate(packages, start=1):
            package_lines = []
            for line in package["lines"]:
                ref = line["line_ref"]
                order["shipped"][ref] = order["shipped"].get(ref, 0) + line["qty"]
                package_lines.append(
                    {
                        "line_ref": ref,
                        "sku": line.get("sku") or lines[ref]["sku"],
                        "qty": line["qty"],
                        "lots": line.get("lots", []),
                        "serials": line.get("serials", []),
                    }
                )
            documents.append(
                {
                    "package_ref": f"{order_ref}-P{self._shipment_count}-{number}",
                    "tracking_number": package.get(
                        "tracking_number",
                        f"1Z{self._shipment_count:04d}{number:02d}{len(order_ref):04d}",
                    ),
                    "weight_kg": package.get("weight_kg", 1.0),
                    "lines": package_lines,
                }
            )
        left = any(
            line["qty"] - order["shipped"].get(ref, 0) > 0
            for ref, line in lines.items()
        )
        final = (not left) if final is None else final
        order["status"] = "shipped" if final else "partially_shipped"
        payload = {
            "order_ref": order_ref,
            "shipment_ref": shipment_ref or f"{order_ref}-S{self._shipment_count}",
            "shipped_at": self._now_iso(),
            "carrier": carrier,
            "service": service,
            "final": final,
            "packages": documents,
        }
        return self._message(
            "shipment.confirmed",
            payload,
            occurred_at=occurred_at,
            message_id=message_id,
        )

    @locked
    def cancel_by_provider(self, order_ref, reason="Out of stock"):
        """The provider cancels the order and sends ``order.cancelled``."""
        self.orders[order_ref]["status"] = "cancelled"
        return self._message(
            "order.cancelled", {"order_ref": order_ref, "reason": reason}
        )

    @locked
    def set_stock(self, sku, on_hand, available=None, lots=(), warehouse_code=None):
        """What the shelves of a warehouse hold of ``sku``."""
        code = warehouse_code or self.warehouse_code
        self.inventory.setdefault(code, {})[sku] = {
            "sku": sku,
            "on_hand": on_hand,
            "available": on_hand if available is None else available,
            "lots": list(lots),
        }

    @locked
    def send_message(self, message_type, payload, **options):
        """Send any message (a test's own payload, valid or not)."""
        return self._message(message_type, payload, **options)

    def _now_iso(self):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.unix_clock())) + "Z"

    def _message(self, message_type, payload, *, occurred_at=None, message_id=None):
        message_id = message_id or str(uuid.uuid4())
        envelope = {
            "message_id": message_id,
            "type": message_type,
            "occurred_at": occurred_at or self._now_iso(),
            "warehouse_code": self.warehouse_code,
            "payload": payload,
        }
        self._emit(message_type, envelope, event_id=message_id)
        return envelope

    def _sign_webhook(self, webhook, route):
        body = json_body(webhook.payload)
        return {
            "Content-Type": "application/json",
            signing.HEADER: signing.sign(self.signing_secret, body, self.unix_clock()),
        }, body

    def _webhook_routes(self, webhook):
        return [(url, None) for url in self.subscriptions]

    # -- HTTP ----------------------------------------------------------------
    def _answer(self, request, status, payload, outcome="ok"):
        method, path, operation = request
        self.calls.record(
            method=method,
            path=path,
            operation=operation,
            status=status,
            outcome=outcome,
        )
        return status, {"Content-Type": "application/json"}, json_body(payload)

    def _handle(self, method, path, headers, body):
        parts = urlsplit(path)
        route = parts.path
        route = route[len(self.prefix) :] if route.startswith(self.prefix) else None
        cancel = _CANCEL_PATH.match(route or "")
        operation = {
            ("POST", "/fulfillment-orders"): "order.create",
            ("POST", "/receipts"): "receipt.create",
            ("GET", "/inventory"): "inventory.get",
        }.get((method, route))
        if cancel and method == "POST":
            operation = "order.cancel"
        change = _ORDER_PATH.match(route or "")
        if change and method == "PUT":
            operation = "order.update"
        request = (method, path, operation)
        headers = {k.lower(): v for k, v in headers.items()}
        if headers.get("authorization") != f"Bearer {self.token}":
            return self._answer(
                request, 401, {"error": "invalid token"}, "unauthorized"
            )
        if method in ("POST", "PUT") and not signing.verify(
            self.signing_secret,
            body,
            headers.get(signing.HEADER.lower()),
            now=self.unix_clock(),
        ):
            return self._answer(
                request, 401, {"error": "bad signature"}, "bad_signature"
            )
        fault = self._take_fault(method=method, path=path, operation=operation)
        if fault is not None:
            return fault.status, fault.headers(), json_body({"error": fault.phrase})
        if operation is None:
            return self._answer(request, 404, {"error": "not found"}, "not_found")
        if method == "GET":
            code = (parse_qs(parts.query).get("warehouse_code") or [""])[0]
            return self._answer(request, 200, self._inventory(code))
        try:
            data = json.loads(body.decode("utf-8"))
            if operation == "order.create":
                document = contract.parse_answer(
                    contract.FulfillmentOrder, data, "order"
                )
            elif operation == "order.cancel":
                document = contract.parse_answer(contract.CancelRequest, data, "cancel")
            elif operation == "order.update":
                document = contract.parse_answer(
                    contract.FulfillmentOrderUpdate, data, "change"
                )
            else:
                document = contract.parse_answer(
                    contract.ReceiptNotice, data, "receipt"
                )
        except (UnicodeDecodeError, ValueError, PayloadValidationError) as exc:
            return self._answer(request, 422, {"error": str(exc)}, "invalid")
        if headers.get("idempotency-key") != document.message_id:
            return self._answer(
                request,
                422,
                {"error": "Idempotency-Key is not the message_id"},
                "invalid",
            )
        if operation == "order.create":
            return self._create_order(request, document)
        if operation == "order.cancel":
            return self._cancel(request, unquote(cancel["ref"]))
        if operation == "order.update":
            return self._update(request, unquote(change["ref"]), document)
        self.receipts[document.receipt_ref] = contract.dump(document)
        return self._answer(request, 201, {"status": "accepted"})

    def _create_order(self, request, order):
        existing = self.orders.get(order.order_ref)
        if existing is not None:
            existing["keys"].append(order.message_id)
            return self._answer(
                request,
                self.duplicate_status,
                {"status": "already_accepted", "order_ref": order.order_ref},
                "duplicate",
            )
        self.orders[order.order_ref] = {
            "order": contract.dump(order),
            "status": "accepted",
            "shipped": {},
            "keys": [order.message_id],
        }
        return self._answer(
            request, 201, {"status": "accepted", "order_ref": order.order_ref}
        )

    def _update(self, request, order_ref, update):
        """A change replaces the order while it is not picked; a revision is
        applied once (the same message again is answered alike) and an older
        one after a newer is refused."""
        order = self.orders.get(order_ref)
        if order is None or update.order_ref != order_ref:
            return self._answer(request, 404, {"error": "no such order"}, "not_found")
        if update.message_id in order["keys"]:
            return self._answer(request, 200, {"status": "updated"}, "duplicate")
        if order["status"] != "accepted":
            return self._answer(
                request,
                200,
                {
                    "status": "rejected",
                    "reason": f"The order is {order['status'].replace('_', ' ')}: "
                    "it ships as it was.",
                },
                "rejected",
            )
        if update.revision <= order.get("revision", 0):
            return self._answer(
                request,
                200,
                {"status": "rejected", "reason": "A newer change was applied."},
                "rejected",
            )
        order["order"] = {
            k: v for k, v in contract.dump(update).items() if k != "revision"
        }
        order["revision"] = update.revision
        order["keys"].append(update.message_id)
        return self._answer(request, 200, {"status": "updated"})

    def _cancel(self, request, order_ref):
        order = self.orders.get(order_ref)
        if order is None:
            return self._answer(request, 404, {"error": "no such order"}, "not_found")
        lines = order["order"]["lines"]
        status = order["status"]
        if status in ("accepted", "cancelled"):
            order["status"] = "cancelled"
            answer = {
                "status": "cancelled",
                "lines": [
                    {"line_ref": line["line_ref"], "qty_cancelled": line["qty"]}
                    for line in lines
                ],
            }
        elif status == "partially_shipped":
            order["status"] = "shipped"
            answer = {
                "status": "partial",
                "lines": [
                    {
                        "line_ref": line["line_ref"],
                        "qty_cancelled": line["qty"]
                        - order["shipped"].get(line["line_ref"], 0),
                    }
                    for line in lines
                ],
                "reason": "Part of the order has shipped.",
            }
        else:
            answer = {
                "status": "rejected",
                "lines": [],
                "reason": f"The order is already {status}.",
            }
        return self._answer(request, 200, answer, answer["status"])

    def _inventory(self, code):
        return {
            "as_of": self._now_iso(),
            "items": list(self.inventory.get(code, {}).values()),
        }

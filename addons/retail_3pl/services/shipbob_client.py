"""The client of ShipBob's REST API (version 2026-07), in contract terms.

The adapter speaks the contract (``services/contract.py``) to the rest of
the connector; this client translates to and from ShipBob:

- :func:`order_body`: a :class:`~.contract.FulfillmentOrder` as ShipBob's
  create-order body (``reference_id`` = the ``order_ref``, products by
  ``reference_id`` = SKU, ``external_line_id`` = ``line_ref``);
- :meth:`ShipbobClient.send_order`: ``POST /order``; ShipBob keeps one
  order per ``reference_id`` and answers a second one 422, as it answers
  an invalid order, so any 422 is followed by ``GET
  /order?ReferenceIds=``: an order found is ``already_accepted``, none a
  real refusal (the field errors named);
- :meth:`ShipbobClient.cancel_order`: ``POST /order/{id}:cancel`` as a
  :class:`~.contract.CancelAnswer` (ShipBob refuses once a shipment is
  picked: ``rejected``; some shipments only: ``partial``);
- :meth:`ShipbobClient.fetch_inventory`: the inventory levels of a
  fulfillment center (or of the whole network) as a
  :class:`~.contract.InventoryAnswer` (on hand; available = fulfillable);
- reads for the webhooks (:meth:`~ShipbobClient.get_order`,
  :meth:`~ShipbobClient.get_return`, :meth:`~ShipbobClient.get_shipment`,
  :meth:`~ShipbobClient.inventory_skus`).

Every call goes through the base's ``HttpClient`` (timeouts, the backend's
rate limiter, circuit breaker, redaction) with the ``shipbob_channel_id``
header. ShipBob's rate limit (150 calls a minute) answers 429 with
``x-retry-after``: :class:`ShipbobHttpClient` reads it as ``Retry-After``, so the
base waits inline for a short one and otherwise raises ``RateLimitedError``
with it (capped), which postpones the job without spending its tries.
"""

import datetime
import math

from odoo.addons.retail_connector_base.services.errors import (
    PayloadValidationError,
    RemoteRejectedError,
)
from odoo.addons.retail_connector_base.services.http_client import HttpClient

from . import contract

API_VERSION = "2026-07"
BASE_URL = f"https://api.shipbob.com/{API_VERSION}"
SANDBOX_URL = f"https://sandbox-api.shipbob.com/{API_VERSION}"
#: ShipBob's hosts, allowed as the API URL of a ShipBob provider
HOSTS = ("api.shipbob.com", "sandbox-api.shipbob.com")
CHANNEL_HEADER = "shipbob_channel_id"
RETRY_AFTER_HEADER = "x-retry-after"
REMAINING_HEADER = "x-remaining-calls"
#: ShipBob's limit: calls per minute, a sliding window
RATE_PER_MINUTE = 150
#: what the base limiter of a ShipBob provider allows: any minute sees at
#: most capacity + 60 x rate = 150 calls
LIMITER_CAPACITY = 30
LIMITER_PER_SECOND = 2.0
#: pages of inventory levels read at most (250 items each)
MAX_PAGES = 200
PAGE_SIZE = 250
DEFAULT_SHIPPING_METHOD = "Standard"


class ShipbobHttpClient(HttpClient):
    """The base ``HttpClient`` reading ShipBob's ``x-retry-after`` as
    ``Retry-After``: a short wait is waited inline, a long one raises
    ``RateLimitedError`` with it (capped by the base)."""

    def _check_response(self, method, shown_url, response, redactor):
        value = response.headers.get(RETRY_AFTER_HEADER)
        if value and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = value
        return super()._check_response(method, shown_url, response, redactor)


def order_body(order, shipping_method=None):
    """ShipBob's create-order body of a :class:`~.contract.FulfillmentOrder`."""
    ship_to = order.ship_to
    address = {
        "address1": ship_to.street,
        "city": ship_to.city,
        "country": ship_to.country_code,
    }
    for key, value in (
        ("address2", ship_to.street2),
        ("state", ship_to.state),
        ("zip_code", ship_to.zip),
    ):
        if value:
            address[key] = value
    recipient = {"name": ship_to.name, "address": address}
    if ship_to.email:
        recipient["email"] = ship_to.email
    if ship_to.phone:
        recipient["phone_number"] = ship_to.phone
    body = {
        "reference_id": order.order_ref,
        "order_number": order.order_ref,
        "type": "DTC",
        "shipping_method": shipping_method
        or order.ship_method
        or DEFAULT_SHIPPING_METHOD,
        "purchase_date": order.order_date.isoformat() + "Z",
        "recipient": recipient,
        "products": [
            {
                "reference_id": line.sku,
                "name": line.sku,
                "quantity": _quantity(line),
                "external_line_id": line.line_ref,
            }
            for line in order.lines
        ],
    }
    if order.notes:
        body["tags"] = [{"name": "notes", "value": order.notes[:500]}]
    return body


def _quantity(line):
    qty = line.qty
    if abs(qty - round(qty)) > 1e-6:
        raise PayloadValidationError(
            f"Fulfilment order line {line.line_ref} ({line.sku}) asks for "
            f"{qty:g} units: ShipBob ships whole units only.",
            hint="Ship whole units of this product (its unit of measure), "
            "then press Retry.",
        )
    return int(round(qty))


def _next_path(link):
    """The path of a ``next`` link (absolute, or a path with the version)."""
    prefix = f"/{API_VERSION}/"
    return link[len(prefix) - 1 :] if link.startswith(prefix) else link


def _field_errors(body):
    """ShipBob's ``{field: [messages]}`` error body in one line."""
    if isinstance(body, dict):
        parts = []
        for field, messages in body.items():
            if isinstance(messages, list):
                messages = "; ".join(str(m) for m in messages)
            parts.append(f"{field or 'order'}: {messages}")
        return ", ".join(parts)[:1000]
    return str(body)[:1000]


class ShipbobClient:
    """ShipBob's API through ``http`` (an ``HttpClient``) for one channel."""

    def __init__(self, http, channel_id, *, shipping_method=None, clock=None):
        self.http = http
        self.channel_id = channel_id
        self.shipping_method = shipping_method
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))

    # -- plumbing ----------------------------------------------------------
    def _headers(self):
        return {CHANNEL_HEADER: str(self.channel_id or "")}

    def _get(self, path, label, params=None):
        response = self.http.request(
            "GET", path, params=params, headers=self._headers()
        )
        return self._json(response, label)

    @staticmethod
    def _json(response, label):
        try:
            return response.json() if response.content else None
        except ValueError:
            raise RemoteRejectedError(
                f"{label}: ShipBob's answer is not JSON (HTTP {response.status_code}).",
                hint="ShipBob answered something unexpected; press Retry later.",
            ) from None

    def _now(self):
        return self.clock().replace(tzinfo=None).isoformat() + "Z"

    # -- orders ------------------------------------------------------------
    def find_order(self, order_ref):
        """ShipBob's order of ``reference_id`` ``order_ref``, or None."""
        data = self._get(
            "/order",
            f"Order {order_ref} at ShipBob",
            params={"ReferenceIds": order_ref},
        )
        items = data.get("items") if isinstance(data, dict) else data
        for item in items or ():
            if isinstance(item, dict) and item.get("reference_id") == order_ref:
                return item
        return None

    def get_order(self, order_id):
        """ShipBob's order ``order_id`` (None when this channel has none)."""
        try:
            return self._get(f"/order/{int(order_id)}", f"ShipBob order {order_id}")
        except RemoteRejectedError as exc:
            if exc.details.get("status") == 404:
                return None
            raise

    def send_order(self, order):
        """Create the order once; the contract's ``OrderAnswer``."""
        label = f"Fulfilment order {order.order_ref}"
        body = order_body(order, self.shipping_method)
        try:
            self.http.request(
                "POST",
                "/order",
                json=body,
                headers={**self._headers(), "Content-Type": "application/json"},
                idempotent=False,
            )
        except RemoteRejectedError as exc:
            if exc.details.get("status") != 422:
                raise
            # a duplicate reference_id and an invalid order look alike
            if self.find_order(order.order_ref) is not None:
                return contract.OrderAnswer(
                    status="already_accepted", order_ref=order.order_ref
                )
            raise RemoteRejectedError(
                f"{label}: ShipBob refused the order: {exc.details.get('body') or exc}",
                hint="Correct what ShipBob names (the products' SKUs, the "
                "address, the shipping method) on the delivery, then press "
                "Retry.",
                details=exc.details,
            ) from None
        return contract.OrderAnswer(status="accepted", order_ref=order.order_ref)

    def cancel_order(self, order_ref, sent_lines):
        """Ask ShipBob to cancel ``order_ref``; a ``CancelAnswer``.

        ``sent_lines`` (``{line_ref: {"sku", "qty"}}``) give the lines of the
        shipments cancelled when only some are.
        """
        order = self.find_order(order_ref)
        if order is None:
            return contract.CancelAnswer(
                status="cancelled",
                reason="ShipBob has no such order: it never received it.",
            )
        if order.get("status") == "Cancelled":
            return contract.CancelAnswer(status="cancelled")
        try:
            response = self.http.request(
                "POST",
                f"/order/{int(order['id'])}:cancel",
                headers=self._headers(),
                idempotent=True,
            )
        except RemoteRejectedError as exc:
            if exc.details.get("status") not in (400, 422):
                raise
            return contract.CancelAnswer(
                status="rejected",
                reason=f"ShipBob refused: {exc.details.get('body') or exc}"[:2000],
            )
        data = self._json(response, f"Cancel of order {order_ref}") or {}
        results = [
            r
            for r in data.get("canceled_shipment_results") or ()
            if isinstance(r, dict)
        ]
        reasons = "; ".join(
            str(r.get("reason")) for r in results if not r.get("is_success")
        )
        status = data.get("status")
        if status == "Success" or (
            results and all(r.get("is_success") for r in results)
        ):
            return contract.CancelAnswer(status="cancelled")
        if status == "PartialSuccess":
            cancelled_ids = {
                r.get("shipment_id") for r in results if r.get("is_success")
            }
            shipments = (data.get("order") or order).get("shipments") or ()
            return contract.CancelAnswer(
                status="partial",
                lines=self._cancelled_lines(shipments, cancelled_ids, sent_lines),
                reason=f"ShipBob refused to cancel some shipments: {reasons}"[:2000],
            )
        return contract.CancelAnswer(
            status="rejected",
            reason=f"ShipBob refused: {reasons or 'the order cannot be cancelled'}"[
                :2000
            ],
        )

    @staticmethod
    def _cancelled_lines(shipments, cancelled_ids, sent_lines):
        by_sku = {}
        for shipment in shipments:
            if (
                not isinstance(shipment, dict)
                or shipment.get("id") not in cancelled_ids
            ):
                continue
            for product in shipment.get("products") or ():
                sku = product.get("reference_id") or product.get("sku")
                qty = product.get("quantity")
                if qty is None:
                    qty = sum(
                        i.get("quantity") or 0
                        for i in product.get("inventory_items") or ()
                    )
                by_sku[sku] = by_sku.get(sku, 0) + qty
        lines = []
        for line_ref, line in sorted(sent_lines.items()):
            left = by_sku.get(line.get("sku"), 0)
            take = min(left, line.get("qty", 0))
            if take > 0:
                lines.append(
                    contract.CancelledLine(line_ref=line_ref, qty_cancelled=take)
                )
                by_sku[line["sku"]] = left - take
        return lines

    # -- shipments and returns ---------------------------------------------
    def get_shipment(self, shipment_id):
        """ShipBob's shipment ``shipment_id``, or None."""
        try:
            return self._get(
                f"/shipment/{int(shipment_id)}", f"ShipBob shipment {shipment_id}"
            )
        except RemoteRejectedError as exc:
            if exc.details.get("status") == 404:
                return None
            raise

    def get_return(self, return_id):
        """ShipBob's return ``return_id``, or None."""
        try:
            return self._get(f"/return/{int(return_id)}", f"ShipBob return {return_id}")
        except RemoteRejectedError as exc:
            if exc.details.get("status") == 404:
                return None
            raise

    def inventory_skus(self, inventory_ids):
        """``{inventory id: sku}`` of ShipBob inventory items."""
        ids = sorted({int(i) for i in inventory_ids if i})
        if not ids:
            return {}
        data = self._get(
            "/inventory-level",
            "ShipBob inventory levels",
            params={
                "InventoryIds": ",".join(str(i) for i in ids),
                "PageSize": PAGE_SIZE,
            },
        )
        return {
            item.get("inventory_id"): item.get("sku")
            for item in (data or {}).get("items") or ()
            if isinstance(item, dict) and item.get("sku")
        }

    # -- inventory ---------------------------------------------------------
    def fetch_inventory(self, location_id=None):
        """The :class:`~.contract.InventoryAnswer` of fulfillment center
        ``location_id`` (of the whole network when None)."""
        label = "ShipBob inventory levels"
        as_of = self._now()
        path = "/inventory-level/locations" if location_id else "/inventory-level"
        params = {"PageSize": PAGE_SIZE}
        if location_id:
            params["LocationId"] = int(location_id)
        items = {}
        for _page in range(MAX_PAGES):
            data = self._get(path, label, params=params) or {}
            for item in data.get("items") or ():
                row = self._inventory_item(item, location_id)
                if row is None:
                    continue
                sku, on_hand, available = row
                entry = items.setdefault(
                    sku, {"sku": sku, "on_hand": 0, "available": 0}
                )
                entry["on_hand"] += on_hand
                entry["available"] += available
            following = data.get("next")
            if not following or not isinstance(following, str):
                break
            path, params = _next_path(following), None
        else:
            raise RemoteRejectedError(
                f"{label}: more than {MAX_PAGES} pages.",
                hint="Ask ShipBob's support why the levels do not end.",
            )
        return contract.parse_answer(
            contract.InventoryAnswer,
            {"as_of": as_of, "items": list(items.values())},
            label,
        )

    @staticmethod
    def _number(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return 0
        return value if math.isfinite(value) and value > 0 else 0

    def _inventory_item(self, item, location_id):
        if not isinstance(item, dict) or not item.get("sku"):
            return None
        if not location_id:
            return (
                str(item["sku"]),
                self._number(item.get("total_on_hand_quantity")),
                self._number(item.get("total_fulfillable_quantity")),
            )
        on_hand = available = 0
        for location in item.get("locations") or ():
            if isinstance(location, dict) and location.get("location_id") == int(
                location_id
            ):
                on_hand += self._number(location.get("on_hand_quantity"))
                available += self._number(location.get("fulfillable_quantity"))
        return str(item["sku"]), on_hand, available

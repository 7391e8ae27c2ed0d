"""The client of the generic contract: Odoo's requests to a provider.

Every request body is serialised here, once, then signed
(:mod:`.signing`) and sent with ``Idempotency-Key`` = its ``message_id``
through the base's ``HttpClient`` (timeouts, rate limiter, circuit
breaker, redaction). A request sent again carries the same key and the
same ``order_ref``: the provider answers ``already_accepted`` (or HTTP
409), which counts as success.
"""

import json
from urllib.parse import quote

from odoo.addons.retail_connector_base.services.errors import RemoteRejectedError

from . import contract, signing


def body_of(document):
    """The bytes a contract document is sent as (compact, stable key order)."""
    return json.dumps(
        contract.dump(document), separators=(",", ":"), sort_keys=True
    ).encode("utf-8")


class GenericClient:
    """Send the generic contract's requests through ``http`` (an HttpClient)."""

    def __init__(self, http, signing_secret, clock=None):
        self.http = http
        self.signing_secret = signing_secret or ""
        self.clock = clock

    def _post(self, path, document, method="POST", **kwargs):
        body = body_of(document)
        now = self.clock() if self.clock else None
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": document.message_id,
            signing.HEADER: signing.sign(self.signing_secret, body, now),
        }
        return self.http.request(
            method, path, data=body, headers=headers, idempotent=True, **kwargs
        )

    @staticmethod
    def _json(response, label):
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise RemoteRejectedError(
                f"{label}: the provider's answer is not JSON "
                f"(HTTP {response.status_code}).",
                hint="The provider does not follow the contract: ask it to "
                "correct its answer, then press Retry.",
            ) from None

    def send_order(self, order):
        """Send a ``FulfillmentOrder``; the provider's ``OrderAnswer``.

        An HTTP 409 (the provider already has this ``order_ref``) is the
        answer ``already_accepted``.
        """
        label = f"Fulfilment order {order.order_ref}"
        try:
            response = self._post("/fulfillment-orders", order)
        except RemoteRejectedError as exc:
            if exc.details.get("status") == 409:
                return contract.OrderAnswer(
                    status="already_accepted", order_ref=order.order_ref
                )
            raise
        data = self._json(response, label) or {"status": "accepted"}
        return contract.parse_answer(contract.OrderAnswer, data, label)

    def update_order(self, update):
        """Send a ``FulfillmentOrderUpdate``; the provider's ``UpdateAnswer``.

        An HTTP 409 is the answer ``rejected`` (the order is picked already).
        """
        label = f"Change of fulfilment order {update.order_ref}"
        path = f"/fulfillment-orders/{quote(update.order_ref, safe='')}"
        try:
            response = self._post(path, update, method="PUT")
        except RemoteRejectedError as exc:
            if exc.details.get("status") != 409:
                raise
            return contract.UpdateAnswer(
                status="rejected",
                reason="the provider refused the change (HTTP 409): the order is "
                "picked already",
            )
        return contract.parse_answer(
            contract.UpdateAnswer, self._json(response, label), label
        )

    def cancel_order(self, request):
        """Send a ``CancelRequest``; the provider's ``CancelAnswer``."""
        label = f"Cancel of fulfilment order {request.order_ref}"
        path = f"/fulfillment-orders/{quote(request.order_ref, safe='')}/cancel"
        response = self._post(path, request)
        return contract.parse_answer(
            contract.CancelAnswer, self._json(response, label), label
        )

    def send_receipt(self, notice):
        """Send a :class:`~.contract.ReceiptNotice` (any 2xx accepts it)."""
        self._post("/receipts", notice)
        return True

    def fetch_inventory(self, warehouse_code):
        """The :class:`~.contract.InventoryAnswer` of a warehouse."""
        label = f"Inventory of warehouse {warehouse_code}"
        response = self.http.request(
            "GET", "/inventory", params={"warehouse_code": warehouse_code}
        )
        return contract.parse_answer(
            contract.InventoryAnswer, self._json(response, label), label
        )

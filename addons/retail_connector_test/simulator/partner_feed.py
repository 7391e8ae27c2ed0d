"""The remote partner feed of ``retail.test.backend``, in memory.

:class:`PartnerFeedSimulator` keeps partners by id and answers the API the
backend's client calls, under its ``api_url`` (``/api``):

- ``GET /ping``: ``{"status": "ok"}``;
- ``GET /partners/<id>``: the partner, 404 when the feed has none;
- ``PUT /partners/<id>``: stores ``{name, email}`` and answers the partner;
  422 with ``{"errors": {field: message}}`` when the name is blank or the
  email is not one.

Every call needs ``Authorization: Bearer <token>`` (401 otherwise); an
injected fault (``sim.fail_next``, ``throttle_next``, ``time_out_next``)
answers once the caller is authenticated. Each call is logged in
``sim.calls`` with the operation ``ping``, ``partner.get`` or
``partner.put``.

A partner changed in the feed itself (:meth:`PartnerFeedSimulator.upsert_partner`)
is sent as a ``partner/upsert`` webhook to each subscribed URL, signed the
way the connector's intake checks it: ``X-Test-Signature`` is the hex
HMAC-SHA256 of the body with the webhook secret, ``X-Test-Topic`` and
``X-Test-Event-Id`` name the topic and the event.
"""

import json
import re
import time
from urllib.parse import unquote, urlsplit

from odoo.addons.retail_connector_base.services.signatures import hmac_sha256_digest
from odoo.addons.retail_connector_base.simulator import (
    Simulator,
    json_body,
    locked,
    wall_time,
)

API_URL = "https://remote.example.test/api"
_PARTNER_PATH = re.compile(r"^/partners/(?P<id>[^/]+)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PartnerFeedSimulator(Simulator):
    """An in-memory partner feed answering the test connector's client."""

    name = "Partner feed"

    def __init__(self, token, webhook_secret, *, api_url=API_URL, clock=time.monotonic):
        super().__init__(api_url, clock=clock)
        self.token = token
        self.webhook_secret = webhook_secret
        self.prefix = urlsplit(api_url).path.rstrip("/")
        self.partners = {}
        self.subscriptions = []

    # -- what people do in the feed ------------------------------------------
    @locked
    def upsert_partner(self, partner_id, name, email=None, *, notify=True):
        """Create or change a partner in the feed; return it (a copy).

        ``notify`` sends the ``partner/upsert`` webhook.
        """
        partner = self._store(str(partner_id), name, email)
        if notify:
            self._emit("partner/upsert", partner)
        return dict(partner)

    @locked
    def partner(self, partner_id):
        """The partner ``partner_id`` as the feed keeps it (a copy), or None."""
        partner = self.partners.get(str(partner_id))
        return dict(partner) if partner else None

    @locked
    def subscribe(self, url):
        """Send the webhooks to ``url`` from now on."""
        if url not in self.subscriptions:
            self.subscriptions.append(url)

    def _store(self, partner_id, name, email):
        previous = self.partners.get(partner_id)
        partner = {
            "id": partner_id,
            "name": name,
            "email": email,
            "updated_at": wall_time(self._clock).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "version": (previous["version"] + 1) if previous else 1,
        }
        self.partners[partner_id] = partner
        return partner

    # -- HTTP --------------------------------------------------------------
    def _answer(self, request, status, payload, outcome="ok"):
        """Log the call ``request`` (method, path, operation); answer JSON."""
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
        route = urlsplit(path).path
        if route.startswith(f"{self.prefix}/"):
            route = route[len(self.prefix) :]
        else:
            route = None
        match = _PARTNER_PATH.match(route or "")
        if match:
            operation = f"partner.{method.lower()}"
        else:
            operation = "ping" if route == "/ping" else None
        request = (method, path, operation)
        authorization = next(
            (v for k, v in headers.items() if k.lower() == "authorization"), ""
        )
        if authorization != f"Bearer {self.token}":
            return self._answer(
                request, 401, {"error": "invalid token"}, "unauthorized"
            )
        fault = self._take_fault(method=method, path=path, operation=operation)
        if fault is not None:
            return fault.status, fault.headers(), json_body({"error": fault.phrase})
        if route == "/ping" and method == "GET":
            return self._answer(request, 200, {"status": "ok"})
        if match and method == "GET":
            return self._get(request, unquote(match["id"]))
        if match and method == "PUT":
            return self._put(request, unquote(match["id"]), body)
        return self._answer(request, 404, {"error": "not found"}, "not_found")

    def _get(self, request, partner_id):
        partner = self.partners.get(partner_id)
        if partner is None:
            return self._answer(request, 404, {"error": "no such partner"}, "not_found")
        return self._answer(request, 200, partner)

    def _put(self, request, partner_id, body):
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            document = None
        if not isinstance(document, dict):
            return self._answer(
                request, 400, {"error": "the body must be a JSON object"}, "bad_request"
            )
        name, email = document.get("name"), document.get("email")
        problems = {}
        if not isinstance(name, str) or not name.strip():
            problems["name"] = "can't be blank"
        if email is not None and not (isinstance(email, str) and _EMAIL.match(email)):
            problems["email"] = "is invalid"
        if problems:
            return self._answer(request, 422, {"errors": problems}, "invalid")
        return self._answer(request, 200, self._store(partner_id, name.strip(), email))

    # -- webhooks ------------------------------------------------------------
    def _sign_webhook(self, webhook, route):
        body = json_body(webhook.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Partner-Feed-Simulator",
            "X-Test-Topic": webhook.topic,
            "X-Test-Event-Id": webhook.event_id,
            "X-Test-Signature": hmac_sha256_digest(
                self.webhook_secret, body, encoding="hex"
            ),
        }
        return headers, body

    def _webhook_routes(self, webhook):
        return [(url, None) for url in self.subscriptions]

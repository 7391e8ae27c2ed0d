from odoo import http

from odoo.addons.retail_connector_base.controllers.intake import (
    WebhookIntake,
    intake_route,
)
from odoo.addons.retail_connector_base.services.errors import PayloadValidationError
from odoo.addons.retail_connector_base.services.json_limits import JsonLimits
from odoo.addons.retail_connector_base.services.validation import json_kind

from ..services import contract, shipbob_webhooks, signing

HEADERS = (signing.HEADER, "User-Agent", "Content-Type")
# the contract nests a dozen levels at most; an inventory snapshot lists up
# to 10,000 SKUs
LIMITS = JsonLimits(max_depth=16, max_items=10_000)


def _topic(headers, payload):
    if isinstance(payload, dict) and isinstance(payload.get("type"), str):
        return payload["type"][:64]
    return None


def _event_key(headers, payload):
    if isinstance(payload, dict) and isinstance(payload.get("message_id"), str):
        return payload["message_id"][:200] or None
    return None


def _validate(provider, headers, payload):
    contract.parse_message(payload)


MESSAGES = WebhookIntake(
    "retail.3pl.provider",
    authenticator=signing.RetailSignatureAuthenticator(),
    credential=lambda provider: provider.signing_secret,
    topic=_topic,
    event_key=_event_key,
    header_whitelist=HEADERS,
    validate=_validate,
    json_limits=LIMITS,
    backend_fields=("signing_secret",),
)


class Retail3plController(http.Controller):
    @intake_route("/retail/3pl/v1/providers/<int:provider_id>/messages")
    def messages(self, provider_id, **kwargs):
        return MESSAGES.handle(provider_id)


# ----------------------------------------------------------------------
# ShipBob's webhooks (the ``shipbob`` adapter)
# ----------------------------------------------------------------------
SHIPBOB_HEADERS = (
    shipbob_webhooks.ID_HEADER,
    shipbob_webhooks.TIMESTAMP_HEADER,
    shipbob_webhooks.TOPIC_HEADER,
    "User-Agent",
    "Content-Type",
)
# ShipBob's order and return documents nest a few levels, list few lines
SHIPBOB_LIMITS = JsonLimits(max_depth=16, max_items=5_000)


def _shipbob_topic(headers, payload):
    topic = headers.get(shipbob_webhooks.TOPIC_HEADER)
    if not topic and isinstance(payload, dict):
        topic = payload.get("topic")
    if isinstance(topic, str) and topic:
        return f"shipbob:{topic[:56]}"
    return None


def _shipbob_event_key(headers, payload):
    # the same on every retry of a delivery (Standard Webhooks)
    return (headers.get(shipbob_webhooks.ID_HEADER) or "")[:200] or None


def _shipbob_validate(provider, headers, payload):
    if not isinstance(payload, dict):
        raise PayloadValidationError(
            f"The ShipBob delivery is {json_kind(payload)}, not an object.",
            hint="ShipBob sent something that is not a webhook; ask its "
            "support, then ignore this exception.",
        )


def _shipbob_precheck(provider, headers):
    if provider.adapter_type != "shipbob":
        return 404, "this provider does not use the ShipBob adapter"
    return None


SHIPBOB = WebhookIntake(
    "retail.3pl.provider",
    authenticator=shipbob_webhooks.ShipbobWebhookAuthenticator(),
    credential=lambda provider: provider.shipbob_webhook_secret,
    topic=_shipbob_topic,
    event_key=_shipbob_event_key,
    header_whitelist=SHIPBOB_HEADERS,
    validate=_shipbob_validate,
    precheck=_shipbob_precheck,
    json_limits=SHIPBOB_LIMITS,
    backend_fields=("shipbob_webhook_secret", "adapter_type"),
)


class Retail3plShipbobController(http.Controller):
    @intake_route("/retail/3pl/v1/providers/<int:provider_id>/shipbob")
    def shipbob(self, provider_id, **kwargs):
        return SHIPBOB.handle(provider_id)

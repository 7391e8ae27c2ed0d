from odoo import http

from odoo.addons.retail_connector_base.controllers.intake import (
    WebhookIntake,
    route_max_content_length,
)
from odoo.addons.retail_connector_base.services.json_limits import JsonLimits

from ..services import contract, signing

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
    @http.route(
        "/retail/3pl/v1/providers/<int:provider_id>/messages",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
        max_content_length=route_max_content_length,
    )
    def messages(self, provider_id, **kwargs):
        return MESSAGES.handle(provider_id)

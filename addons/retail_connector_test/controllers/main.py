from odoo import http

from odoo.addons.retail_connector_base.controllers.intake import (
    WebhookIntake,
    intake_route,
)
from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.authenticators import (
    ApiKeyAuthenticator,
    HmacAuthenticator,
)
from odoo.addons.retail_connector_base.services.json_limits import JsonLimits

HEADERS = ("X-Test-Topic", "X-Test-Event-Id", "User-Agent", "Content-Type")
# the feed's documents never list more than a thousand of anything
LIMITS = JsonLimits(max_items=1000)


def _topic(headers, payload):
    return headers.get("X-Test-Topic")


def _event_key(headers, payload):
    return headers.get("X-Test-Event-Id")


def _validate(backend, headers, payload):
    if not isinstance(payload, dict) or "id" not in payload:
        raise errors.PayloadValidationError(
            'The document must be a JSON object with an "id".',
            hint="The sender's document does not follow the contract.",
        )


WEBHOOK = WebhookIntake(
    "retail.test.backend",
    authenticator=HmacAuthenticator("X-Test-Signature", encoding="hex"),
    credential=lambda backend: backend.webhook_secret,
    topic=_topic,
    event_key=_event_key,
    header_whitelist=HEADERS,
    validate=_validate,
    json_limits=LIMITS,
    backend_fields=("webhook_secret",),
)
PARTNER_API = WebhookIntake(
    "retail.test.backend",
    authenticator=ApiKeyAuthenticator(),
    credential=lambda backend: backend.api_key_hash,
    topic=_topic,
    event_key=_event_key,
    header_whitelist=HEADERS,
    validate=_validate,
    json_limits=LIMITS,
    backend_fields=("api_key_hash",),
)


class RetailTestController(http.Controller):
    @intake_route("/retail/test/webhook/<int:backend_id>")
    def webhook(self, backend_id, **kwargs):
        return WEBHOOK.handle(backend_id)

    @intake_route("/retail/test/api/<int:backend_id>/events")
    def partner_api(self, backend_id, **kwargs):
        return PARTNER_API.handle(backend_id)

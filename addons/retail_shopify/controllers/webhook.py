from odoo import http

from odoo.addons.retail_connector_base.controllers.intake import (
    WebhookIntake,
    intake_route,
)
from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.authenticators import (
    HmacAuthenticator,
)

from ..services import webhook_schemas, webhooks


def _topic(headers, payload):
    return headers.get(webhooks.HEADER_TOPIC)


def _event_key(headers, payload):
    # the same for every retry of an event; the webhook id is per attempt
    return headers.get(webhooks.HEADER_EVENT_ID)


def _precheck(backend, headers):
    shop = (headers.get(webhooks.HEADER_SHOP_DOMAIN) or "").strip().lower()
    if shop != (backend.shop_domain or "").lower():
        return 400, f"delivery for shop {shop or '?'} sent to another store's endpoint"
    if not headers.get(webhooks.HEADER_TOPIC):
        return 400, "missing topic header"
    return None


def _validate(backend, headers, payload):
    if not isinstance(payload, dict):
        raise errors.PayloadValidationError(
            "A Shopify webhook payload must be a JSON object.",
            hint="The delivery does not follow Shopify's format; ignore it.",
        )
    # the topics that erase or stop something: their strict body, this shop's
    webhook_schemas.validate(
        headers.get(webhooks.HEADER_TOPIC), payload, backend.shop_domain
    )


INTAKE = WebhookIntake(
    "shopify.backend",
    authenticator=HmacAuthenticator(webhooks.HEADER_HMAC, encoding="base64"),
    credential=lambda backend: backend.client_secret,
    topic=_topic,
    event_key=_event_key,
    header_whitelist=webhooks.HEADER_WHITELIST,
    validate=_validate,
    precheck=_precheck,
    backend_fields=("client_secret", "shop_domain"),
)


class ShopifyWebhookController(http.Controller):
    @intake_route("/retail/shopify/webhook/<int:backend_id>")
    def webhook(self, backend_id, **kwargs):
        """Shopify webhooks: authenticate, store once, queue, answer."""
        return INTAKE.handle(backend_id)

"""Shopify webhook deliveries: headers, topics and shop domains."""

import dataclasses
import datetime
import re

from odoo.addons.retail_connector_base.services.timeutils import (
    parse_remote_datetime,
)

HEADER_HMAC = "X-Shopify-Hmac-Sha256"
HEADER_TOPIC = "X-Shopify-Topic"
HEADER_SHOP_DOMAIN = "X-Shopify-Shop-Domain"
HEADER_EVENT_ID = "X-Shopify-Event-Id"
HEADER_WEBHOOK_ID = "X-Shopify-Webhook-Id"
HEADER_API_VERSION = "X-Shopify-API-Version"
HEADER_TRIGGERED_AT = "X-Shopify-Triggered-At"

#: headers stored with an event (the signature is checked, never stored)
HEADER_WHITELIST = (
    HEADER_TOPIC,
    HEADER_SHOP_DOMAIN,
    HEADER_EVENT_ID,
    HEADER_WEBHOOK_ID,
    HEADER_API_VERSION,
    HEADER_TRIGGERED_AT,
)

#: topic → name of the handler that processes it
TOPICS = {
    "orders/create": "order",
    "orders/updated": "order",
    "orders/paid": "order",
    "orders/cancelled": "order",
    "orders/edited": "order",
    "refunds/create": "refund",
    "products/update": "product_update",
    "products/delete": "product_delete",
    "inventory_levels/update": "inventory_level",
    "fulfillments/create": "fulfillment",
    "fulfillments/update": "fulfillment",
    "app/uninstalled": "app_uninstalled",
    "bulk_operations/finish": "bulk_operation",
    "customers/data_request": "customer_data_request",
    "customers/redact": "customer_redact",
    "shop/redact": "shop_redact",
}

#: topic of an order found by the reconciliation poll and stored because it
#: could not be imported at once (a GraphQL order node, not a webhook body)
POLLED_ORDER_TOPIC = "orders/poll"

#: mandatory privacy topics: set in the app's configuration, not by the API
COMPLIANCE_TOPICS = frozenset(
    {"customers/data_request", "customers/redact", "shop/redact"}
)

#: topics the connector subscribes to through webhookSubscriptionCreate
SUBSCRIBED_TOPICS = tuple(topic for topic in TOPICS if topic not in COMPLIANCE_TOPICS)

SHOP_DOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]*(?:/[a-z][a-z0-9_]*)+$")
_FRACTION_RE = re.compile(r"(\.\d{6})\d+")


@dataclasses.dataclass(frozen=True)
class WebhookHeaders:
    """The Shopify headers of one delivery (None when absent)."""

    hmac: str | None = None
    topic: str | None = None
    shop_domain: str | None = None
    event_id: str | None = None
    webhook_id: str | None = None
    api_version: str | None = None
    triggered_at: datetime.datetime | None = None

    @property
    def handler(self):
        """Name of the handler of the topic, or None for an unknown topic."""
        return TOPICS.get(self.topic or "")

    @property
    def is_compliance(self):
        return self.topic in COMPLIANCE_TOPICS


def _items(headers):
    if headers is None:
        return []
    items = headers.items() if hasattr(headers, "items") else headers
    return [(str(name), value) for name, value in items]


def _value(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = str(value).strip()
    return value or None


def _triggered_at(value):
    if not value:
        return None
    # Shopify sends nanoseconds; datetime keeps microseconds
    text = _FRACTION_RE.sub(r"\1", value)
    try:
        return parse_remote_datetime(text)
    except ValueError:
        return None


def parse_headers(headers):
    """Read the Shopify headers of a delivery, whatever their case.

    ``headers`` is a mapping (a dict, werkzeug headers...) or pairs. The
    topic and shop domain are lower-cased, ``triggered_at`` becomes a naive
    UTC datetime (None when absent or unreadable).
    """
    found = {}
    for name, value in _items(headers):
        found.setdefault(name.strip().lower(), _value(value))

    def get(name):
        return found.get(name.lower())

    topic = get(HEADER_TOPIC)
    shop_domain = get(HEADER_SHOP_DOMAIN)
    return WebhookHeaders(
        hmac=get(HEADER_HMAC),
        topic=topic.lower() if topic else None,
        shop_domain=shop_domain.lower() if shop_domain else None,
        event_id=get(HEADER_EVENT_ID),
        webhook_id=get(HEADER_WEBHOOK_ID),
        api_version=get(HEADER_API_VERSION),
        triggered_at=_triggered_at(get(HEADER_TRIGGERED_AT)),
    )


def validate_shop_domain(value):
    """The permanent ``<handle>.myshopify.com`` domain, lower-cased.

    Raises ValueError for anything else (custom domains, URLs, paths).
    """
    if not isinstance(value, str):
        raise ValueError("the shop domain must be text")
    domain = value.strip().lower()
    if not SHOP_DOMAIN_RE.match(domain):
        raise ValueError(
            f"{value!r} is not a <store>.myshopify.com domain (no scheme, no path)"
        )
    return domain


def topic_to_graphql_enum(topic):
    """``"orders/create"`` → ``"ORDERS_CREATE"`` (WebhookSubscriptionTopic).

    The compliance topics have no such value: they are configured in the
    app, not subscribed through the API.
    """
    if not isinstance(topic, str) or not _TOPIC_RE.match(topic.strip().lower()):
        raise ValueError(f"{topic!r} is not a Shopify webhook topic")
    return topic.strip().upper().replace("/", "_")


def _gid(kind, number):
    if isinstance(number, bool) or not isinstance(number, (int, str)):
        return None
    text = str(number).strip()
    return f"gid://shopify/{kind}/{text}" if text.isdigit() else None


def _own_gid(payload, kind):
    gid = payload.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid.startswith(f"gid://shopify/{kind}/"):
        return gid
    return _gid(kind, payload.get("id"))


def subject(topic, payload):
    """The Shopify object a delivery is about (its event's subject), or None.

    An order's deliveries, its refunds and its fulfilments are about the
    order (its GID): what concerns one order is found by one subject.
    """
    if not isinstance(payload, dict) or not topic:
        return None
    if topic == "orders/edited":
        edit = payload.get("order_edit")
        return _gid("Order", edit.get("order_id")) if isinstance(edit, dict) else None
    if topic.startswith("orders/"):
        return _own_gid(payload, "Order")
    if topic.startswith(("refunds/", "fulfillments/")):
        return _gid("Order", payload.get("order_id"))
    if topic.startswith("products/"):
        return _own_gid(payload, "Product")
    if topic == "inventory_levels/update":
        return _gid("InventoryItem", payload.get("inventory_item_id"))
    if topic == "bulk_operations/finish":
        return _own_gid(payload, "BulkOperation")
    if topic.startswith("customers/"):
        customer = payload.get("customer")
        if isinstance(customer, dict):
            return _gid("Customer", customer.get("id"))
    return None

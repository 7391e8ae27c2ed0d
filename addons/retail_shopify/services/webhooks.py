"""Shopify webhook deliveries: header names, topics and shop domains."""

import re

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

#: topics whose processing erases or disables something: their bodies are
#: checked strictly and never accepted when stored under another topic
DESTRUCTIVE_TOPICS = frozenset(
    {
        "app/uninstalled",
        "shop/redact",
        "customers/redact",
        "products/delete",
        "orders/cancelled",
    }
)

#: mandatory privacy topics: set in the app's configuration, not by the API
COMPLIANCE_TOPICS = frozenset(
    {"customers/data_request", "customers/redact", "shop/redact"}
)

#: topics the connector subscribes to through webhookSubscriptionCreate
SUBSCRIBED_TOPICS = tuple(topic for topic in TOPICS if topic not in COMPLIANCE_TOPICS)

SHOP_DOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]*(?:/[a-z][a-z0-9_]*)+$")


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

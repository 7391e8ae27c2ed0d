"""Webhooks: subscriptions (GraphQL mutations), signing and routing.

The records emit REST-shaped payloads (:mod:`.rest`) with ``self._emit``
into the base simulator's outbox; :meth:`Webhooks._sign_webhook` signs each
delivery as Shopify does (``X-Shopify-Hmac-Sha256``, base64 HMAC-SHA256 of
the body with the app's client secret, and the ``X-Shopify-*`` headers) and
:meth:`Webhooks._webhook_routes` sends it to the HTTP subscriptions of its
topic, keeping only their ``includeFields``. ``sim.deliver(url)`` posts the
due ones (see the base :class:`Outbox` for retries).
"""

import re
import uuid
from urllib.parse import urlsplit

from odoo.addons.retail_connector_base.services.signatures import hmac_sha256_digest
from odoo.addons.retail_connector_base.simulator import json_body, wall_time

from .values import _user_error, legacy_id


def graphql_topic(topic):
    """``orders/create`` -> ``ORDERS_CREATE``."""
    return topic.replace("/", "_").upper()


class Webhooks:
    """Webhook subscriptions and the signing of the webhooks sent."""

    def signed_webhook(
        self, topic, payload, *, event_id=None, webhook_id=None, triggered_at=None
    ):
        """``(headers, body)`` of a webhook signed with the client secret."""
        body = json_body(payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": hmac_sha256_digest(self.client_secret, body),
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": triggered_at
            or wall_time(self._clock).isoformat(timespec="microseconds"),
        }
        return headers, body

    def _sign_webhook(self, webhook, subscription):
        payload = webhook.payload
        fields = subscription and subscription.get("includeFields")
        if fields:
            payload = {k: v for k, v in payload.items() if k in fields}
        return self.signed_webhook(
            webhook.topic,
            payload,
            event_id=webhook.event_id,
            webhook_id=webhook.message_id,
            triggered_at=webhook.triggered_at,
        )

    def _webhook_routes(self, webhook):
        return [(s["uri"], s) for s in self._destinations(webhook)]

    def _destinations(self, webhook):
        wanted = graphql_topic(webhook.topic)
        return [
            subscription
            for subscription in self.webhook_subscriptions.values()
            if subscription["topic"] == wanted
            and subscription["uri"].startswith(("https://", "http://"))
        ]

    def _q_webhook_subscriptions(self, info, **args):
        records = list(self.webhook_subscriptions.values())
        if args.get("topics"):
            records = [r for r in records if r["topic"] in args["topics"]]
        uri = args.get("uri") or args.get("callbackUrl")
        if uri:
            records = [r for r in records if r["uri"] == uri]
        if args.get("format"):
            records = [r for r in records if r["format"] == args["format"]]
        return sorted(records, key=lambda r: (r["createdAt"], legacy_id(r["id"])))

    @staticmethod
    def _endpoint(uri):
        if uri.startswith("pubsub://"):
            project, _sep, topic = uri[len("pubsub://") :].partition(":")
            return {
                "__typename": "WebhookPubSubEndpoint",
                "pubSubProject": project,
                "pubSubTopic": topic,
            }
        if uri.startswith("arn:"):
            return {"__typename": "WebhookEventBridgeEndpoint", "arn": uri}
        return {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri}

    def _check_subscription(self, data, topic, current=None):
        uri = data.get("uri") or data.get("callbackUrl")
        if current is not None and uri is None:
            uri = current["uri"]
        path = ["webhookSubscription", "uri" if "uri" in data else "callbackUrl"]
        if not uri:
            return uri, [_user_error(path, "Address can't be blank")]
        parts = urlsplit(uri)
        loopback = parts.scheme == "http" and parts.hostname in (
            "localhost",
            "127.0.0.1",
            "::1",
        )
        valid = (
            (parts.scheme == "https" and parts.hostname)
            or loopback
            or re.match(r"^pubsub://[\w.-]+:[\w.-]+$", uri)
            or uri.startswith("arn:aws:events:")
        )
        if not valid:
            return uri, [
                _user_error(path, "Address protocol http:// is not supported")
                if parts.scheme == "http"
                else _user_error(path, "Address is invalid")
            ]
        if (data.get("format") or "JSON") != "JSON":
            return uri, [
                _user_error(
                    ["webhookSubscription", "format"],
                    "The simulator sends JSON webhooks only.",
                )
            ]
        for other in self.webhook_subscriptions.values():
            if other is not current and other["topic"] == topic and other["uri"] == uri:
                return uri, [
                    _user_error(path, "Address for this topic has already been taken")
                ]
        return uri, []

    def _m_webhook_subscription_create(self, info, topic, webhookSubscription):
        data = webhookSubscription
        uri, errors = self._check_subscription(data, topic)
        if errors:
            return {"webhookSubscription": None, "userErrors": errors}
        gid = self._gid("WebhookSubscription")
        stamp = self._stamp()
        record = {
            "__typename": "WebhookSubscription",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "topic": topic,
            "format": "JSON",
            "createdAt": stamp,
            "updatedAt": stamp,
            "apiVersion": {
                "handle": self.api_version,
                "displayName": self.api_version,
                "supported": True,
            },
            "metafields": [],
        }
        self._apply_subscription(record, data, uri)
        self.webhook_subscriptions[gid] = self._register(record)
        return {"webhookSubscription": record, "userErrors": []}

    def _apply_subscription(self, record, data, uri):
        record["uri"] = uri
        record["callbackUrl"] = uri if uri.startswith("http") else ""
        record["endpoint"] = self._endpoint(uri)
        for key, default in (
            ("filter", None),
            ("name", None),
            ("includeFields", []),
            ("metafieldNamespaces", []),
        ):
            if key in data or key not in record:
                value = data.get(key, default)
                record[key] = list(value) if isinstance(value, list) else value
        if record["includeFields"] is None:
            record["includeFields"] = []
        if record["metafieldNamespaces"] is None:
            record["metafieldNamespaces"] = []

    def _m_webhook_subscription_update(self, info, id, webhookSubscription):
        record = self.webhook_subscriptions.get(id)
        if record is None:
            return {
                "webhookSubscription": None,
                "userErrors": [
                    _user_error(["id"], "Webhook subscription does not exist")
                ],
            }
        uri, errors = self._check_subscription(
            webhookSubscription, record["topic"], current=record
        )
        if errors:
            return {"webhookSubscription": None, "userErrors": errors}
        self._apply_subscription(record, webhookSubscription, uri)
        record["updatedAt"] = self._stamp()
        return {"webhookSubscription": record, "userErrors": []}

    def _m_webhook_subscription_delete(self, info, id):
        record = self.webhook_subscriptions.pop(id, None)
        if record is None:
            return {
                "deletedWebhookSubscriptionId": None,
                "userErrors": [
                    _user_error(["id"], "Webhook subscription does not exist")
                ],
            }
        self._nodes.pop(id, None)
        return {"deletedWebhookSubscriptionId": id, "userErrors": []}

from odoo import models

from ..services import webhooks


class ShopifyBackendWebhooks(models.Model):
    """Create or repair the store's webhook subscriptions (store backend)."""

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # outbound: the store's webhook subscriptions (set-up)
    # ------------------------------------------------------------------
    def _shopify_callback_url(self):
        self.ensure_one()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return f"{base.rstrip('/')}/retail/shopify/webhook/{self.id}"

    def _shopify_register_webhooks(self):
        """Make every subscribed topic point at this Odoo; return a summary."""
        self.ensure_one()
        client = self._shopify_client()
        callback = self._shopify_callback_url()
        wanted = {
            webhooks.topic_to_graphql_enum(t): t for t in webhooks.SUBSCRIBED_TOPICS
        }
        existing = {}
        stale = []
        for node in client.paginate(
            "WebhookSubscriptions", {"first": 50}, ("webhookSubscriptions",)
        ):
            if node["topic"] in wanted and node["topic"] not in existing:
                existing[node["topic"]] = node
            elif node.get("uri") == callback:
                stale.append(node)  # ours, for a topic no longer wanted
        summary = {"created": [], "repaired": [], "kept": [], "removed": []}
        for enum, topic in sorted(wanted.items()):
            node = existing.get(enum)
            if node is None:
                client.mutate(
                    "WebhookSubscriptionCreate",
                    {
                        "topic": enum,
                        "webhookSubscription": {"uri": callback, "format": "JSON"},
                    },
                    result_key="webhookSubscriptionCreate",
                )
                summary["created"].append(topic)
            elif node.get("uri") != callback:
                client.mutate(
                    "WebhookSubscriptionUpdate",
                    {"id": node["id"], "webhookSubscription": {"uri": callback}},
                    result_key="webhookSubscriptionUpdate",
                )
                summary["repaired"].append(topic)
            else:
                summary["kept"].append(topic)
        for node in stale:
            client.mutate(
                "WebhookSubscriptionDelete",
                {"id": node["id"]},
                result_key="webhookSubscriptionDelete",
            )
            summary["removed"].append(node["topic"])
        return summary

    def action_register_webhooks(self):
        self.ensure_one()
        self._retail_check_remote_access()
        summary = self._shopify_register_webhooks()
        lines = [
            self.env._("%(what)s: %(topics)s", what=what, topics=", ".join(topics))
            for what, topics in summary.items()
            if topics
        ]
        message = self.env._(
            "Webhooks now point at %(url)s. %(details)s",
            url=self._shopify_callback_url(),
            details="; ".join(lines),
        )
        self.message_post(body=message)
        return self._retail_notify(
            self.env._("Webhooks registered"), message, "success"
        )

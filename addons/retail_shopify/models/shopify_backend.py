import logging
import secrets

import requests

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.retail_connector_base.models.retail_backend_mixin import (
    MANAGER_GROUP,
)
from odoo.addons.retail_connector_base.services import errors

from ..services import canonical, webhook_schemas, webhooks
from ..services.cost import PgCostLimiter
from ..services.graphql_client import ShopifyGraphQLClient
from ..services.version import API_VERSION

_logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = API_VERSION


class ShopifyBackend(models.Model):
    """One Shopify store connected to this Odoo.

    This file holds the store's settings, its API client and the routing of
    deliveries to ``_shopify_handle_<handler>``; each ``shopify_backend_*``
    file extends the model with one object's flows (inbound, outbound,
    reconciliation), as listed in the addon's README.
    """

    _name = "shopify.backend"
    _inherit = "retail.backend.mixin"
    _description = "Shopify Store"
    _retail_source = "shopify"
    # customer data request exports, deleted after the retention period
    _retail_personal_export_prefix = "shopify-data-request-"
    _retail_channel_xmlid = "retail_shopify.channel_shopify"

    shop_domain = fields.Char(
        required=True,
        tracking=True,
        help="The store's permanent domain, e.g. my-store.myshopify.com.",
    )
    access_token = fields.Char(
        groups=MANAGER_GROUP,
        copy=False,
        help="Admin API access token of the app installed on the store.",
    )
    client_secret = fields.Char(
        groups=MANAGER_GROUP,
        copy=False,
        help="The app's client secret: Shopify signs every webhook with it.",
    )
    api_version = fields.Char(
        string="API version", required=True, default=DEFAULT_API_VERSION, tracking=True
    )
    api_endpoint = fields.Char(
        string="API endpoint override",
        tracking=True,
        groups="base.group_system",
        help="Leave empty in production. Base URL replacing https://<shop domain>, "
        "used to talk to a simulator: https on the shop's own domain only, unless "
        "the parameter retail_connector_base.allow_simulator_endpoints is set.",
    )
    location_ids = fields.One2many("shopify.location", "backend_id", string="Locations")
    tax_mapping_ids = fields.One2many(
        "shopify.tax.mapping", "backend_id", string="Tax mapping"
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Default warehouse",
        check_company=True,
        help="Warehouse of imported orders whose location is not mapped.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Pricelist of imported orders in the shop currency; orders in "
        "another currency use an active pricelist of that currency.",
    )
    team_id = fields.Many2one("crm.team", string="Sales team", check_company=True)
    import_financial_statuses = fields.Char(
        default="paid,partially_paid,authorized",
        required=True,
        help="Comma-separated Shopify financial statuses of the orders to import "
        "(pending, authorized, partially_paid, paid, partially_refunded, "
        "refunded, voided).",
    )
    auto_confirm = fields.Boolean(
        default=True, help="Confirm imported orders that are paid."
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        string="Shipping product",
        default=lambda self: self.env.ref(
            "retail_shopify.product_shopify_shipping", raise_if_not_found=False
        ),
    )
    discount_product_id = fields.Many2one(
        "product.product",
        string="Discount product",
        default=lambda self: self.env.ref(
            "retail_shopify.product_shopify_discount", raise_if_not_found=False
        ),
        help="Product of the order line carrying a discount Shopify did not "
        "allocate to any line (some apps and order adjustments do that).",
    )
    order_binding_ids = fields.One2many("shopify.sale.order", "backend_id")
    order_count = fields.Integer(compute="_compute_order_count")

    _shop_domain_unique = models.Constraint(
        "UNIQUE (shop_domain, company_id)",
        "This Shopify store is already connected for this company.",
    )

    @api.constrains("shop_domain")
    def _check_shop_domain(self):
        for backend in self:
            try:
                webhooks.validate_shop_domain(backend.shop_domain)
            except ValueError as exc:
                raise ValidationError(
                    self.env._(
                        "%(domain)s is not a Shopify store domain: use the "
                        "permanent domain ending in .myshopify.com (%(error)s).",
                        domain=backend.shop_domain,
                        error=exc,
                    )
                ) from exc

    @api.constrains("api_endpoint", "shop_domain")
    def _check_api_endpoint(self):
        for backend in self.sudo():
            backend._retail_check_endpoint(
                backend.api_endpoint, [(backend.shop_domain or "").strip().lower()]
            )

    @api.constrains("import_financial_statuses")
    def _check_import_financial_statuses(self):
        allowed = canonical.FINANCIAL_STATUSES
        for backend in self:
            unknown = set(backend._shopify_financial_statuses()) - allowed
            if unknown:
                raise ValidationError(
                    self.env._(
                        "Unknown financial statuses: %(statuses)s. Use: %(allowed)s.",
                        statuses=", ".join(sorted(unknown)),
                        allowed=", ".join(sorted(allowed)),
                    )
                )

    @api.constrains("client_secret")
    def _check_shared_client_secret(self):
        """Warn, without refusing, when stores share one client secret.

        One app installed on several stores signs all their webhooks with
        the same secret: a delivery is then told apart only by the shop
        domain it names, which the intake and the handlers check. The log
        line and the chatter message name the stores, never the secret.
        """
        Backend = self.sudo().with_context(active_test=False)
        for backend in Backend.browse(self.ids):
            if not backend.client_secret:
                continue
            others = Backend.search(
                [
                    ("client_secret", "=", backend.client_secret),
                    ("id", "!=", backend.id),
                ]
            )
            if not others:
                continue
            _logger.warning(
                "Shopify store %s (%s) uses the same client secret as %s",
                backend.id,
                backend.shop_domain,
                ", ".join(f"{other.id} ({other.shop_domain})" for other in others),
            )
            backend.message_post(
                body=self.env._(
                    "This store uses the same client secret as %(stores)s: "
                    "webhooks signed for one of them are told apart only by the "
                    "shop domain they name. Use one app per store unless they "
                    "really share one app.",
                    stores=", ".join(others.mapped("display_name")),
                )
            )

    @api.onchange("shop_domain")
    def _onchange_shop_domain(self):
        if self.shop_domain:
            self.shop_domain = self.shop_domain.strip().lower()

    def _compute_order_count(self):
        counts = dict(
            self.env["shopify.sale.order"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        for backend in self:
            backend.order_count = counts.get(backend, 0)

    def _shopify_financial_statuses(self):
        self.ensure_one()
        return [
            s.strip().lower()
            for s in (self.import_financial_statuses or "").split(",")
            if s.strip()
        ]

    # ------------------------------------------------------------------
    # client
    # ------------------------------------------------------------------
    def _retail_secrets(self):
        self.ensure_one()
        backend = self.sudo()
        return [s for s in (backend.access_token, backend.client_secret) if s]

    def _shopify_session(self):
        """HTTP session of the client (the tests mount the simulator on it)."""
        return requests.Session()

    def _shopify_client(self):
        self.ensure_one()
        backend = self.sudo()
        problem = backend.api_endpoint and self._retail_endpoint_problem(
            backend.api_endpoint, [(backend.shop_domain or "").strip().lower()]
        )
        if problem:
            raise errors.PermanentError(
                f"The API endpoint of {self.display_name} cannot be called: {problem}.",
                hint=self.env._(
                    "A system administrator empties the API endpoint override."
                ),
            )
        return ShopifyGraphQLClient(
            backend.shop_domain,
            backend.access_token or "",
            api_version=backend.api_version,
            endpoint=backend.api_endpoint or None,
            session=self._shopify_session(),
            cost_limiter=PgCostLimiter(
                self._retail_cursor_factory(), f"shopify-cost:{self._retail_key()}"
            ),
            circuit=self._retail_circuit(),
            journal=self._retail_http_journal(),
        )

    def _demo_generate_secrets(self):
        """Give the demo stores a token and a client secret of their own."""
        for backend in self:
            backend.write(
                {
                    "access_token": f"shpat_{secrets.token_urlsafe(24)}",
                    "client_secret": secrets.token_urlsafe(32),
                }
            )

    def _retail_test_connection(self):
        data = self._shopify_client().execute("ShopInfo")
        shop = data["shop"]
        return self.env._(
            "connected to %(name)s (%(domain)s, %(currency)s)",
            name=shop.get("name"),
            domain=shop.get("myshopifyDomain"),
            currency=shop.get("currencyCode"),
        )

    # ------------------------------------------------------------------
    # inbound
    # ------------------------------------------------------------------
    def _retail_process_event(self, event):
        """Route a delivery to ``_shopify_handle_<handler>(event)``.

        The handler names come from ``webhooks.TOPICS``; a topic without a
        handler method is stored and ignored with the reason.
        """
        topic = event.topic
        if topic == webhooks.POLLED_ORDER_TOPIC:
            return self._shopify_handle_polled_order(event)
        handler_name = webhooks.TOPICS.get(topic)
        if handler_name is None:
            event._mark_ignored(f"Unknown topic {topic!r}: nothing to do.")
            return False
        handler = getattr(self, f"_shopify_handle_{handler_name}", None)
        if handler is None:
            event._mark_ignored(
                f"Topic {topic} is received but not processed by this version of "
                "the connector."
            )
            return False
        result = handler(event)
        if topic in webhooks.COMPLIANCE_TOPICS:
            # the request itself names the customer: keep no copy of it
            event.write({"payload": "[redacted after processing]"})
            return result[:1] if result else False
        return result

    def _shopify_handle_app_uninstalled(self, event):
        webhook_schemas.validate(event.topic, event._load_json(), self.shop_domain)
        self.write(
            {
                "state": "paused",
                "state_message": self.env._(
                    "The app was uninstalled from the store: reinstall it, "
                    "update the access token, then activate the backend."
                ),
            }
        )
        self.message_post(body=self.env._("Shopify reported the app uninstalled."))
        return self

    def action_import_locations(self):
        """Read the store's locations; map each to a warehouse afterwards."""
        self.ensure_one()
        self._retail_check_remote_access()
        Location = self.env["shopify.location"].with_context(active_test=False)
        existing = {
            loc.external_id: loc
            for loc in Location.search([("backend_id", "=", self.id)])
        }
        created = 0
        for node in self._shopify_client().paginate(
            "Locations", {"first": 50}, ("locations",)
        ):
            vals = {"name": node["name"], "active": node.get("isActive", True)}
            if node["id"] in existing:
                existing[node["id"]].write(vals)
            else:
                Location.create(
                    dict(
                        vals,
                        backend_id=self.id,
                        external_id=node["id"],
                        warehouse_id=self.warehouse_id.id or False,
                    )
                )
                created += 1
        return self._retail_notify(
            self.env._("Locations imported"),
            self.env._(
                "%(count)s new location(s). Map each one to the warehouse whose "
                "stock it publishes.",
                count=created,
            ),
            "success",
        )

    def _retail_destructive_topics(self):
        return webhooks.DESTRUCTIVE_TOPICS

    def _retail_event_subject(self, topic, payload):
        return webhooks.subject(topic, payload)

    def _retail_describe_wait(self, key):
        if key.startswith("shopify-variant:"):
            return f"a link of Shopify variant {key.split(':', 1)[1]} to a product"
        return super()._retail_describe_wait(key)

    def _retail_wait_satisfied(self, key):
        """Shopify's own wait keys: a linked variant, an imported order."""
        for kind, model in (
            ("shopify-variant", "shopify.product.variant"),
            ("order", "shopify.sale.order"),
        ):
            if key.startswith(f"{kind}:"):
                external_id = key[len(kind) + 1 :]
                return bool(self.env[model].sudo()._retail_get(self, external_id))
        return super()._retail_wait_satisfied(key)

    def action_open_orders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Shopify orders"),
            "res_model": "sale.order",
            "view_mode": "list,form",
            "domain": [("shopify_binding_ids.backend_id", "=", self.id)],
        }

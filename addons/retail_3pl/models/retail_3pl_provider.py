import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.models.retail_backend_mixin import (
    MANAGER_GROUP,
)
from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.http_client import HttpClient

ADAPTER_METHODS = (
    "send_order",
    "update_order",
    "cancel_order",
    "send_receipt",
    "fetch_inventory",
)


class Retail3plProvider(models.Model):
    """A third-party logistics provider and the warehouses it operates.

    The outgoing pickings of an operated warehouse are fulfilment requests
    sent to the provider (``retail.3pl.picking``); its messages (shipments,
    cancels) come back through ``controllers/messages.py``.

    Adapters plug in by type, as Odoo's delivery carriers do: the adapter of
    type ``<type>`` implements ``<type>_send_order(order)``,
    ``<type>_update_order(order, update)`` (a change before it is picked;
    an adapter without it cannot send changes),
    ``<type>_cancel_order(order)``, ``<type>_send_receipt(notice)`` and
    ``<type>_fetch_inventory(warehouse)`` on this model (the ``generic``
    adapter is in ``retail_3pl_provider_generic.py``) and adds its type to
    ``adapter_type`` with ``selection_add``. :meth:`_threepl_adapter` finds
    them.
    """

    _name = "retail.3pl.provider"
    _inherit = "retail.backend.mixin"
    _description = "3PL Provider"
    _retail_source = "3pl"
    _retail_channel_xmlid = "retail_3pl.channel_retail_3pl"

    adapter_type = fields.Selection(
        [("generic", "Generic contract")],
        string="Adapter",
        required=True,
        default="generic",
        tracking=True,
        help="How Odoo talks to the provider. Generic: the suite's documented "
        "contract (OpenAPI in the addon's openapi/ folder).",
    )
    warehouse_ids = fields.One2many(
        "stock.warehouse",
        "threepl_provider_id",
        string="Operated warehouses",
        help="The outgoing deliveries of these warehouses are sent to the "
        "provider; its confirmations validate them. A warehouse's short name "
        "is its warehouse_code in the provider's messages.",
    )
    api_url = fields.Char(
        string="API URL",
        groups="base.group_system",
        tracking=True,
        help="The provider's base URL {base}: https only, on a host of the "
        "allowed endpoint hosts.",
    )
    api_token = fields.Char(
        string="API token",
        groups=MANAGER_GROUP,
        copy=False,
        help="Sent as Authorization: Bearer <token>.",
    )
    signing_secret = fields.Char(
        groups=MANAGER_GROUP,
        copy=False,
        help="Key of the X-Retail-Signature HMAC, both ways: Odoo signs its "
        "requests with it and checks the provider's messages with it.",
    )
    carrier_map_ids = fields.One2many(
        "retail.3pl.carrier.map", "provider_id", string="Carriers"
    )
    release_policy = fields.Selection(
        [
            ("confirmed", "When the delivery is confirmed"),
            ("reserved", "Only when the delivery is reserved"),
        ],
        default="confirmed",
        required=True,
        tracking=True,
        help="When a delivery of an operated warehouse is sent to the "
        "provider. Reserved: only once Odoo reserved all of it.",
    )
    short_shipment_policy = fields.Selection(
        [
            ("backorder", "Keep the rest in a backorder"),
            ("cancel", "Cancel the rest"),
        ],
        default="backorder",
        required=True,
        tracking=True,
        help="What happens to the quantities a final shipment did not ship. "
        "A shipment that is not final always leaves the rest in a backorder: "
        "more shipments follow.",
    )
    stock_tolerance = fields.Float(
        default=0.0,
        tracking=True,
        help="Difference per product (in units) between the provider's "
        "inventory and Odoo's that is adjusted automatically; a larger one "
        "is an exception.",
    )
    order_ids = fields.One2many("retail.3pl.picking", "backend_id", string="Orders")
    order_open_count = fields.Integer(compute="_compute_order_counts")
    order_attention_count = fields.Integer(compute="_compute_order_counts")

    _stock_tolerance_positive = models.Constraint(
        "CHECK (stock_tolerance >= 0)", "The stock tolerance cannot be negative."
    )

    @api.constrains("api_url")
    def _check_api_url(self):
        for provider in self.sudo():
            provider._retail_check_endpoint(provider.api_url)

    def _compute_order_counts(self):
        Order = self.env["retail.3pl.picking"]
        open_counts = dict(
            Order._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("remote_state", "in", ("queued", "accepted", "partial")),
                ],
                ["backend_id"],
                ["__count"],
            )
        )
        attention = dict(
            Order._read_group(
                [
                    ("backend_id", "in", self.ids),
                    "|",
                    ("sync_state", "=", "error"),
                    ("remote_state", "in", ("cancel_requested", "cancel_refused")),
                ],
                ["backend_id"],
                ["__count"],
            )
        )
        for provider in self:
            provider.order_open_count = open_counts.get(provider, 0)
            provider.order_attention_count = attention.get(provider, 0)

    def _retail_secrets(self):
        self.ensure_one()
        provider = self.sudo()
        return [s for s in (provider.api_token, provider.signing_secret) if s]

    # ------------------------------------------------------------------
    # adapters
    # ------------------------------------------------------------------
    def _threepl_adapter(self, method):
        """The bound method ``<adapter type>_<method>`` of this provider."""
        self.ensure_one()
        if method not in ADAPTER_METHODS:
            raise ValueError(f"{method!r} is not an adapter method")
        implementation = getattr(self, f"{self.adapter_type}_{method}", None)
        if implementation is None:
            hint = (
                self.env._(
                    "This provider's adapter cannot change an order once sent: "
                    "make the change in the provider's portal, or cancel the "
                    "delivery and make a new one; then ignore this exception."
                )
                if method == "update_order"
                else self.env._(
                    "Install the module of this adapter, or choose another "
                    "adapter on the provider."
                )
            )
            raise errors.MappingError(
                f"The {self.adapter_type} adapter of {self.display_name} cannot "
                f"{method.replace('_', ' ')}.",
                hint=hint,
            )
        return implementation

    def _threepl_http(self):
        """The HTTP client of the provider's API (limiter, circuit, redaction)."""
        self.ensure_one()
        provider = self.sudo()
        problem = self._retail_endpoint_problem(provider.api_url)
        if not provider.api_url or problem:
            raise errors.PermanentError(
                f"The API URL of {self.display_name} cannot be called: "
                f"{problem or 'none is set'}.",
                hint=self.env._(
                    "A system administrator sets the API URL of the provider."
                ),
            )
        return HttpClient(
            provider.api_url,
            headers={"Authorization": f"Bearer {provider.api_token or ''}"},
            rate_limiter=self._retail_rate_limiter(),
            circuit=self._retail_circuit(),
            secrets=self._retail_secrets(),
            journal=self._retail_http_journal(),
        )

    def _retail_test_connection(self):
        self.ensure_one()
        if not self.warehouse_ids:
            raise errors.MappingError(
                f"{self.display_name} operates no warehouse.",
                hint=self.env._("Choose the warehouses the provider operates."),
            )
        warehouse = self.warehouse_ids[0]
        inventory = self._threepl_adapter("fetch_inventory")(warehouse)
        return self.env._(
            "the provider answered the inventory of %(warehouse)s (%(count)s items)",
            warehouse=warehouse.code,
            count=len(inventory.items),
        )

    # ------------------------------------------------------------------
    # lookups
    # ------------------------------------------------------------------
    def _threepl_warehouse(self, code):
        """The operated warehouse whose short name is ``code``, or empty."""
        self.ensure_one()
        return self.warehouse_ids.filtered(lambda w: w.code == code)[:1]

    def _threepl_carrier(self, code, service=None):
        """The delivery carrier mapped to a provider's carrier and service.

        A row naming the service wins over the row of the carrier alone.
        """
        self.ensure_one()
        if not code:
            return self.env["delivery.carrier"]
        rows = self.carrier_map_ids.filtered(lambda r: r.code == code)
        exact = rows.filtered(lambda r: r.service and r.service == service)
        return (exact or rows.filtered(lambda r: not r.service))[:1].carrier_id

    def _threepl_code_of_carrier(self, carrier):
        """The provider's (carrier, service) mapped to an Odoo carrier."""
        self.ensure_one()
        row = self.carrier_map_ids.filtered(lambda r: r.carrier_id == carrier)[:1]
        if not row:
            return None
        return " ".join(part for part in (row.code, row.service) if part)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_generate_signing_secret(self):
        """Make a new signing secret (give it to the provider)."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self.env._("Only retail managers can change secrets."))
        self.check_access("write")
        self.sudo().write({"signing_secret": secrets.token_urlsafe(32)})
        self.message_post(body=self.env._("A new signing secret was generated."))

    def _demo_generate_secrets(self):
        """Give the demo providers an API token and a signing secret of
        their own (demo data: no secret is published with the addon)."""
        for provider in self:
            provider.write(
                {
                    "api_token": secrets.token_urlsafe(24),
                    "signing_secret": secrets.token_urlsafe(32),
                }
            )

    def action_open_orders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Fulfilment orders"),
            "res_model": "retail.3pl.picking",
            "view_mode": "list,form",
            "domain": [("backend_id", "=", self.id)],
        }

    def action_open_attention_orders(self):
        action = self.action_open_orders()
        action["domain"] += [
            "|",
            ("sync_state", "=", "error"),
            ("remote_state", "in", ("cancel_requested", "cancel_refused")),
        ]
        return action

"""A store whose tills send tickets and cash-ups: the backend of the connector.

Configuration and ownership here (the store's ``pos.config``, API keys,
signatures, mappings, wait keys); its slices are
``retail_pos_store_intake.py`` (inbound, in the request: batches, tickets
and cash-ups stored once), ``retail_pos_store_tickets.py`` (inbound, in the
job: a ticket becomes a paid ``pos.order``), ``retail_pos_store_cashups.py``
(inbound, in the job: a cash-up compared, the day's session closed) and
``retail_pos_store_demo.py`` (demo data).
"""

import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.retail_connector_base.models.retail_backend_mixin import (
    MANAGER_GROUP,
)
from odoo.addons.retail_connector_base.services import wait_keys
from odoo.addons.retail_connector_base.services.signatures import verify_hmac_sha256

from ..services import api_keys

CODE_HELP = (
    "The code of the store in the partner API: "
    "/retail/pos/v1/stores/<code>/tickets. Letters, digits, '-' and '_'."
)


class RetailPosStore(models.Model):
    """A store running its own till system, feeding Odoo's point of sale."""

    _name = "retail.pos.store"
    _inherit = "retail.backend.mixin"
    _description = "External POS Store"
    _retail_source = "pos"
    _retail_channel_xmlid = "retail_pos.channel_retail_pos"

    code = fields.Char(required=True, tracking=True, help=CODE_HELP)
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        tracking=True,
        help="Stock sold in the store leaves this warehouse.",
    )
    pos_config_id = fields.Many2one(
        "pos.config",
        string="Point of sale",
        readonly=True,
        copy=False,
        ondelete="restrict",
        check_company=True,
        help="Created with the store: its sessions hold the store's tickets, "
        "one session per business date.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        tracking=True,
        help="Pricelist of the store's orders (in the company currency).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    tax_mapping_ids = fields.One2many(
        "retail.pos.tax.mapping", "store_id", string="Tax mapping", copy=False
    )
    payment_mapping_ids = fields.One2many(
        "retail.pos.payment.mapping",
        "store_id",
        string="Payment methods",
        copy=False,
    )
    cash_rounding = fields.Boolean(
        help="The tills round cash payments (to 0.05 ...): orders paid in cash "
        "may differ from their total by the rounding.",
        tracking=True,
    )
    rounding_method_id = fields.Many2one(
        "account.cash.rounding", string="Cash rounding method", tracking=True
    )
    api_key_ids = fields.One2many(
        "retail.pos.api.key", "store_id", string="API keys", copy=False
    )
    api_key_count = fields.Integer(compute="_compute_api_key_count")
    require_signature = fields.Boolean(
        string="Require signed requests",
        tracking=True,
        help="Every request must also carry X-Retail-Signature: the hex "
        "HMAC-SHA256 of the raw body keyed with the signing secret.",
    )
    signing_secret = fields.Char(groups=MANAGER_GROUP, copy=False)
    cashup_tolerance = fields.Monetary(
        string="Cash difference tolerance",
        currency_field="currency_id",
        tracking=True,
        help="A cash-up whose counted cash is this close to the cash expected "
        "matches: the session closes and the difference is posted to the "
        "cash journal's profit or loss account.",
    )
    session_ids = fields.One2many(
        "pos.session", "retail_pos_store_id", string="Sessions", readonly=True
    )
    session_count = fields.Integer(compute="_compute_pos_counts")
    order_count = fields.Integer(compute="_compute_pos_counts")

    _code_unique = models.Constraint(
        "UNIQUE (company_id, code)", "A store code is used once per company."
    )

    # ------------------------------------------------------------------
    # computes and constraints
    # ------------------------------------------------------------------
    def _compute_api_key_count(self):
        now = fields.Datetime.now()
        for store in self:
            store.api_key_count = len(
                store.api_key_ids.filtered(lambda key: key._is_valid(now))
            )

    def _compute_pos_counts(self):
        Session = self.env["pos.session"]
        Order = self.env["pos.order"]
        sessions = dict(
            Session._read_group(
                [("retail_pos_store_id", "in", self.ids)],
                ["retail_pos_store_id"],
                ["__count"],
            )
        )
        orders = dict(
            Order._read_group(
                [("session_id.retail_pos_store_id", "in", self.ids)],
                ["session_id"],
                ["__count"],
            )
        )
        for store in self:
            store.session_count = sessions.get(store, 0)
            store.order_count = sum(
                count
                for session, count in orders.items()
                if session.retail_pos_store_id == store
            )

    @api.constrains("code")
    def _check_code(self):
        for store in self:
            if not api_keys.valid_store_code(store.code):
                raise ValidationError(
                    self.env._(
                        "The store code %(code)s may only hold letters, digits, "
                        "'-' and '_' (at most 32).",
                        code=store.code,
                    )
                )

    @api.constrains("cash_rounding", "rounding_method_id")
    def _check_rounding(self):
        for store in self:
            if store.cash_rounding and not store.rounding_method_id:
                raise ValidationError(
                    self.env._(
                        "Choose the cash rounding method of %(store)s.",
                        store=store.display_name,
                    )
                )

    def _retail_secrets(self):
        self.ensure_one()
        return [secret for secret in (self.sudo().signing_secret,) if secret]

    # ------------------------------------------------------------------
    # the point of sale owned by the store
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        # payment mappings given with the store made its point of sale already
        for store in stores.filtered(lambda store: not store.pos_config_id):
            store._retail_pos_create_config()
        return stores

    def write(self, vals):
        res = super().write(vals)
        synced = {
            "name",
            "warehouse_id",
            "pricelist_id",
            "cash_rounding",
            "rounding_method_id",
        }
        if synced & set(vals):
            for store in self:
                store._retail_pos_sync_config()
        return res

    def _retail_pos_config_values(self):
        self.ensure_one()
        values = {
            "name": self.env._("External POS – %(store)s", store=self.name),
            "company_id": self.company_id.id,
            "picking_type_id": self.warehouse_id.pos_type_id.id,
            "warehouse_id": self.warehouse_id.id,
            "cash_rounding": self.cash_rounding,
            "rounding_method": self.rounding_method_id.id,
            "only_round_cash_method": self.cash_rounding,
            "payment_method_ids": [
                fields.Command.set(self.payment_mapping_ids.payment_method_id.ids)
            ],
        }
        if self.pricelist_id:
            values.update(
                use_pricelist=True,
                pricelist_id=self.pricelist_id.id,
                available_pricelist_ids=[fields.Command.set(self.pricelist_id.ids)],
            )
        return values

    def _retail_pos_create_config(self):
        self.ensure_one()
        if not self.warehouse_id.pos_type_id:
            raise UserError(
                self.env._(
                    "The warehouse %(warehouse)s has no point of sale operation "
                    "type: set one on the warehouse, then create the store.",
                    warehouse=self.warehouse_id.display_name,
                )
            )
        config = (
            self.env["pos.config"]
            .sudo()
            .with_company(self.company_id)
            .create(self._retail_pos_config_values())
        )
        self.sudo().pos_config_id = config

    def _retail_pos_sync_config(self):
        """Keep the store's point of sale in step with the store."""
        self.ensure_one()
        config = self.sudo().pos_config_id
        if not config:
            self._retail_pos_create_config()
            return
        values = self._retail_pos_config_values()
        if config.current_session_id and (
            set(values["payment_method_ids"][0][2])
            != set(config.payment_method_ids.ids)
        ):
            raise UserError(
                self.env._(
                    "The payment methods of %(store)s cannot change while its "
                    "session %(session)s is open: close it first.",
                    store=self.display_name,
                    session=config.current_session_id.name,
                )
            )
        config.with_company(self.company_id).write(values)

    # ------------------------------------------------------------------
    # wait keys
    # ------------------------------------------------------------------
    def _retail_pos_tax_key(self, code):
        return wait_keys.make("pos-tax", self.id, code)

    def _retail_pos_payment_key(self, code):
        return wait_keys.make("pos-payment", self.id, code)

    def _retail_pos_ticket_key(self, ticket_id):
        return wait_keys.make("pos-ticket", self.id, ticket_id)

    def _retail_pos_day_key(self, terminal, day):
        """Released by every ticket of ``terminal`` and business date ``day``
        imported: the cash-up of that day compares again."""
        return wait_keys.make("pos-day", self.id, terminal, day)

    # ------------------------------------------------------------------
    # API keys and signatures
    # ------------------------------------------------------------------
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only Retail Integration managers manage store API keys.")
            )
        self.check_access("write")

    def _retail_pos_new_key(self, name=None, overlap_hours=None):
        """Make a new API key for the store; return ``(key record, key)``.

        With ``overlap_hours``, the keys valid now stay valid that long (a
        rotation: the tills switch to the new key meanwhile); without it,
        they stay valid until revoked.
        """
        self.ensure_one()
        self._check_manager()
        now = fields.Datetime.now()
        if overlap_hours is not None:
            if overlap_hours < 0:
                raise UserError(self.env._("The overlap cannot be negative."))
            expires = api_keys.overlap_expiry(now, overlap_hours)
            for old in self.sudo().api_key_ids.filtered(lambda k: k._is_valid(now)):
                if not old.expires_at or old.expires_at > expires:
                    old.expires_at = expires
        key = api_keys.generate_key()
        record = (
            self.env["retail.pos.api.key"]
            .sudo()
            .create(
                {
                    "store_id": self.id,
                    "name": name or self.env._("Key of %(date)s", date=now),
                    "prefix": api_keys.display_prefix(key),
                    "key_hash": api_keys.hash_key(key),
                }
            )
        )
        self.message_post(
            body=self.env._(
                "New API key %(prefix)s… created%(overlap)s.",
                prefix=record.prefix,
                overlap=self.env._(
                    "; the previous keys stay valid for %(hours)s hours",
                    hours=overlap_hours,
                )
                if overlap_hours is not None
                else "",
            )
        )
        return record, key

    def _retail_pos_authenticate(self, key):
        """Whether ``key`` is a valid API key of this store (constant time
        per key, every valid key compared)."""
        self.ensure_one()
        now = fields.Datetime.now()
        stored = [
            record.key_hash
            for record in self.sudo().api_key_ids
            if record._is_valid(now)
        ]
        return api_keys.verify_any(key, stored)

    def _retail_pos_check_signature(self, body, signature):
        """Whether the body's signature is right, or not required."""
        self.ensure_one()
        if not self.require_signature:
            return True
        secret = self.sudo().signing_secret
        return bool(secret) and verify_hmac_sha256(
            secret, body, signature, encoding="hex"
        )

    def action_generate_signing_secret(self):
        self.ensure_one()
        self._check_manager()
        self.sudo().signing_secret = secrets.token_urlsafe(32)
        self.message_post(body=self.env._("A new signing secret was generated."))

    def action_new_api_key(self):
        """The wizard that makes a key (or rotates them) and shows it once."""
        self.ensure_one()
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New API key"),
            "res_model": "retail.pos.api.key.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_store_id": self.id},
        }

    # ------------------------------------------------------------------
    # smart buttons
    # ------------------------------------------------------------------
    def action_open_sessions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sessions"),
            "res_model": "pos.session",
            "view_mode": "list,form",
            "domain": [("retail_pos_store_id", "=", self.id)],
        }

    def action_open_orders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Orders"),
            "res_model": "pos.order",
            "view_mode": "list,form",
            "domain": [("session_id.retail_pos_store_id", "=", self.id)],
        }

    def action_open_api_keys(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("API keys"),
            "res_model": "retail.pos.api.key",
            "view_mode": "list,form",
            "domain": [("store_id", "=", self.id)],
        }

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.retail_connector_base.models.retail_backend_mixin import (
    MANAGER_GROUP,
)
from odoo.addons.retail_connector_base.services import errors

from ..services import contract, shipbob_client, shipbob_webhooks

#: the prefix of the topics of ShipBob's deliveries (``shipbob:order.shipped``)
TOPIC_PREFIX = "shipbob:"


class Retail3plProviderShipbob(models.Model):
    """The ``shipbob`` adapter: ShipBob's REST API (2026-07), both ways.

    Outbound: ``shipbob_send_order`` creates the order once by
    ``reference_id`` (a duplicate is ``already_accepted``),
    ``shipbob_cancel_order`` asks ShipBob to cancel (refused once picked),
    ``shipbob_fetch_inventory`` reads the levels of the warehouse's
    fulfillment center; ShipBob has no receipt notice in this adapter.
    Calls go through the provider's rate limiter, set to ShipBob's 150 calls
    a minute (``services/shipbob_client.py``).

    Inbound: ShipBob's signed webhooks (``controllers/messages.py``, route
    ``.../shipbob``) are stored as ``shipbob:<topic>`` events; processing one
    reads the order (or return) again from ShipBob and fans it out into
    child events of the contract's messages (``shipment.confirmed``,
    ``order.cancelled``, ``return.received``), which the generic handlers
    apply unchanged; a shipment on hold or in exception is a sync exception.
    """

    _inherit = "retail.3pl.provider"  # pylint: disable=consider-merging-classes-inherited

    adapter_type = fields.Selection(
        selection_add=[("shipbob", "ShipBob")],
        ondelete={"shipbob": "set default"},
    )
    shipbob_channel_id = fields.Integer(
        string="ShipBob channel",
        tracking=True,
        help="The id of the ShipBob channel whose scopes include orders_write "
        "(GET /channel): sent as shipbob_channel_id on every call.",
    )
    shipbob_webhook_secret = fields.Char(
        string="ShipBob webhook secret",
        groups=MANAGER_GROUP,
        copy=False,
        help="The secret (whsec_...) of the provider's ShipBob webhook "
        "subscription: ShipBob signs its deliveries with it.",
    )
    shipbob_shipping_method = fields.Char(
        string="ShipBob shipping method",
        help="The shipping method of every order sent to ShipBob; empty: the "
        "delivery's carrier as mapped on the Carriers tab, else Standard.",
    )

    @api.constrains("api_url")
    def _check_api_url(self):
        shipbob = self.filtered(lambda p: p.adapter_type == "shipbob")
        for provider in shipbob.sudo():
            provider._retail_check_endpoint(provider.api_url, shipbob_client.HOSTS)
        return super(Retail3plProviderShipbob, self - shipbob)._check_api_url()

    @api.constrains("shipbob_webhook_secret")
    def _check_shipbob_webhook_secret(self):
        for provider in self.sudo():
            secret = provider.shipbob_webhook_secret
            problem = secret and shipbob_webhooks.check_secret(secret)
            if problem:
                raise ValidationError(
                    self.env._(
                        "The ShipBob webhook secret of %(provider)s is not "
                        "valid: %(problem)s.",
                        provider=provider.display_name,
                        problem=problem,
                    )
                )

    @api.onchange("adapter_type")
    def _onchange_adapter_type_shipbob(self):
        if self.adapter_type == "shipbob":
            if not self.api_url:
                self.api_url = shipbob_client.BASE_URL
            self.rate_limit_capacity = shipbob_client.LIMITER_CAPACITY
            self.rate_limit_per_second = shipbob_client.LIMITER_PER_SECOND

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("adapter_type") == "shipbob":
                vals.setdefault("rate_limit_capacity", shipbob_client.LIMITER_CAPACITY)
                vals.setdefault(
                    "rate_limit_per_second", shipbob_client.LIMITER_PER_SECOND
                )
        return super().create(vals_list)

    def _retail_secrets(self):
        secrets = super()._retail_secrets()
        secret = self.sudo().shipbob_webhook_secret
        return [*secrets, secret] if secret else secrets

    def action_generate_shipbob_webhook_secret(self):
        """Make a new ShipBob webhook secret (give it to the subscription)."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self.env._("Only retail managers can change secrets."))
        self.check_access("write")
        self.sudo().write({"shipbob_webhook_secret": shipbob_webhooks.new_secret()})
        self.message_post(
            body=self.env._("A new ShipBob webhook secret was generated.")
        )

    # ------------------------------------------------------------------
    # outbound
    # ------------------------------------------------------------------
    def _shipbob_client(self):
        self.ensure_one()
        provider = self.sudo()
        problem = self._retail_endpoint_problem(provider.api_url, shipbob_client.HOSTS)
        if not provider.api_url or problem:
            raise errors.PermanentError(
                f"The API URL of {self.display_name} cannot be called: "
                f"{problem or 'none is set'}.",
                hint=self.env._(
                    "A system administrator sets the API URL of the provider "
                    "(https://api.shipbob.com/2026-07)."
                ),
            )
        if not provider.shipbob_channel_id:
            raise errors.MappingError(
                f"{self.display_name} has no ShipBob channel.",
                hint=self.env._(
                    "Set the ShipBob channel (the id of the channel with the "
                    "orders_write scope), then press Retry."
                ),
            )
        http = shipbob_client.ShipbobHttpClient(
            provider.api_url,
            headers={"Authorization": f"Bearer {provider.api_token or ''}"},
            rate_limiter=self._retail_rate_limiter(),
            circuit=self._retail_circuit(),
            secrets=self._retail_secrets(),
            # ShipBob documents no request id of its client
            request_id_header=None,
            journal=self._retail_http_journal(),
        )
        return shipbob_client.ShipbobClient(
            http,
            provider.shipbob_channel_id,
            shipping_method=provider.shipbob_shipping_method or None,
        )

    def shipbob_send_order(self, order):
        """Create the fulfilment order ``order`` at ShipBob (once)."""
        self.ensure_one()
        return self._shipbob_client().send_order(order._threepl_order_document())

    def shipbob_cancel_order(self, order):
        """Ask ShipBob to cancel ``order``; a ``CancelAnswer``."""
        self.ensure_one()
        return self._shipbob_client().cancel_order(
            order.external_id, order.sent_lines or {}
        )

    def shipbob_send_receipt(self, notice):
        """ShipBob receives through its own receiving orders (not sent)."""
        self.ensure_one()
        raise errors.MappingError(
            f"Receipt notice {notice.receipt_ref}: the ShipBob adapter does not "
            "announce receipts.",
            hint=self.env._(
                "Create the receiving order (WRO) in ShipBob's dashboard, then "
                "ignore this exception."
            ),
        )

    def shipbob_fetch_inventory(self, warehouse):
        """The inventory of ``warehouse``'s fulfillment center (InventoryAnswer)."""
        self.ensure_one()
        location = warehouse.shipbob_location_id
        if not location and len(self.warehouse_ids) > 1:
            raise errors.MappingError(
                f"Warehouse {warehouse.code} of {self.display_name} names no "
                "ShipBob fulfillment center.",
                hint=self.env._(
                    "Set the ShipBob fulfillment center of each operated "
                    "warehouse (Warehouses tab), then compare again."
                ),
            )
        return self._shipbob_client().fetch_inventory(location or None)

    # ------------------------------------------------------------------
    # inbound: a webhook is a trigger, ShipBob's order is the truth
    # ------------------------------------------------------------------
    def _retail_event_subject(self, topic, payload):
        if topic and topic.startswith(TOPIC_PREFIX):
            found = shipbob_webhooks.webhook_subject(
                topic[len(TOPIC_PREFIX) :], payload
            )
            if found.get("reference_id"):
                return f"order:{found['reference_id']}"
            return None
        return super()._retail_event_subject(topic, payload)

    def _retail_process_event(self, event):
        if not (event.topic or "").startswith(TOPIC_PREFIX):
            return super()._retail_process_event(event)
        topic = event.topic[len(TOPIC_PREFIX) :]
        payload = event._load_json()
        found = shipbob_webhooks.webhook_subject(topic, payload)
        if topic in shipbob_webhooks.ORDER_TOPICS:
            return self._shipbob_apply_order(event, topic, found)
        if topic in shipbob_webhooks.RETURN_TOPICS:
            return self._shipbob_apply_return(event, found)
        event._mark_ignored(f"ShipBob topic {topic} is not used by this connector.")
        return False

    def _shipbob_warehouse_code(self, order_ref=None, location_id=None):
        if order_ref:
            binding = self.env["retail.3pl.picking"]._retail_get(self, order_ref)
            if binding:
                return binding.warehouse_id.code
        if location_id:
            warehouse = self.warehouse_ids.filtered(
                lambda w: w.shipbob_location_id == location_id
            )[:1]
            if warehouse:
                return warehouse.code
        return self.warehouse_ids[:1].code or "?"

    def _shipbob_spawn(self, event, messages):
        units = [
            {
                "topic": message["type"],
                "event_key": message["message_id"],
                "payload": message,
                "remote_ref": contract.subject_of(message["type"], message["payload"]),
            }
            for message in messages
        ]
        return event._spawn(units)

    def _shipbob_apply_order(self, event, topic, found):
        client = self._shipbob_client()
        order = None
        if found.get("order_id"):
            order = client.get_order(found["order_id"])
        elif found.get("reference_id"):
            order = client.find_order(found["reference_id"])
        elif found.get("shipment_id"):
            shipment = client.get_shipment(found["shipment_id"])
            if shipment and shipment.get("order_id"):
                order = client.get_order(shipment["order_id"])
        if not order or not order.get("reference_id"):
            event._mark_ignored(
                f"ShipBob {topic}: no order of this channel "
                f"({found or 'no identifier in the delivery'})."
            )
            return False
        reference = order["reference_id"]
        binding = self.env["retail.3pl.picking"]._retail_get(self, reference)
        messages, attention = shipbob_webhooks.order_messages(
            order,
            warehouse_code=self._shipbob_warehouse_code(reference),
            sent_lines=(binding.sent_lines or {}) if binding else {},
            now=fields.Datetime.now().isoformat() + "Z",
        )
        results = self._shipbob_spawn(event, messages)
        for shipment_id, status, reason in attention:
            picking = binding.odoo_id if binding else False
            self._retail_raise_exception(
                flow="inbound",
                category="remote_rejected",
                message=f"ShipBob shipment {shipment_id} of fulfilment order "
                f"{reference} is {status}: {reason}",
                hint=self.env._(
                    "Resolve it in ShipBob's dashboard (the shipment ships once "
                    "released), or cancel the delivery in Odoo. Then ignore "
                    "this exception."
                ),
                res_model="stock.picking" if picking else None,
                res_id=picking.id if picking else None,
                remote_ref=reference,
            )
        if not messages and not attention:
            event._mark_ignored(
                f"ShipBob order {reference} ({order.get('status')}): nothing "
                "shipped or cancelled yet."
            )
        elif messages and not any(created for _child, created in results):
            event._mark_ignored(
                f"ShipBob order {reference}: its messages are already recorded."
            )
        return binding.odoo_id if binding else False

    def _shipbob_apply_return(self, event, found):
        client = self._shipbob_client()
        ret = client.get_return(found["return_id"]) if found.get("return_id") else None
        if not ret:
            event._mark_ignored(f"ShipBob return {found or '?'}: not found.")
            return False
        order_ref = None
        if ret.get("original_shipment_id"):
            shipment = client.get_shipment(ret["original_shipment_id"])
            order_ref = (shipment or {}).get("reference_id")
            if not order_ref and (shipment or {}).get("order_id"):
                order_ref = (client.get_order(shipment["order_id"]) or {}).get(
                    "reference_id"
                )
        skus = client.inventory_skus(
            item.get("id")
            for item in ret.get("inventory") or ()
            if isinstance(item, dict)
        )
        message = shipbob_webhooks.return_message(
            ret,
            warehouse_code=self._shipbob_warehouse_code(
                order_ref, (ret.get("fulfillment_center") or {}).get("id")
            ),
            order_ref=order_ref,
            skus=skus,
            now=fields.Datetime.now().isoformat() + "Z",
        )
        if message is None:
            event._mark_ignored(
                f"ShipBob return {ret.get('id')} is {ret.get('status')}: "
                "applied once completed."
            )
            return False
        results = self._shipbob_spawn(event, [message])
        if not results[0][1]:
            event._mark_ignored(f"ShipBob return {ret.get('id')} is already recorded.")
        return False

"""The 3PL connector on the base's test helpers.

:class:`ThreeplTestMixin`: a ``retail.3pl.provider`` of the generic adapter
operating the warehouse ``TPL`` (UPS Ground mapped to an Odoo carrier),
signed with ``SECRET`` (``X-Retail-Signature``), messages posted to
``/retail/3pl/v1/providers/<id>/messages``; the provider side is the
:class:`~..simulator.GenericProviderSimulator`, which every outgoing call
reaches (``self.sim``).

Helpers: :meth:`~ThreeplTestMixin.product` (storable, with a SKU, in stock
in the warehouse), :meth:`~ThreeplTestMixin.delivery` (a confirmed outgoing
picking of the warehouse), :meth:`~ThreeplTestMixin.send` (perform the
queued jobs), :meth:`~ThreeplTestMixin.receive` (the simulator's messages
stored and processed as their jobs would).
"""

import json
import time

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.simulator import intercept
from odoo.addons.retail_connector_base.tests.common import (
    ConnectorHttpCase,
    ConnectorTestMixin,
    ConnectorTransactionCase,
)

from ..services import shipbob_webhooks, signing
from ..simulator import GenericProviderSimulator, ShipbobSimulator
from ..simulator.generic_provider import BASE_URL
from ..simulator.shipbob import BASE_URL as SHIPBOB_URL

SECRET = "tpl-signing-secret"
TOKEN = "tpl-api-token"
SHIPBOB_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SHIPBOB_CHANNEL = 100102


class ThreeplTestMixin(ConnectorTestMixin):
    login_prefix = "tpl"
    binding_model = "retail.3pl.picking"
    intake_route = "/retail/3pl/v1/providers/{backend.id}/messages"
    signature_header = signing.HEADER
    signing_secret = SECRET

    @classmethod
    def sign(cls, body):
        return signing.sign(SECRET, body)

    @classmethod
    def _setup_backend(cls, env, **values):
        env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.allow_simulator_endpoints", "1"
        )
        cls.warehouse = env["stock.warehouse"].create(
            {"name": "3PL East", "code": "TPL"}
        )
        ship_product = env["product.product"].create(
            {"name": "UPS shipping", "type": "service"}
        )
        cls.carrier = env["delivery.carrier"].create(
            {"name": "UPS Ground", "product_id": ship_product.id}
        )
        cls.country = env.ref("base.us")
        cls.customer = env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "street": "1 Main Street",
                "city": "Springfield",
                "zip": "62701",
                "country_id": cls.country.id,
                "email": "ada@example.com",
            }
        )
        return env["retail.3pl.provider"].create(
            {
                "name": "East 3PL",
                "state": "active",
                "api_url": BASE_URL,
                "api_token": TOKEN,
                "signing_secret": SECRET,
                "warehouse_ids": [(6, 0, cls.warehouse.ids)],
                "carrier_map_ids": [
                    (
                        0,
                        0,
                        {
                            "code": "UPS",
                            "service": "Ground",
                            "carrier_id": cls.carrier.id,
                        },
                    )
                ],
                **values,
            }
        )

    def setUp(self):
        super().setUp()
        self.sim = GenericProviderSimulator(TOKEN, SECRET, warehouse_code="TPL")
        self.enterContext(intercept(self.sim))

    # -- Odoo side ---------------------------------------------------------
    def product(self, sku, qty=10.0, tracking="none", lots=None):
        """A storable product with ``sku``, ``qty`` in the warehouse's stock
        (``lots``: ``{lot name: qty}`` for a tracked one)."""
        product = self.env["product.product"].create(
            {
                "name": f"Product {sku}",
                "default_code": sku,
                "is_storable": True,
                "tracking": tracking,
            }
        )
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        stock = self.warehouse.lot_stock_id
        for name, lot_qty in (lots or ({None: qty} if qty else {})).items():
            lot = (
                self.env["stock.lot"].create({"name": name, "product_id": product.id})
                if name
                else self.env["stock.lot"]
            )
            Quant._update_available_quantity(product, stock, lot_qty, lot_id=lot)
        return product

    def delivery(self, *lines, confirm=True, warehouse=None):
        """An outgoing picking of ``(product, qty)`` lines, confirmed."""
        warehouse = warehouse or self.warehouse
        picking_type = warehouse.out_type_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": self.customer.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": picking_type.default_location_src_id.id,
                            "location_dest_id": self.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                        },
                    )
                    for product, qty in lines
                ],
            }
        )
        if confirm:
            picking.action_confirm()
        return picking

    def receipt(self, *lines, origin="PO0001"):
        """An incoming picking of ``(product, qty)`` lines, confirmed."""
        picking_type = self.warehouse.in_type_id
        supplier = self.env.ref("stock.stock_location_suppliers")
        stock = self.warehouse.lot_stock_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": self.customer.id,
                "origin": origin,
                "location_id": supplier.id,
                "location_dest_id": stock.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": supplier.id,
                            "location_dest_id": stock.id,
                        },
                    )
                    for product, qty in lines
                ],
            }
        )
        picking.action_confirm()
        return picking

    def order_of(self, picking):
        return self.env["retail.3pl.picking"].search(
            [("picking_ids", "in", picking.ids)], limit=1
        )

    def send(self, picking=None, *, lines=None):
        """Confirm ``picking`` (made from ``lines`` when given) with its
        jobs trapped, perform them; return the picking's order."""
        with trap_jobs() as trap:
            if picking is None:
                picking = self.delivery(*lines)
            trap.perform_enqueued_jobs()
        return self.order_of(picking)

    def perform_jobs(self, func):
        """Run ``func()`` with its jobs trapped, then perform them."""
        with trap_jobs() as trap:
            result = func()
            trap.perform_enqueued_jobs()
        return result

    def receive(self):
        """The simulator's pending messages, stored and processed; the events."""
        events = self.Event.browse()
        for webhook in list(self.sim.outbox):
            event, _created = self.store_event(
                webhook.topic,
                json.dumps(webhook.payload),
                key=webhook.event_id,
                headers={},
            )
            event._process()
            events |= event
        self.sim._outbox.pending.clear()
        return events

    def line_ref(self, picking, product):
        return str(picking.move_ids.filtered(lambda m: m.product_id == product).id)


class ShipbobTestMixin(ThreeplTestMixin):
    """The same fixture with a provider of the ``shipbob`` adapter: ShipBob's
    side is the :class:`~..simulator.ShipbobSimulator` (``self.sim``),
    whose webhooks go to ``/retail/3pl/v1/providers/<id>/shipbob``."""

    login_prefix = "shipbob"
    intake_route = "/retail/3pl/v1/providers/{backend.id}/shipbob"
    signature_header = None
    signing_secret = None

    @classmethod
    def _setup_backend(cls, env, **values):
        return super()._setup_backend(
            env,
            **{
                "name": "ShipBob",
                "adapter_type": "shipbob",
                "api_url": SHIPBOB_URL,
                "signing_secret": False,
                "shipbob_channel_id": SHIPBOB_CHANNEL,
                "shipbob_webhook_secret": SHIPBOB_SECRET,
                **values,
            },
        )

    def setUp(self):
        super().setUp()
        self.generic_sim = self.sim
        self.sim = ShipbobSimulator(TOKEN, SHIPBOB_SECRET, channel_id=SHIPBOB_CHANNEL)
        self.enterContext(intercept(self.sim))

    def shipbob_headers(self, body, webhook_id="msg_1", timestamp=None, topic=None):
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": "application/json",
            shipbob_webhooks.ID_HEADER: webhook_id,
            shipbob_webhooks.TIMESTAMP_HEADER: str(timestamp),
            shipbob_webhooks.SIGNATURE_HEADER: shipbob_webhooks.sign(
                SHIPBOB_SECRET, webhook_id, timestamp, body
            ),
        }
        if topic:
            headers[shipbob_webhooks.TOPIC_HEADER] = topic
        return headers

    def receive(self):
        """ShipBob's pending webhooks stored as the intake stores them and
        processed, with the contract's messages they fan out into; the
        webhooks' events."""
        events = self.Event.browse()
        for webhook in list(self.sim.outbox):
            event, _created = self.store_event(
                f"shipbob:{webhook.topic}",
                json.dumps(webhook.payload),
                key=webhook.event_id,
                headers={},
            )
            with trap_jobs() as trap:
                event._process()
                trap.perform_enqueued_jobs()
            events |= event
        self.sim._outbox.pending.clear()
        return events


class ThreeplTestCase(ThreeplTestMixin, ConnectorTransactionCase):
    """Model and job tests of the 3PL connector."""


class ThreeplHttpCase(ThreeplTestMixin, ConnectorHttpCase):
    """HTTP tests of the 3PL connector."""


class ShipbobTestCase(ShipbobTestMixin, ConnectorTransactionCase):
    """Model and job tests of the ShipBob adapter."""


class ShipbobHttpCase(ShipbobTestMixin, ConnectorHttpCase):
    """HTTP tests of the ShipBob adapter."""

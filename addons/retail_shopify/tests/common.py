import json
from pathlib import Path
from unittest.mock import patch

import requests

from odoo.addons.retail_connector_base.tests.common import (
    ConnectorCommittedCase,
    ConnectorHttpCase,
    ConnectorTestMixin,
    ConnectorTransactionCase,
)

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = "retail-test.myshopify.com"
TOKEN = "shpat_test_token_0123456789"
SECRET = "shopify-client-secret-abcdef"


class ShopifyTestMixin(ConnectorTestMixin):
    """A Shopify backend wired to the simulator (no network)."""

    login_prefix = "shopify"
    binding_model = "shopify.sale.order"
    intake_route = "/retail/shopify/webhook/{backend.id}"
    topic_header = "X-Shopify-Topic"
    event_key_header = "X-Shopify-Event-Id"
    signature_header = "X-Shopify-Hmac-Sha256"
    signing_secret = SECRET
    signature_encoding = "base64"

    @classmethod
    def _setup_backend(cls, env, **values):
        # the tests' remotes are simulators and mocks on any host
        env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.allow_simulator_endpoints", "1"
        )
        return env["shopify.backend"].create(
            {
                "name": "Test store",
                "shop_domain": SHOP,
                "access_token": TOKEN,
                "client_secret": SECRET,
                "state": "active",
                **values,
            }
        )

    @classmethod
    def setup_shopify(cls):
        """:meth:`setup_connector` under the name the Shopify tests call."""
        cls.setup_connector()

    def _delivery_headers(self, topic, key):
        return {
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Webhook-Id": f"wh-{key}",
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": "2026-11-03T15:22:11.123456789Z",
        }

    def setup_simulator(self):
        """Serve the backend's API calls from a new simulated shop."""
        from odoo.addons.retail_connector_base.simulator import (  # noqa: PLC0415
            SimulatorAdapter,
        )

        from ..simulator.shopify import ShopifySimulator  # noqa: PLC0415

        self.sim = sim = ShopifySimulator(
            shop_domain=SHOP, access_token=TOKEN, client_secret=SECRET
        )

        def session(backend):
            http = requests.Session()
            http.mount(f"https://{SHOP}", SimulatorAdapter(sim))
            return http

        patcher = patch.object(type(self.backend), "_shopify_session", session)
        patcher.start()
        self.addCleanup(patcher.stop)

    @staticmethod
    def fixture(name):
        return json.loads((FIXTURES / f"{name}.json").read_text())

    @classmethod
    def setup_catalog(cls):
        """Products, taxes and mappings matching the order fixtures."""
        Tax = cls.env["account.tax"]
        company = cls.env.company

        def tax(name, amount, included=False):
            return Tax.create(
                {
                    "name": name,
                    "amount": amount,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "company_id": company.id,
                    "price_include_override": "tax_included"
                    if included
                    else "tax_excluded",
                }
            )

        cls.ny_state = tax("NY State Tax 4%", 4.0)
        cls.ny_city = tax("New York City Tax 4.5%", 4.5)
        cls.ny_mctd = tax("MCTD 0.375%", 0.375)
        cls.backend.write(
            {
                "tax_mapping_ids": [
                    (
                        0,
                        0,
                        {
                            "title": "NY State Tax",
                            "rate": 0.04,
                            "tax_id": cls.ny_state.id,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "title": "New York City Tax",
                            "rate": 0.045,
                            "tax_id": cls.ny_city.id,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "title": "Metropolitan Commuter Transportation District",
                            "rate": 0.00375,
                            "tax_id": cls.ny_mctd.id,
                        },
                    ),
                ]
            }
        )
        Product = cls.env["product.product"]
        cls.tee = Product.create(
            {
                "name": "Organic tee navy M",
                "default_code": "TEE-ORG-NAV-M",
                "type": "consu",
                "is_storable": True,
                "list_price": 25.0,
            }
        )
        cls.tote = Product.create(
            {
                "name": "Canvas tote",
                "barcode": "TOTE-CNV-NAT",
                "type": "consu",
                "list_price": 18.5,
            }
        )

    def deliver(
        self, topic, payload, *, event_id=None, key=None, backend=None, process=False
    ):
        """The base's ``deliver``; ``event_id`` is Shopify's name of ``key``."""
        return super().deliver(
            topic, payload, key=key or event_id, backend=backend, process=process
        )


class ShopifyTestCase(ShopifyTestMixin, ConnectorTransactionCase):
    """Model and job tests on the class fixture (no ``setup_shopify()`` call)."""


class ShopifyHttpCase(ShopifyTestMixin, ConnectorHttpCase):
    """HTTP tests of the Shopify webhook route, on the class fixture."""


class ShopifyCommittedCase(ShopifyTestMixin, ConnectorCommittedCase):
    """Committed transactions on Shopify backends (workers racing)."""

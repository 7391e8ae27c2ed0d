import json
import threading
from pathlib import Path
from unittest.mock import patch

import requests

from odoo import SUPERUSER_ID, api
from odoo.tests import new_test_user

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base.services.signatures import hmac_sha256_digest
from odoo.addons.retail_connector_base.tests.common import RemoteAdapterTestMixin

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = "retail-test.myshopify.com"
TOKEN = "shpat_test_token_0123456789"
SECRET = "shopify-client-secret-abcdef"


class ShopifyTestMixin(RemoteAdapterTestMixin):
    """A Shopify backend wired to the simulator (no network)."""

    @classmethod
    def setup_shopify(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.backend = cls.env["shopify.backend"].create(
            {
                "name": "Test store",
                "shop_domain": SHOP,
                "access_token": TOKEN,
                "client_secret": SECRET,
                "state": "active",
            }
        )
        cls.Event = cls.env["retail.event"]
        cls.Exception = cls.env["retail.sync.exception"]
        cls.Binding = cls.env["shopify.sale.order"]
        cls.user = new_test_user(
            cls.env,
            login="shopify_user",
            groups="base.group_user,retail_connector_base.group_retail_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="shopify_manager",
            groups="base.group_user,retail_connector_base.group_retail_manager",
        )

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

    def deliver(self, topic, payload, *, event_id="evt-1", backend=None):
        """Store a webhook delivery as the controller would; return the event."""
        backend = backend or self.backend
        event, _created = self.Event._accept(
            backend,
            topic=topic,
            event_key=event_id,
            payload=json.dumps(payload),
            headers={"X-Shopify-Topic": topic},
        )
        return event

    @staticmethod
    def sign(body):
        return hmac_sha256_digest(SECRET, body)


class ConcurrentDeliveryMixin:
    """Two workers processing deliveries of the same remote object.

    Each delivery runs in a real transaction of its own (``self.registry``
    cursors), as two job runner workers would; the test case provides
    ``self.registry``.
    """

    def process(self, event_id, before_commit=None, after_snapshot=None):
        """Process one event in its own transaction; ``"retry"`` when the job
        would be postponed, else ``"<state>: <result>"``."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            event = env["retail.event"].browse(event_id)
            if after_snapshot:
                cr.execute("SELECT 1")  # the transaction's snapshot starts here
                after_snapshot()
            try:
                result = event._process()
            except RetryableJobError:
                cr.rollback()
                return "retry"
            if before_commit:
                before_commit()
            return f"{event.state}: {result}"

    def race_while_the_first_holds_the_lock(self, first_id, second_id):
        """The second delivery arrives while the first one, done but not yet
        committed, holds the lock; then the job runner retries the second."""
        processed, release = threading.Event(), threading.Event()
        outcome = {}

        def first():
            outcome["first"] = self.process(
                first_id, before_commit=lambda: (processed.set(), release.wait(10))
            )

        worker = threading.Thread(target=first)
        worker.start()
        self.assertTrue(processed.wait(30))
        outcome["second"] = self.process(second_id)
        release.set()
        worker.join(30)
        outcome["retry"] = self.process(second_id)
        return outcome

    def race_with_a_snapshot_before_the_commit(self, first_id, second_id):
        """The second delivery's transaction starts before the first one
        commits, and runs after it: the lock is free, the data invisible."""
        snapshot_taken, first_done = threading.Event(), threading.Event()
        outcome = {}

        def second():
            outcome["second"] = self.process(
                second_id,
                after_snapshot=lambda: (snapshot_taken.set(), first_done.wait(30)),
            )

        worker = threading.Thread(target=second)
        worker.start()
        self.assertTrue(snapshot_taken.wait(30))
        outcome["first"] = self.process(first_id)
        first_done.set()
        worker.join(60)
        outcome["retry"] = self.process(second_id)
        return outcome

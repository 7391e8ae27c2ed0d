import json

from odoo.tests import TransactionCase, new_test_user

from odoo.addons.retail_connector_base.services.signatures import hmac_sha256_digest
from odoo.addons.retail_connector_base.tests.common import RemoteAdapterTestMixin

SECRET = "s3cret-webhook-key"
TOKEN = "remote-access-token-123"


class RetailTestMixin(RemoteAdapterTestMixin):
    """Fixtures shared by the model, job and HTTP tests."""

    @classmethod
    def setup_retail(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.backend = cls.env["retail.test.backend"].create(
            {
                "name": "Test feed",
                "state": "active",
                "api_url": "https://remote.example.test/api",
                "webhook_secret": SECRET,
                "access_token": TOKEN,
            }
        )
        cls.Event = cls.env["retail.event"]
        cls.Exception = cls.env["retail.sync.exception"]
        cls.Binding = cls.env["retail.test.partner.binding"]
        cls.user = new_test_user(
            cls.env,
            login="retail_user",
            groups="base.group_user,retail_connector_base.group_retail_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="retail_manager",
            groups="base.group_user,retail_connector_base.group_retail_manager",
        )

    @staticmethod
    def partner_payload(external_id="C-1", name="Acme Store", **extra):
        payload = {"id": external_id, "name": name, "email": "shop@acme.example"}
        payload.update(extra)
        return payload

    def accept(self, payload, topic="partner/upsert", key="evt-1", backend=None):
        event, created = self.Event._accept(
            backend or self.backend,
            topic=topic,
            event_key=key,
            payload=json.dumps(payload),
            headers={"X-Test-Topic": topic},
        )
        return event, created

    @staticmethod
    def sign(body):
        return hmac_sha256_digest(SECRET, body, encoding="hex")


class RetailTestCase(RetailTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # limiter and circuit state use cursors of their own: keep them inside
        # the test transaction so every test starts from a clean state
        cls.registry_enter_test_mode_cls()
        cls.setup_retail()

"""The test connector on the base's test helpers.

``RetailTestCase`` (model and job tests), ``RetailHttpCase`` (HTTP tests)
and ``RetailCommittedCase`` (committed transactions, concurrency) share
:class:`RetailTestMixin`: a ``retail.test.backend`` signed with ``SECRET``
(hex HMAC in ``X-Test-Signature``), posted to ``/retail/test/webhook/<id>``.
"""

from odoo.addons.retail_connector_base.tests.common import (
    ConnectorCommittedCase,
    ConnectorHttpCase,
    ConnectorTestMixin,
    ConnectorTransactionCase,
)

SECRET = "s3cret-webhook-key"
TOKEN = "remote-access-token-123"


class RetailTestMixin(ConnectorTestMixin):
    """The test connector's backend, headers and payloads."""

    login_prefix = "retail"
    binding_model = "retail.test.partner.binding"
    intake_route = "/retail/test/webhook/{backend.id}"
    topic_header = "X-Test-Topic"
    event_key_header = "X-Test-Event-Id"
    signature_header = "X-Test-Signature"
    signing_secret = SECRET
    signature_encoding = "hex"

    @classmethod
    def _setup_backend(cls, env, **values):
        # the tests' remotes are simulators and mocks on any host
        env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.allow_simulator_endpoints", "1"
        )
        return env["retail.test.backend"].create(
            {
                "name": "Test feed",
                "state": "active",
                "api_url": "https://remote.example.test/api",
                "webhook_secret": SECRET,
                "access_token": TOKEN,
                **values,
            }
        )

    @classmethod
    def setup_retail(cls):
        """:meth:`setup_connector` under the name older tests call."""
        cls.setup_connector()

    @staticmethod
    def partner_payload(external_id="C-1", name="Acme Store", **extra):
        payload = {"id": external_id, "name": name, "email": "shop@acme.example"}
        payload.update(extra)
        return payload

    def accept(self, payload, topic="partner/upsert", key="evt-1", backend=None):
        """:meth:`store_event` with this connector's argument order."""
        return self.store_event(topic, payload, key=key, backend=backend)


class RetailTestCase(RetailTestMixin, ConnectorTransactionCase):
    """Model and job tests of the test connector."""


class RetailHttpCase(RetailTestMixin, ConnectorHttpCase):
    """HTTP tests of the test connector."""


class RetailCommittedCase(RetailTestMixin, ConnectorCommittedCase):
    """Committed transactions on test connector backends."""

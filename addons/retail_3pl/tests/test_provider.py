from pathlib import Path
from unittest.mock import patch

from lxml import etree
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tools import file_path, mute_logger

from odoo.addons.retail_connector_base.services import errors

from .common import SECRET, TOKEN, ThreeplTestCase


class TestProvider(ThreeplTestCase):
    def test_adapters_are_found_by_type(self):
        provider = self.backend
        self.assertEqual(provider.adapter_type, "generic")
        for method in ("send_order", "cancel_order", "send_receipt", "fetch_inventory"):
            implementation = provider._threepl_adapter(method)
            self.assertEqual(implementation.__name__, f"generic_{method}")
        with self.assertRaises(ValueError):
            provider._threepl_adapter("ship_everything")

    def test_an_adapter_lacking_a_method_says_so(self):
        Provider = type(self.backend)
        with (
            patch.object(Provider, "generic_send_receipt", None),
            self.assertRaises(errors.MappingError) as caught,
        ):
            self.backend._threepl_adapter("send_receipt")
        self.assertIn("cannot send receipt", str(caught.exception))

    def test_test_connection_reads_the_inventory(self):
        self.sim.set_stock("TOTE", 40)
        self.backend.state = "draft"
        self.backend.action_test_connection()
        self.assertEqual(self.backend.state, "active")
        self.assertEqual(self.sim.calls.outcomes(operation="inventory.get"), ["ok"])
        self.assertIn("1 items", self.backend.message_ids[0].body)

    def test_test_connection_with_a_wrong_token_puts_it_in_error(self):
        self.backend.api_token = "wrong"
        self.backend.action_test_connection()
        self.assertEqual(self.backend.state, "error")
        self.assertIn("401", self.backend.state_message)
        self.assertNotIn("wrong", self.backend.state_message)

    def test_credentials_are_for_managers_only(self):
        as_user = self.backend.with_user(self.user)
        self.assertEqual(as_user.name, "East 3PL")
        for field in ("api_token", "signing_secret"):
            with self.subTest(field), self.assertRaises(AccessError):
                as_user.read([field])
        as_manager = self.backend.with_user(self.manager)
        values = as_manager.read(["api_token", "signing_secret"])[0]
        self.assertEqual(
            (values["api_token"], values["signing_secret"]), (TOKEN, SECRET)
        )
        self.assertEqual(
            sorted(self.backend._retail_secrets()), sorted([TOKEN, SECRET])
        )

    def test_users_cannot_change_providers_or_secrets(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.user).write({"release_policy": "reserved"})
        with self.assertRaises(UserError):
            self.backend.with_user(self.user).action_generate_signing_secret()
        self.backend.with_user(self.manager).action_generate_signing_secret()
        self.assertNotEqual(self.backend.signing_secret, SECRET)
        self.assertGreaterEqual(len(self.backend.signing_secret), 32)

    def test_providers_of_other_companies_are_invisible(self):
        other = self.env["res.company"].create({"name": "Other retail"})
        hidden = self.env["retail.3pl.provider"].create(
            {"name": "Elsewhere", "company_id": other.id}
        )
        Provider = self.env["retail.3pl.provider"].with_user(self.user)
        self.assertIn(self.backend, Provider.search([]))
        self.assertNotIn(hidden, Provider.search([]))

    def test_a_warehouse_has_one_provider(self):
        second = self.env["retail.3pl.provider"].create(
            {"name": "West 3PL", "warehouse_ids": [(6, 0, self.warehouse.ids)]}
        )
        self.assertEqual(self.warehouse.threepl_provider_id, second)
        self.assertFalse(self.backend.warehouse_ids)

    def test_warehouse_lookup_by_code(self):
        self.assertEqual(self.backend._threepl_warehouse("TPL"), self.warehouse)
        self.assertFalse(self.backend._threepl_warehouse("NOPE"))

    @mute_logger("odoo.sql_db")
    def test_a_carrier_and_service_are_mapped_once(self):
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.backend.carrier_map_ids = [
                (
                    0,
                    0,
                    {"code": "UPS", "service": "Ground", "carrier_id": self.carrier.id},
                )
            ]
        self.backend.carrier_map_ids = [
            (0, 0, {"code": "UPS", "carrier_id": self.carrier.id})
        ]
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.backend.carrier_map_ids = [
                (0, 0, {"code": "UPS", "carrier_id": self.carrier.id})
            ]

    @mute_logger("odoo.sql_db")
    def test_tolerance_cannot_be_negative(self):
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.backend.stock_tolerance = -1
            self.backend.flush_recordset()

    def test_order_counters(self):
        tote = self.product("TOTE")
        order = self.send(lines=[(tote, 1)])
        self.backend.invalidate_recordset(["order_open_count"])
        self.assertEqual(self.backend.order_open_count, 1)
        self.assertEqual(self.backend.order_attention_count, 0)
        order.remote_state = "cancel_refused"
        self.backend.invalidate_recordset(["order_open_count", "order_attention_count"])
        self.assertEqual(self.backend.order_attention_count, 1)
        action = self.backend.action_open_attention_orders()
        self.assertEqual(self.env["retail.3pl.picking"].search(action["domain"]), order)

    def test_demo_files_publish_no_secret(self):
        demo = Path(file_path("retail_3pl/demo"))
        published = [
            (path.name, node.get("name"))
            for path in sorted(demo.glob("*.xml"))
            for node in etree.parse(str(path)).iter("field")
            if node.get("name") in ("api_token", "signing_secret")
            and (node.text or "").strip()
        ]
        self.assertEqual(published, [])

    def test_demo_secrets_are_made_per_database(self):
        self.backend._demo_generate_secrets()
        token, secret = self.backend.api_token, self.backend.signing_secret
        self.assertGreaterEqual(len(token), 24)
        self.assertGreaterEqual(len(secret), 32)
        self.assertNotIn(token, (TOKEN, SECRET))
        self.assertNotIn(secret, (TOKEN, SECRET))
        self.backend._demo_generate_secrets()
        self.assertNotEqual(self.backend.api_token, token)
        self.assertNotEqual(self.backend.signing_secret, secret)

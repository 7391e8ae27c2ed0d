"""The provider form in a real browser (Odoo tour, run with Chromium)."""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestProviderTour(HttpCase):
    def test_a_provider_is_configured_through_its_form(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Tour Warehouse", "code": "TOURW"}
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.allowed_endpoint_hosts", "3pl.example.test"
        )
        self.start_tour("/odoo", "retail_3pl_provider_tour", login="admin")
        provider = self.env["retail.3pl.provider"].search(
            [("name", "=", "Tour Logistics")]
        )
        self.assertEqual(provider.state, "active")
        self.assertEqual(provider.adapter_type, "generic")
        self.assertEqual(provider.release_policy, "reserved")
        self.assertEqual(provider.warehouse_ids, warehouse)
        self.assertEqual(provider.sudo().api_url, "https://3pl.example.test/v1")
        self.assertEqual(provider.sudo().api_token, "tour-token-123")
        self.assertTrue(provider.sudo().signing_secret)

"""The store form in a real browser (Odoo tour, run with Chromium)."""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestStoreTour(HttpCase):
    def test_a_store_is_configured_through_its_form(self):
        self.env["stock.warehouse"].create({"name": "Tour Warehouse", "code": "TOURW"})
        self.start_tour("/odoo", "retail_pos_store_tour", login="admin")
        store = self.env["retail.pos.store"].search([("code", "=", "TOUR1")])
        self.assertEqual(store.name, "Tour Chiado")
        self.assertEqual(store.state, "active")
        self.assertEqual(store.warehouse_id.code, "TOURW")
        (key,) = store.api_key_ids
        self.assertEqual(key.name, "Till vendor")
        # shown once: the wizard kept no copy of it
        self.assertFalse(
            any(self.env["retail.pos.api.key.wizard"].sudo().search([]).mapped("key"))
        )

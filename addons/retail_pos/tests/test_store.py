from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tools import mute_logger

from .common import STORE_CODE, PosTestCase


class TestStore(PosTestCase):
    def test_the_store_owns_its_point_of_sale(self):
        config = self.store.pos_config_id
        self.assertEqual(config.name, "External POS – Chiado")
        self.assertEqual(config.picking_type_id, self.store.warehouse_id.pos_type_id)
        self.assertEqual(config.company_id, self.store.company_id)
        self.assertEqual(config.payment_method_ids, self.cash_method | self.card_method)
        self.store.name = "Chiado (Lisbon)"
        self.assertEqual(config.name, "External POS – Chiado (Lisbon)")

    def test_a_store_created_with_its_mappings_has_one_point_of_sale(self):
        journal = self.env["account.journal"].create(
            {"name": "Baixa cash", "type": "cash", "code": "BXC"}
        )
        cash = self.env["pos.payment.method"].create(
            {"name": "Baixa cash", "journal_id": journal.id}
        )
        Config = self.env["pos.config"]
        configs = Config.search_count([])
        store = self.env["retail.pos.store"].create(
            {
                "name": "Baixa",
                "code": "STORE2",
                "warehouse_id": self.store.warehouse_id.id,
                "payment_mapping_ids": [
                    (0, 0, {"code": "CASH", "payment_method_id": cash.id})
                ],
            }
        )
        self.assertEqual(Config.search_count([]), configs + 1)
        self.assertEqual(store.pos_config_id.payment_method_ids, cash)

    def test_payment_methods_follow_the_mapping(self):
        mapping = self.store.payment_mapping_ids.filtered(lambda r: r.code == "CARD")
        mapping.unlink()
        self.assertEqual(self.store.pos_config_id.payment_method_ids, self.cash_method)

    def test_code_is_unique_per_company_and_path_safe(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._setup_backend(self.env, name="Other")
        with self.assertRaises(ValidationError):
            self._setup_backend(self.env, name="Other", code="bad code/")
        other_company = self.env["res.company"].create({"name": "Other retail"})
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", other_company.id)], limit=1
        )
        store = self.env["retail.pos.store"].create(
            {
                "name": "Other",
                "code": STORE_CODE,
                "company_id": other_company.id,
                "warehouse_id": warehouse.id,
            }
        )
        self.assertEqual(store.pos_config_id.company_id, other_company)

    def test_cash_rounding_needs_a_method(self):
        with self.assertRaises(ValidationError):
            self.store.cash_rounding = True

    def test_tax_mapping_needs_a_tax_included_in_the_price(self):
        excluded = self.env["account.tax"].create(
            {
                "name": "VAT 6 excl",
                "amount": 6,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        with self.assertRaises(ValidationError):
            self.env["retail.pos.tax.mapping"].create(
                {"store_id": self.store.id, "title": "VAT6", "tax_id": excluded.id}
            )
        row = self.store.tax_mapping_ids
        self.assertAlmostEqual(row.rate, 0.2)

    def test_dashboard_card(self):
        card = self.store.retail_card_id
        self.assertTrue(card)
        self.assertEqual(
            (card.res_model, card.res_id), ("retail.pos.store", self.store.id)
        )

    def test_smart_buttons(self):
        for action in (
            self.store.action_open_sessions(),
            self.store.action_open_orders(),
            self.store.action_open_exceptions(),
        ):
            self.assertEqual(action["type"], "ir.actions.act_window")
            self.env[action["res_model"]].search(action["domain"])

    def test_users_read_stores_but_not_secrets(self):
        store = self.store.with_user(self.user)
        self.assertEqual(store.code, STORE_CODE)
        with self.assertRaises(AccessError):
            store.write({"code": "X"})
        with self.assertRaises(AccessError):
            _secret = store.signing_secret
        with self.assertRaises(AccessError):
            self.env["retail.pos.api.key"].with_user(self.user).search([])

    def test_other_companies_stores_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Elsewhere"})
        self.manager.write(
            {"company_ids": [(4, other_company.id)], "company_id": other_company.id}
        )
        stores = (
            self.env["retail.pos.store"]
            .with_user(self.manager)
            .with_context(allowed_company_ids=other_company.ids)
            .search([])
        )
        self.assertNotIn(self.store, stores)

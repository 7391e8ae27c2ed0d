from decimal import Decimal

import psycopg2

from odoo.tests import TransactionCase
from odoo.tools import mute_logger

from odoo.addons.retail_connector_base.services import errors

from .common import ShopifyTestMixin


class TestTaxMapping(ShopifyTestMixin, TransactionCase):
    """shopify.tax.mapping on the base's retail.tax.mapping.mixin."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shopify()
        cls.setup_catalog()
        cls.Mapping = cls.env["shopify.tax.mapping"]

    def find(self, title, rate, included=False, rows=None):
        rows = self.backend.tax_mapping_ids if rows is None else rows
        return rows._retail_find_tax(
            self.backend,
            title,
            rate,
            included,
            subject="Shopify order #1042",
            what="Organic tee",
            details={"remote_ref": "gid://shopify/Order/1"},
        )

    def tax(self, name, amount, included=False):
        return self.env["account.tax"].create(
            {
                "name": name,
                "amount": amount,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included"
                if included
                else "tax_excluded",
            }
        )

    def test_mapping_by_title_and_rate(self):
        self.assertEqual(self.find("New York City Tax", Decimal("0.045")), self.ny_city)
        self.assertEqual(self.find("New York City Tax", "0.045"), self.ny_city)
        self.assertEqual(self.find("New York City Tax", 0.045, True), self.ny_city)
        mapping = self.backend.tax_mapping_ids.filtered(
            lambda m: m.title == "New York City Tax"
        )
        self.assertFalse(mapping.price_include)
        self.assertEqual(mapping.company_id, self.backend.company_id)

    def test_mapping_for_one_price_inclusion_only(self):
        mapping = self.backend.tax_mapping_ids.filtered(
            lambda m: m.title == "NY State Tax"
        )
        mapping.price_include = "included"
        self.tax("Another 4%", 4.0)
        with self.assertRaises(errors.MappingError) as caught:
            self.find("NY State Tax", "0.04", included=False)
        self.assertIn("several Odoo taxes have this rate", caught.exception.message)
        self.assertEqual(
            self.find("NY State Tax", "0.04", included=True), self.ny_state
        )

    def test_row_for_the_same_price_inclusion_wins(self):
        other = self.env["shopify.backend"].create(
            {"name": "Other store", "shop_domain": "other-store.myshopify.com"}
        )
        included = self.tax("NY State Tax 4% included", 4.0, included=True)
        self.Mapping.create(
            {
                "backend_id": other.id,
                "title": "NY State Tax",
                "rate": 0.04,
                "price_include": "included",
                "tax_id": included.id,
            }
        )
        rows = self.Mapping.search([("title", "=", "NY State Tax")])
        self.assertEqual(len(rows), 2)
        self.assertEqual(self.find("NY State Tax", "0.04", True, rows), included)
        self.assertEqual(self.find("NY State Tax", "0.04", False, rows), self.ny_state)

    def test_without_mapping_the_one_tax_of_that_rate(self):
        self.assertEqual(self.find("Unmapped", "0.045"), self.ny_city)
        # the inclusion must match too
        with self.assertRaises(errors.MappingError):
            self.find("Unmapped", "0.045", included=True)
        included = self.tax("City 4.5% included", 4.5, included=True)
        self.assertEqual(self.find("Unmapped", "0.045", included=True), included)
        # taxes of another company are not candidates
        other_company = self.env["res.company"].create(
            {"name": "Other shop", "country_id": self.env.ref("base.us").id}
        )
        group = self.env["account.tax.group"].create(
            {"name": "Taxes elsewhere", "company_id": other_company.id}
        )
        self.env["account.tax"].create(
            {
                "name": "City 4.5% elsewhere",
                "tax_group_id": group.id,
                "country_id": self.env.ref("base.us").id,
                "amount": 4.5,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": other_company.id,
            }
        )
        self.assertEqual(self.find("Unmapped", "0.045"), self.ny_city)

    def test_error_names_the_tax_and_the_fix(self):
        with self.assertRaises(errors.MappingError) as caught:
            self.find("Tourism Levy", Decimal("0.0725"))
        exc = caught.exception
        self.assertEqual(
            exc.message,
            "Shopify order #1042: the tax 'Tourism Levy' (7.25%, added to prices) "
            "on Organic tee has no Odoo tax.",
        )
        self.assertEqual(
            exc.hint,
            "Add 'Tourism Levy' at 7.25% to the tax mapping of Test store, then "
            "press Retry.",
        )
        self.assertEqual(exc.details, {"remote_ref": "gid://shopify/Order/1"})
        self.assertEqual(exc.category, "mapping")
        with self.assertRaises(errors.MappingError) as caught:
            self.find("Tourism Levy", "0.0725", included=True, rows=self.Mapping)
        self.assertIn("7.25%, included in prices", caught.exception.message)

    def test_one_mapping_per_title_and_rate(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            self.Mapping.create(
                {
                    "backend_id": self.backend.id,
                    "title": "NY State Tax",
                    "rate": 0.04,
                    "tax_id": self.ny_city.id,
                }
            )

import unittest

from odoo.addons.retail_connector_base.services import errors, wait_keys


class TestWaitKeys(unittest.TestCase):
    def test_keys_join_kind_and_parts(self):
        self.assertEqual(
            wait_keys.make("order", "gid://shopify/Order/1"),
            "order:gid://shopify/Order/1",
        )
        self.assertEqual(
            wait_keys.make("session", "STORE1", "2026-12-01"),
            "session:STORE1:2026-12-01",
        )
        self.assertEqual(wait_keys.make("product", "sku", " TOTE "), "product:sku:TOTE")

    def test_an_empty_part_makes_no_key(self):
        for parts in ((None,), ("",), ("  ",), ("a", None), ()):
            with self.subTest(parts=parts):
                self.assertIsNone(wait_keys.make("order", *parts))
        self.assertIsNone(wait_keys.make("", "x"))

    def test_product_keys(self):
        self.assertEqual(
            wait_keys.product_keys(sku="TOTE", barcode="400"),
            ["product:sku:TOTE", "product:barcode:400"],
        )
        self.assertEqual(wait_keys.product_keys(barcode="400"), ["product:barcode:400"])
        self.assertEqual(wait_keys.product_keys(), [])

    def test_long_keys_are_cut(self):
        key = wait_keys.make("product", "sku", "X" * 400)
        self.assertEqual(len(key), wait_keys.MAX_LENGTH)


class TestErrorsWaitFor(unittest.TestCase):
    def test_waits_for_keeps_keys_once_in_order(self):
        exc = errors.MappingError("held", waits_for=["b", None, "a", "b", ""])
        self.assertEqual(exc.waits_for, ("b", "a"))
        self.assertEqual(errors.MappingError("not held").waits_for, ())


class TestDescribe(unittest.TestCase):
    def test_known_kinds_in_words(self):
        self.assertEqual(
            wait_keys.describe("product:sku:TOTE"),
            "a product with Internal Reference TOTE",
        )
        self.assertEqual(
            wait_keys.describe("product:barcode:400"), "a product with barcode 400"
        )
        self.assertEqual(
            wait_keys.describe("order:gid://shopify/Order/1"),
            "the order gid://shopify/Order/1",
        )
        self.assertEqual(
            wait_keys.describe("session:S1:2026-12-01"), "session:S1:2026-12-01"
        )

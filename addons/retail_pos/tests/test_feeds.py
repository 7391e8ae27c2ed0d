"""The catalog and stock feeds: full read, deltas after changes (price,
pricelist, tax mapping, archive, SKU), pagination while products change
between pages, limits and cursors, and the stock levels from the stock
marks."""

import unittest

from ..services import feeds
from .common import PosTestCase


class TestFeedParameters(unittest.TestCase):
    def test_a_cursor_reads_back(self):
        cursor = feeds.encode_cursor("catalog", 741, 12)
        self.assertEqual(feeds.decode_cursor("catalog", cursor), (741, 12))
        self.assertEqual(feeds.decode_cursor("catalog", None), (0, 0))
        self.assertEqual(feeds.decode_cursor("catalog", ""), (0, 0))

    def test_bad_cursors_are_refused(self):
        stock = feeds.encode_cursor("stock", 1, 2)
        for cursor in ("nope", "Y2F0YWxvZzox", "%%%", stock, "A" * 300, "=="):
            with self.subTest(cursor=cursor), self.assertRaises(feeds.FeedError) as err:
                feeds.decode_cursor("catalog", cursor)
            self.assertEqual(err.exception.field, "cursor")

    def test_limits(self):
        self.assertEqual(feeds.parse_limit(None), feeds.DEFAULT_LIMIT)
        self.assertEqual(feeds.parse_limit("1"), 1)
        self.assertEqual(feeds.parse_limit(str(feeds.MAX_LIMIT)), feeds.MAX_LIMIT)
        for value in ("0", str(feeds.MAX_LIMIT + 1), "-1", "ten", "1.5", 0):
            with self.subTest(value=value), self.assertRaises(feeds.FeedError) as err:
                feeds.parse_limit(value)
            self.assertEqual(err.exception.field, "limit")

    def test_a_page(self):
        rows = [(5, 1, 10), (5, 2, 11), (6, 3, 12)]
        shown, cursor, more = feeds.page("stock", rows, 2, (0, 0))
        self.assertEqual(shown, rows[:2])
        self.assertEqual(feeds.decode_cursor("stock", cursor), (5, 2))
        self.assertTrue(more)
        shown, cursor, more = feeds.page("stock", [], 2, (5, 2))
        self.assertEqual(
            (shown, feeds.decode_cursor("stock", cursor), more), ([], (5, 2), False)
        )


class TestCatalogFeed(PosTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mug = cls.make_product("MUG-WHT", "Mug white", price=8.0)

    def read_all(self, cursor=None, limit=1000, store=None):
        """Every page from ``cursor``: (items, the cursor after them)."""
        store = store or self.store
        items = []
        while True:
            page = store._retail_pos_catalog_page(cursor, limit)
            items += page["items"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return items, cursor

    def by_sku(self, items):
        return {item["sku"]: item for item in items}

    def test_the_full_catalog(self):
        items, _cursor = self.read_all()
        catalog = self.by_sku(items)
        self.assertEqual(
            catalog["TOTE-BLK"],
            {
                "sku": "TOTE-BLK",
                "barcode": "4006381333931",
                "name": "Tote bag black",
                "price": "12.50",
                "tax_code": "VAT20",
                "active": True,
            },
        )
        self.assertEqual(catalog["MUG-WHT"]["price"], "8.00")
        self.assertIsNone(catalog["MUG-WHT"]["barcode"])
        self.assertEqual(len(items), len(catalog), "each item once")

    def test_only_what_the_store_sells(self):
        Product = self.env["product.product"]
        Product.create({"name": "Not in the POS", "default_code": "NOT-POS"})
        Product.create({"name": "No SKU", "available_in_pos": True})
        items, cursor = self.read_all()
        self.assertNotIn("NOT-POS", self.by_sku(items))
        self.assertNotIn("No SKU", [item["name"] for item in items])
        # sold, then no more: it comes once inactive
        self.mug.available_in_pos = False
        items, _cursor = self.read_all(cursor)
        self.assertEqual([(i["sku"], i["active"]) for i in items], [("MUG-WHT", False)])

    def test_nothing_new_is_an_empty_page_at_the_same_cursor(self):
        _items, cursor = self.read_all()
        page = self.store._retail_pos_catalog_page(cursor)
        self.assertEqual(page, {"items": [], "next_cursor": cursor, "has_more": False})

    def test_a_price_change_is_in_the_next_page(self):
        _items, cursor = self.read_all()
        self.product.lst_price = 14.0
        page = self.store._retail_pos_catalog_page(cursor)
        self.assertEqual([item["sku"] for item in page["items"]], ["TOTE-BLK"])
        self.assertEqual(page["items"][0]["price"], "14.00")
        self.assertEqual(
            self.store._retail_pos_catalog_page(page["next_cursor"])["items"], []
        )

    def test_the_store_pricelist_gives_the_price(self):
        pricelist = self.env["product.pricelist"].create(
            {"name": "Chiado", "currency_id": self.store.currency_id.id}
        )
        _items, cursor = self.read_all()
        self.store.pricelist_id = pricelist
        items, cursor = self.read_all(cursor)
        self.assertIn("TOTE-BLK", self.by_sku(items))
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": self.product.id,
                "compute_price": "fixed",
                "fixed_price": 10.0,
            }
        )
        items, cursor = self.read_all(cursor)
        self.assertEqual(self.by_sku(items)["TOTE-BLK"]["price"], "10.00")
        self.assertEqual(self.by_sku(items)["MUG-WHT"]["price"], "8.00")

    def test_a_tax_mapping_change_gives_the_new_code(self):
        _items, cursor = self.read_all()
        self.store.tax_mapping_ids.title = "V20"
        items, _cursor = self.read_all(cursor)
        self.assertEqual(self.by_sku(items)["TOTE-BLK"]["tax_code"], "V20")
        self.store.tax_mapping_ids.unlink()
        items, _cursor = self.read_all(_cursor)
        self.assertIsNone(self.by_sku(items)["TOTE-BLK"]["tax_code"])

    def test_an_archived_product_appears_once_inactive(self):
        _items, cursor = self.read_all()
        self.mug.action_archive()
        page = self.store._retail_pos_catalog_page(cursor)
        self.assertEqual(
            [(item["sku"], item["active"]) for item in page["items"]],
            [("MUG-WHT", False)],
        )
        self.assertEqual(
            self.store._retail_pos_catalog_page(page["next_cursor"])["items"], []
        )
        self.mug.action_unarchive()
        page = self.store._retail_pos_catalog_page(page["next_cursor"])
        self.assertEqual(
            [(item["sku"], item["active"]) for item in page["items"]],
            [("MUG-WHT", True)],
        )

    def test_a_new_sku_retires_the_old_one(self):
        _items, cursor = self.read_all()
        self.mug.default_code = "MUG-WHITE"
        items, _cursor = self.read_all(cursor)
        self.assertEqual(
            sorted((item["sku"], item["active"]) for item in items),
            [("MUG-WHITE", True), ("MUG-WHT", False)],
        )

    def test_pagination_is_stable_while_products_change(self):
        products = [self.make_product(f"P-{n:02}", f"P {n}") for n in range(6)]
        first = self.store._retail_pos_catalog_page(None, 3)
        self.assertTrue(first["has_more"])
        seen = [item["sku"] for item in first["items"]]
        # between pages: one read product and one not read yet change, one
        # product is added, one is archived
        read_sku = next(sku for sku in seen if sku.startswith("P-"))
        read = next(p for p in products if p.default_code == read_sku)
        unread = next(p for p in reversed(products) if p.default_code not in seen)
        read.lst_price = 20.0
        unread.lst_price = 21.0
        self.make_product("P-NEW", "P new")
        products[-1].action_archive()
        items, _cursor = self.read_all(first["next_cursor"], limit=3)
        later = [item["sku"] for item in items]
        everything = set(self.by_sku(first["items"])) | set(later)
        expected = {p.default_code for p in products} | {"P-NEW", "TOTE-BLK", "MUG-WHT"}
        self.assertLessEqual(expected, everything, "nothing is lost")
        self.assertEqual(len(later), len(set(later)), "once per page run")
        last = self.by_sku(items)
        self.assertEqual(last[read_sku]["price"], "20.00", "a read item comes again")
        self.assertEqual(last[unread.default_code]["price"], "21.00")
        self.assertFalse(last[products[-1].default_code]["active"])
        self.assertEqual(later.count(unread.default_code), 1)

    def test_limits_and_cursors(self):
        with self.assertRaises(feeds.FeedError):
            self.store._retail_pos_catalog_page(None, feeds.MAX_LIMIT + 1)
        with self.assertRaises(feeds.FeedError):
            self.store._retail_pos_catalog_page("garbage")
        with self.assertRaises(feeds.FeedError):
            stock = self.store._retail_pos_stock_page()["next_cursor"]
            self.store._retail_pos_catalog_page(stock)
        page = self.store._retail_pos_catalog_page(None, 1)
        self.assertEqual(len(page["items"]), 1)
        self.assertTrue(page["has_more"])

    def test_stores_have_their_own_catalog(self):
        other = self.env["retail.pos.store"].create(
            {
                "name": "Baixa",
                "code": "STORE2",
                "warehouse_id": self.store.warehouse_id.id,
            }
        )
        items, _cursor = self.read_all(store=other)
        catalog = self.by_sku(items)
        self.assertIsNone(catalog["TOTE-BLK"]["tax_code"], "no mapping in STORE2")
        _items, cursor = self.read_all()
        self.store.tax_mapping_ids.title = "V20"
        self.assertTrue(self.read_all(cursor)[0])
        _items, other_cursor = self.read_all(store=other)
        self.mug.lst_price = 9.0
        self.assertEqual(
            [item["sku"] for item in self.read_all(other_cursor, store=other)[0]],
            ["MUG-WHT"],
        )


class TestStockFeed(PosTestCase):
    def read_all(self, cursor=None):
        items = []
        while True:
            page = self.store._retail_pos_stock_page(cursor, 1000)
            items += page["items"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return {item["sku"]: item for item in items}, cursor

    def publish(self):
        self.store._retail_export_inventory()

    def set_quantity(self, product, quantity):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": self.stock_location.id,
                "inventory_quantity": quantity,
            }
        ).action_apply_inventory()

    def test_stock_moves_mark_the_levels_and_the_export_publishes_them(self):
        self.set_quantity(self.product, 40)
        Mark = self.env["retail.stock.mark"]
        level = self.env["retail.pos.stock.level"].search(
            [("backend_id", "=", self.store.id)]
        )
        self.assertEqual(level.binding_id.odoo_id, self.product)
        self.assertTrue(Mark.search([("level_model", "=", level._name)]))
        self.assertEqual(self.read_all()[0], {}, "not computed yet")
        self.publish()
        self.assertFalse(Mark.search([("level_model", "=", level._name)]))
        stock, cursor = self.read_all()
        self.assertEqual(
            stock["TOTE-BLK"],
            {"sku": "TOTE-BLK", "barcode": "4006381333931", "quantity": "40"},
        )
        # a sale through a ticket: the next page has the new quantity
        self.import_tickets(self.ticket())
        self.publish()
        stock, cursor = self.read_all(cursor)
        self.assertEqual(stock["TOTE-BLK"]["quantity"], "38")
        self.assertEqual(self.read_all(cursor)[0], {}, "each change once")

    def test_an_unchanged_quantity_is_not_published_again(self):
        self.set_quantity(self.product, 40)
        self.publish()
        _stock, cursor = self.read_all()
        level = self.env["retail.pos.stock.level"].search(
            [("backend_id", "=", self.store.id)]
        )
        level._retail_mark_to_send()
        self.publish()
        self.assertEqual(self.read_all(cursor)[0], {})

    def test_a_new_store_publishes_the_stock_of_its_catalog(self):
        self.set_quantity(self.product, 40)
        other = self.env["retail.pos.store"].create(
            {
                "name": "Baixa",
                "code": "STORE2",
                "state": "active",
                "warehouse_id": self.store.warehouse_id.id,
            }
        )
        other._retail_export_inventory()
        page = other._retail_pos_stock_page()
        self.assertIn(
            {"sku": "TOTE-BLK", "barcode": "4006381333931", "quantity": "40"},
            page["items"],
        )

"""The catalog and stock feeds over HTTP: the key of the store in the path
only, bad parameters answered 400, answers that match the OpenAPI
document's models."""

from odoo.tests import tagged

from ..services import openapi, schemas
from .common import PosHttpCase

CATALOG = "/retail/pos/v1/stores/{code}/catalog"
STOCK = "/retail/pos/v1/stores/{code}/stock"


@tagged("post_install", "-at_install")
class TestFeedsApi(PosHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["retail.pos.store"].create(
            {
                "name": "Baixa",
                "code": "STORE2",
                "state": "active",
                "warehouse_id": cls.store.warehouse_id.id,
            }
        )
        cls.other_key = cls.other._retail_pos_new_key(name="Tills")[1]
        cls.make_product("MUG-WHT", "Mug white", price=8.0)

    def get(self, path, *, key=None, code=None, **params):
        headers = {}
        if key is not False:
            headers["Authorization"] = f"Bearer {self.key if key is None else key}"
        query = "&".join(f"{name}={value}" for name, value in params.items())
        url = path.format(code=code or self.store.code) + (f"?{query}" if query else "")
        return self.url_open(url, headers=headers)

    def test_the_catalog_pages(self):
        response = self.get(CATALOG, limit=1)
        self.assertEqual(response.status_code, 200, response.text)
        page = schemas.CatalogPage.model_validate(response.json())
        self.assertEqual(len(page.items), 1)
        self.assertTrue(page.has_more)
        skus = [page.items[0].sku]
        while page.has_more:
            page = schemas.CatalogPage.model_validate(
                self.get(CATALOG, cursor=page.next_cursor, limit=1).json()
            )
            skus += [item.sku for item in page.items]
        self.assertIn("TOTE-BLK", skus)
        self.assertEqual(len(skus), len(set(skus)))
        # a price change after the last cursor: in the next page
        self.product.lst_price = 13.0
        self.env.flush_all()
        page = schemas.CatalogPage.model_validate(
            self.get(CATALOG, cursor=page.next_cursor).json()
        )
        self.assertEqual(
            [(i.sku, i.price) for i in page.items], [("TOTE-BLK", "13.00")]
        )

    def test_a_read_feed_stamps_the_store_once_a_minute(self):
        self.assertFalse(self.store.feed_read_at)
        self.assertEqual(self.get(CATALOG).status_code, 200)
        self.store.invalidate_recordset(["feed_read_at"])
        stamped = self.store.feed_read_at
        self.assertTrue(stamped)
        self.assertFalse(self.other.feed_read_at)
        # within the minute: not written again
        with self.assertQueryCount(0):
            self.store._retail_pos_feed_read()
        self.assertEqual(self.get(STOCK).status_code, 200)
        self.store.invalidate_recordset(["feed_read_at"])
        self.assertEqual(self.store.feed_read_at, stamped)
        # a refused read stamps nothing
        self.assertEqual(self.get(CATALOG, key="wrong", code="STORE2").status_code, 401)
        self.assertFalse(self.other.feed_read_at)
        flows = {flow[0]: flow for flow in self.store._retail_freshness_sources()}
        self.assertEqual(flows["feed_read"][2], stamped)

    def test_the_stock_feed(self):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.product.id,
                "location_id": self.stock_location.id,
                "inventory_quantity": 7,
            }
        ).action_apply_inventory()
        self.store._retail_export_inventory()
        self.env.flush_all()
        response = self.get(STOCK)
        self.assertEqual(response.status_code, 200, response.text)
        page = schemas.StockPage.model_validate(response.json())
        self.assertIn(
            schemas.StockItem(sku="TOTE-BLK", barcode="4006381333931", quantity="7"),
            page.items,
        )

    def test_a_key_reads_its_own_store_only(self):
        for path in (CATALOG, STOCK):
            with self.subTest(path=path):
                self.assertEqual(self.get(path, code="STORE2").status_code, 401)
                self.assertEqual(self.get(path, key=False).status_code, 401)
                self.assertEqual(self.get(path, key="wrong").status_code, 401)
                self.assertEqual(self.get(path, code="NOPE").status_code, 401)
                response = self.get(path, code="STORE2", key=self.other_key)
                self.assertEqual(response.status_code, 200, response.text)

    def test_bad_parameters_are_400(self):
        stock_cursor = self.get(STOCK).json()["next_cursor"]
        for params, field in (
            ({"limit": 1001}, "limit"),
            ({"limit": 0}, "limit"),
            ({"limit": "x"}, "limit"),
            ({"cursor": "garbage"}, "cursor"),
            ({"cursor": stock_cursor}, "cursor"),
        ):
            with self.subTest(params=params):
                response = self.get(CATALOG, **params)
                self.assertEqual(response.status_code, 400, response.text)
                answer = schemas.ErrorAnswer.model_validate(response.json())
                self.assertEqual(answer.errors[0].field, field)

    def test_the_document_describes_the_feeds(self):
        document = openapi.document()
        for path, page in (("catalog", "CatalogPage"), ("stock", "StockPage")):
            operation = document["paths"][f"/stores/{{store_code}}/{path}"]["get"]
            self.assertEqual(
                operation["responses"]["200"]["content"]["application/json"],
                {"schema": {"$ref": f"#/components/schemas/{page}"}},
            )
            names = [p["name"] for p in operation["parameters"]]
            self.assertEqual(names, ["store_code", "cursor", "limit"])
        served = self.url_open("/retail/pos/v1/openapi.json").json()
        self.assertIn("/stores/{store_code}/catalog", served["paths"])
        self.assertIn("CatalogItem", served["components"]["schemas"])

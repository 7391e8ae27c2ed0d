import dataclasses
import datetime
import unittest
from decimal import Decimal

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_shopify.services import product_mapper as pm

PRODUCT_GID = "gid://shopify/Product/1001"
SAND_GID = "gid://shopify/ProductVariant/2001"
NAVY_GID = "gid://shopify/ProductVariant/2002"


def single():
    return pm.Product(
        key=7,
        label="Canvas tote",
        title="Canvas tote",
        description_html=pm.description_html("Sturdy & washable."),
        status="ACTIVE",
        variants=(
            pm.Variant(
                key=70,
                label="[TOTE] Canvas tote",
                sku="TOTE",
                barcode="0012345000017",
                price=Decimal("18.50"),
                tracked=True,
            ),
        ),
    )


def apron():
    return pm.Product(
        key=8,
        label="Linen apron",
        title="Linen apron",
        status="ACTIVE",
        options=(("Color", ("Sand", "Navy")), ("Size", ("M",))),
        variants=(
            pm.Variant(
                key=80,
                label="Linen apron (Sand, M)",
                sku="APRON-SND",
                price=Decimal("39.00"),
                options=("Sand", "M"),
            ),
            pm.Variant(
                key=81,
                label="Linen apron (Navy, M)",
                sku="APRON-NVY",
                price=Decimal("42.00"),
                options=("Navy", "M"),
            ),
        ),
    )


def webhook_payload(**changes):
    payload = {
        "id": 1001,
        "admin_graphql_api_id": PRODUCT_GID,
        "title": "Linen apron",
        "handle": "linen-apron-8",
        "status": "active",
        "updated_at": "2026-05-04T10:00:00-04:00",
        "body_html": "",
        "tags": "",
        "variants": [
            {
                "id": 2001,
                "admin_graphql_api_id": SAND_GID,
                "title": "Sand / M",
                "sku": "APRON-SND",
                "barcode": None,
                "price": "39.00",
                "position": 1,
                "inventory_item_id": 3001,
            },
            {
                "id": 2002,
                "admin_graphql_api_id": NAVY_GID,
                "title": "Navy / M",
                "sku": "APRON-NVY",
                "barcode": "",
                "price": "42.00",
                "position": 2,
                "inventory_item_id": 3002,
            },
        ],
    }
    payload.update(changes)
    return payload


class TestProductSetInput(unittest.TestCase):
    def test_single_variant_uses_shopifys_default_option(self):
        data = pm.product_set_input(single())
        self.assertEqual(data["title"], "Canvas tote")
        self.assertEqual(data["descriptionHtml"], "<p>Sturdy &amp; washable.</p>")
        self.assertEqual(data["status"], "ACTIVE")
        self.assertEqual(
            data["productOptions"],
            [{"name": "Title", "values": [{"name": "Default Title"}]}],
        )
        self.assertEqual(
            data["variants"],
            [
                {
                    "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                    "position": 1,
                    "sku": "TOTE",
                    "barcode": "0012345000017",
                    "price": "18.50",
                    "inventoryItem": {"tracked": True, "requiresShipping": True},
                }
            ],
        )
        self.assertNotIn("handle", data)

    def test_attributes_become_options(self):
        data = pm.product_set_input(apron())
        self.assertEqual(
            data["productOptions"],
            [
                {"name": "Color", "values": [{"name": "Sand"}, {"name": "Navy"}]},
                {"name": "Size", "values": [{"name": "M"}]},
            ],
        )
        navy = data["variants"][1]
        self.assertEqual(
            navy["optionValues"],
            [
                {"optionName": "Color", "name": "Navy"},
                {"optionName": "Size", "name": "M"},
            ],
        )
        self.assertEqual(
            (navy["sku"], navy["price"], navy["position"]), ("APRON-NVY", "42.00", 2)
        )
        self.assertIsNone(navy["barcode"])

    def test_new_product_is_an_upsert_by_handle(self):
        variables = pm.product_set_variables(apron(), handle="linen-apron-8")
        self.assertEqual(variables["identifier"], {"handle": "linen-apron-8"})
        self.assertEqual(variables["input"]["handle"], "linen-apron-8")
        self.assertNotIn("id", variables["input"]["variants"][0])
        with self.assertRaises(ValueError):
            pm.product_set_variables(apron())

    def test_published_product_is_updated_by_id_with_its_variants(self):
        variables = pm.product_set_variables(
            apron(),
            product_gid=PRODUCT_GID,
            variant_ids={80: SAND_GID},
            handle="ignored-for-updates",
        )
        self.assertEqual(variables["identifier"], {"id": PRODUCT_GID})
        self.assertNotIn("handle", variables["input"])
        self.assertEqual(variables["input"]["variants"][0]["id"], SAND_GID)
        self.assertNotIn("id", variables["input"]["variants"][1])

    def test_archived_product_leaves_its_variants_alone(self):
        archived = dataclasses.replace(apron(), status="ARCHIVED", variants=())
        data = pm.product_set_input(archived)
        self.assertEqual(data["status"], "ARCHIVED")
        self.assertNotIn("variants", data)
        self.assertNotIn("productOptions", data)

    def test_status_rule(self):
        self.assertEqual(
            pm.product_status(active=True, sale_ok=True, published=True), "ACTIVE"
        )
        self.assertEqual(
            pm.product_status(active=True, sale_ok=False, published=True), "DRAFT"
        )
        self.assertEqual(
            pm.product_status(active=False, sale_ok=True, published=True), "ARCHIVED"
        )
        self.assertEqual(
            pm.product_status(active=True, sale_ok=True, published=False), "ARCHIVED"
        )

    def test_description_is_escaped_html_paragraphs(self):
        self.assertEqual(pm.description_html(None), "")
        self.assertEqual(pm.description_html("  \n "), "")
        self.assertEqual(
            pm.description_html("Line <1>\nline 2\n\nSecond"),
            "<p>Line &lt;1&gt;<br>line 2</p><p>Second</p>",
        )

    def test_handle_is_a_slug_with_the_key(self):
        self.assertEqual(pm.handle_for("Crème brûlée set!", 42), "creme-brulee-set-42")
        self.assertEqual(pm.handle_for("???", 5), "product-5")
        self.assertLessEqual(len(pm.handle_for("x" * 500, 123456)), pm.HANDLE_MAX)


class TestContentHash(unittest.TestCase):
    def test_same_content_same_hash(self):
        self.assertEqual(pm.content_hash(apron()), pm.content_hash(apron()))
        self.assertEqual(len(pm.content_hash(apron())), 64)

    def test_a_price_change_changes_the_hash(self):
        product = apron()
        cheaper = dataclasses.replace(
            product,
            variants=(
                dataclasses.replace(product.variants[0], price=Decimal("35.00")),
                product.variants[1],
            ),
        )
        self.assertNotEqual(pm.content_hash(product), pm.content_hash(cheaper))

    def test_labels_and_keys_do_not_count(self):
        product = apron()
        renamed = dataclasses.replace(product, key=99, label="Other label")
        self.assertEqual(pm.content_hash(product), pm.content_hash(renamed))


class TestCheckProduct(unittest.TestCase):
    def assertRefused(self, product, field, text):
        with self.assertRaises(errors.MappingError) as caught:
            pm.product_set_input(product)
        self.assertEqual(caught.exception.details["field"], field)
        self.assertIn(product.label, str(caught.exception))
        self.assertIn(text, str(caught.exception))
        self.assertTrue(caught.exception.hint)

    def test_more_than_three_options(self):
        product = apron()
        options = (
            ("Color", ("Sand", "Navy")),
            ("Size", ("M",)),
            ("Fabric", ("Linen",)),
            ("Fit", ("Loose",)),
        )
        variants = tuple(
            dataclasses.replace(v, options=(*v.options, "Linen", "Loose"))
            for v in product.variants
        )
        self.assertRefused(
            dataclasses.replace(product, options=options, variants=variants),
            "productOptions",
            "Shopify accepts 3",
        )

    def test_two_variants_with_the_same_values(self):
        product = apron()
        twin = dataclasses.replace(product.variants[1], options=("Sand", "M"))
        self.assertRefused(
            dataclasses.replace(product, variants=(product.variants[0], twin)),
            "optionValues",
            "Sand / M",
        )

    def test_duplicate_option_names(self):
        product = apron()
        options = (("Color", ("Sand", "Navy")), ("color", ("M",)))
        self.assertRefused(
            dataclasses.replace(product, options=options), "productOptions", "distinct"
        )

    def test_no_active_variant(self):
        self.assertRefused(
            dataclasses.replace(single(), variants=()), "variants", "no active variant"
        )


class TestAnswer(unittest.TestCase):
    def test_variants_are_paired_in_the_order_sent(self):
        node = {"variants": {"nodes": [{"id": SAND_GID}, {"id": NAVY_GID}]}}
        pairs = pm.answer_variants(apron(), node)
        self.assertEqual(
            [(v.key, n["id"]) for v, n in pairs], [(80, SAND_GID), (81, NAVY_GID)]
        )

    def test_an_incomplete_answer_is_refused(self):
        node = {"variants": {"nodes": [{"id": SAND_GID}]}}
        with self.assertRaises(errors.RemoteRejectedError):
            pm.answer_variants(apron(), node)


class TestUserErrors(unittest.TestCase):
    def test_variant_field_is_named_in_odoo_terms(self):
        message, hint, field = pm.explain_user_errors(
            apron(),
            [
                {
                    "field": ["input", "variants", "1", "price"],
                    "message": "Price is invalid.",
                    "code": "INVALID_VARIANT",
                }
            ],
        )
        self.assertEqual(field, "price")
        self.assertIn("Linen apron", message)
        self.assertIn("sales price of variant Linen apron (Navy, M)", message)
        self.assertIn("[INVALID_VARIANT]", message)
        self.assertIn("sales price", hint)

    def test_product_field_and_unknown_field(self):
        message, hint, field = pm.explain_user_errors(
            apron(),
            [
                {"field": ["title"], "message": "Title can't be blank"},
                {"field": None, "message": "Something else"},
            ],
        )
        self.assertEqual(field, "title")
        self.assertIn("product name of Linen apron: Title can't be blank", message)
        self.assertIn("Something else", message)
        self.assertIn("name", hint)

    def test_missing_product(self):
        self.assertTrue(
            pm.is_missing_product(
                [{"field": ["identifier", "id"], "code": "PRODUCT_DOES_NOT_EXIST"}]
            )
        )
        self.assertFalse(pm.is_missing_product([{"code": "INVALID_VARIANT"}]))


class TestWebhook(unittest.TestCase):
    def test_products_update_payload(self):
        remote = pm.product_from_webhook(webhook_payload())
        self.assertEqual(remote.gid, PRODUCT_GID)
        self.assertEqual(remote.status, "ACTIVE")
        self.assertEqual(remote.updated_at, datetime.datetime(2026, 5, 4, 14, 0))
        self.assertEqual([v.gid for v in remote.variants], [SAND_GID, NAVY_GID])
        navy = remote.variants[1]
        self.assertIsNone(navy.barcode)  # empty text is no barcode
        self.assertEqual(navy.price, Decimal("42.00"))
        self.assertEqual(navy.inventory_item_gid, "gid://shopify/InventoryItem/3002")

    def test_gids_are_built_from_numeric_ids(self):
        payload = webhook_payload()
        del payload["admin_graphql_api_id"]
        del payload["variants"][0]["admin_graphql_api_id"]
        remote = pm.product_from_webhook(payload)
        self.assertEqual(remote.gid, PRODUCT_GID)
        self.assertEqual(remote.variants[0].gid, SAND_GID)

    def test_malformed_payloads_name_the_field(self):
        cases = [
            ({"variants": None}, "variants"),
            ({"variants": [{"id": 1, "price": "abc"}]}, "variants[0].price"),
            ({"admin_graphql_api_id": "gid://shopify/Order/1"}, "admin_graphql_api_id"),
            ({"updated_at": "yesterday"}, "updated_at"),
        ]
        for changes, field in cases:
            with self.subTest(field=field):
                payload = webhook_payload(**changes)
                with self.assertRaises(errors.PayloadValidationError) as caught:
                    pm.product_from_webhook(payload)
                self.assertEqual(caught.exception.details["field"], field)
                self.assertIn(field, str(caught.exception))
        missing = webhook_payload()
        del missing["variants"]
        with self.assertRaises(errors.PayloadValidationError) as caught:
            pm.product_from_webhook(missing)
        self.assertIn("variants is missing", str(caught.exception))
        with self.assertRaises(errors.PayloadValidationError):
            pm.product_from_webhook(webhook_payload(status="gone"))
        with self.assertRaises(errors.PayloadValidationError):
            pm.product_from_webhook([1, 2])

    def test_products_delete_payload(self):
        self.assertEqual(pm.deleted_product_gid({"id": 1001}), PRODUCT_GID)
        with self.assertRaises(errors.PayloadValidationError) as caught:
            pm.deleted_product_gid({"id": "x"})
        self.assertEqual(caught.exception.details["field"], "id")


class TestOwnedDifferences(unittest.TestCase):
    variant_ids = {80: SAND_GID, 81: NAVY_GID}

    def differences(self, product=None, **changes):
        remote = pm.product_from_webhook(webhook_payload(**changes))
        return pm.owned_differences(product or apron(), remote, self.variant_ids)

    def test_same_values_no_difference(self):
        self.assertEqual(self.differences(), [])

    def test_changes_to_fields_odoo_owns(self):
        payload = webhook_payload(title="Apron (sale!)")
        payload["variants"][0]["price"] = "29.00"
        payload["variants"][1]["sku"] = "APRON-NAVY"
        remote = pm.product_from_webhook(payload)
        found = pm.owned_differences(apron(), remote, self.variant_ids)
        self.assertEqual([d.field for d in found], ["title", "price", "sku"])
        self.assertIn("29.00 in Shopify, 39.00 in Odoo", str(found[1]))
        self.assertIn("APRON-NAVY in Shopify, APRON-NVY in Odoo", str(found[2]))

    def test_variants_only_one_side_has(self):
        payload = webhook_payload()
        extra = dict(payload["variants"][1], id=2003, admin_graphql_api_id=None)
        extra["sku"] = "APRON-RED"
        payload["variants"] = [payload["variants"][0], extra]
        remote = pm.product_from_webhook(payload)
        found = pm.owned_differences(apron(), remote, self.variant_ids)
        self.assertEqual([d.field for d in found], ["variant", "variant"])
        self.assertIn("missing in Shopify", str(found[0]))
        self.assertIn("APRON-RED", str(found[1]))

    def test_archived_product_compares_title_and_status_only(self):
        archived = dataclasses.replace(apron(), status="ARCHIVED", variants=())
        found = self.differences(product=archived)
        self.assertEqual([d.field for d in found], ["status"])

"""The connector's GraphQL documents against Shopify's published schema.

The schema of the pinned API version is fetched once with npm (see
``simulator/schema.py``) and cached; when it cannot be obtained these tests
fail with the reason instead of being skipped, since nothing else proves the
documents are valid. A document is checked as it is sent: the operation of its
file with the fragments of ``graphql/fragments/`` it spreads.
"""

import re
import unittest
from pathlib import Path

import graphql

from odoo.addons.retail_shopify.services.operations import OperationStore
from odoo.addons.retail_shopify.services.version import API_VERSION
from odoo.addons.retail_shopify.simulator.schema import (
    PINNED_PACKAGE,
    SchemaUnavailable,
    load_schema,
)

ADDON_DIR = Path(__file__).resolve().parent.parent
GRAPHQL_DIR = ADDON_DIR / "graphql"
FRAGMENTS_DIR = GRAPHQL_DIR / "fragments"
# mentions of an operation in these directories do not make it used...
NOT_USERS = ("tests", "simulator")
# ...except in the simulator's own tests, which run each document end to end
# against the simulated shop before the connector features that send them
EXERCISED_BY = ("tests/test_simulator.py",)
EXPECTED = (
    "ShopInfo",
    "Locations",
    "WebhookSubscriptions",
    "WebhookSubscriptionCreate",
    "WebhookSubscriptionUpdate",
    "WebhookSubscriptionDelete",
    "ProductSet",
    "BulkProductVariants",
    "BulkOperationRunQuery",
    "BulkOperationById",
    "InventorySetQuantities",
    "InventoryLevels",
    "FulfillmentOrdersForOrder",
    "FulfillmentCreate",
    "FulfillmentTrackingInfoUpdate",
)


def graphql_files():
    return sorted(GRAPHQL_DIR.glob("*.graphql"))


def fragment_files():
    return sorted(FRAGMENTS_DIR.glob("*.graphql"))


class TestGraphQLContract(unittest.TestCase):
    # plain test case: these attributes let Odoo's test runner select it
    test_tags = {"standard", "at_install"}
    test_module = "retail_shopify"

    def setUp(self):
        super().setUp()
        self.files = graphql_files()
        self.store = OperationStore(GRAPHQL_DIR)

    def schema(self):
        try:
            return load_schema(API_VERSION)
        except SchemaUnavailable as exc:
            self.fail(
                f"Shopify's Admin schema {API_VERSION} ({PINNED_PACKAGE}) is "
                f"unavailable, so no document can be checked: {exc}"
            )

    def test_expected_documents_exist(self):
        names = {path.stem for path in self.files}
        missing = sorted(set(EXPECTED) - names)
        self.assertFalse(missing, f"missing GraphQL documents: {missing}")

    def test_one_operation_named_like_its_file(self):
        for path in self.files:
            with self.subTest(document=path.name):
                document = graphql.parse(path.read_text(encoding="utf-8"))
                kinds = [type(d).__name__ for d in document.definitions]
                self.assertEqual(
                    kinds,
                    ["OperationDefinitionNode"],
                    "a document holds exactly one operation and no fragment",
                )
                operation = document.definitions[0]
                self.assertIsNotNone(operation.name, "the operation must be named")
                self.assertEqual(operation.name.value, path.stem)

    def test_one_fragment_named_like_its_file(self):
        for path in fragment_files():
            with self.subTest(fragment=path.name):
                document = graphql.parse(path.read_text(encoding="utf-8"))
                kinds = [type(d).__name__ for d in document.definitions]
                self.assertEqual(
                    kinds,
                    ["FragmentDefinitionNode"],
                    "a fragment file holds exactly one fragment and no operation",
                )
                self.assertEqual(document.definitions[0].name.value, path.stem)

    def test_every_fragment_is_spread(self):
        spread = set()
        for path in self.files:
            spread.update(self.store.fragments(path.stem))
        unused = sorted({path.stem for path in fragment_files()} - spread)
        self.assertFalse(unused, f"fragments no operation spreads: {unused}")

    def test_fragments_are_sent_with_their_operation(self):
        text = self.store.get("OrderById")
        document = graphql.parse(text)
        names = [d.name.value for d in document.definitions]
        self.assertEqual(names[0], "OrderById")
        self.assertEqual(names[1:], list(self.store.fragments("OrderById")))
        self.assertIn("OrderFields", names)
        self.assertIn("ShopMoney", names)
        self.assertEqual(len(names), len(set(names)), "each fragment once")
        self.assertTrue(text.startswith(self.store.path("OrderById").read_text()))

    def test_documents_validate_against_the_schema(self):
        schema = self.schema()
        for path in self.files:
            with self.subTest(document=path.name):
                document = graphql.parse(self.store.get(path.stem))
                errors = graphql.validate(schema, document)
                self.assertFalse(
                    errors,
                    "\n".join(
                        f"{path.name}: {error.message} at {error.locations}"
                        for error in errors
                    ),
                )

    def test_schema_is_the_pinned_version(self):
        schema = self.schema()
        self.assertEqual(schema.query_type.name, "QueryRoot")
        self.assertIsNotNone(schema.get_directive("idempotent"))
        quantity = schema.get_type("InventoryQuantityInput")
        self.assertIn("changeFromQuantity", quantity.fields)

    def test_every_operation_is_used_or_exercised(self):
        sources = []
        for path in sorted(ADDON_DIR.rglob("*.py")):
            relative = path.relative_to(ADDON_DIR)
            if relative.parts[0] in NOT_USERS and str(relative) not in EXERCISED_BY:
                continue
            sources.append(path.read_text(encoding="utf-8"))
        text = "\n".join(sources)
        # a string literal naming the operation, not a field label
        unused = [
            path.stem
            for path in self.files
            if not re.search(
                rf"(?<!string=)(?<!help=)([\"']){re.escape(path.stem)}\1", text
            )
        ]
        self.assertFalse(
            unused,
            "GraphQL operations neither the connector nor the simulator tests "
            f"use: {', '.join(unused)}",
        )

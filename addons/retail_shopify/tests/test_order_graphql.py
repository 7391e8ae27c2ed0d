"""Order nodes of the GraphQL documents mapped to canonical orders."""

import dataclasses
import pathlib
import unittest

from odoo.addons.retail_shopify.services import (
    operations,
    order_graphql,
    order_reconcile,
    order_webhook,
)
from odoo.addons.retail_shopify.services.version import API_VERSION
from odoo.addons.retail_shopify.simulator.schema import load_schema

from .mapper_case import MapperCase, load

DOCUMENTS = pathlib.Path(order_graphql.__file__).resolve().parent.parent / "graphql"
MAX_QUERY_COST = 1000
STAMP_PAGE_SIZE = order_reconcile.STAMP_PAGE_SIZE


class TestGraphqlOrder(MapperCase):
    def setUp(self):
        super().setUp()
        self.node = load("order_graphql_node.json")

    def test_same_order_as_the_webhook(self):
        from_graphql = order_graphql.order_from_graphql(self.node)
        from_webhook = order_webhook.order_from_webhook(
            load("order_paid_tax_excluded.json")
        )
        self.assertEqual(
            dataclasses.asdict(from_graphql), dataclasses.asdict(from_webhook)
        )
        self.assertEqual(from_graphql, from_webhook)

    def test_statuses(self):
        for value, expected in (
            ("PAID", "paid"),
            ("PARTIALLY_REFUNDED", "partially_refunded"),
            ("AUTHORIZED", "authorized"),
            (None, None),
        ):
            with self.subTest(displayFinancialStatus=value):
                self.node["displayFinancialStatus"] = value
                order = order_graphql.order_from_graphql(self.node)
                self.assertEqual(order.financial_status, expected)
        for value, expected in (
            ("UNFULFILLED", "unfulfilled"),
            ("IN_PROGRESS", "unfulfilled"),
            ("ON_HOLD", "unfulfilled"),
            ("PARTIALLY_FULFILLED", "partial"),
            ("FULFILLED", "fulfilled"),
            ("RESTOCKED", "restocked"),
        ):
            with self.subTest(displayFulfillmentStatus=value):
                self.node["displayFulfillmentStatus"] = value
                order = order_graphql.order_from_graphql(self.node)
                self.assertEqual(order.fulfillment_status, expected)
        self.node["displayFulfillmentStatus"] = "TELEPORTED"
        self.assertInvalid(
            order_graphql.order_from_graphql, self.node, "displayFulfillmentStatus"
        )

    def test_cancelled(self):
        self.node["cancelledAt"] = "2026-11-06T16:15:30Z"
        self.node["cancelReason"] = "FRAUD"
        order = order_graphql.order_from_graphql(self.node)
        self.assertTrue(order.is_cancelled)
        self.assertEqual(order.cancel_reason, "fraud")

    def test_customer_without_email_or_phone(self):
        self.node["customer"]["defaultEmailAddress"] = None
        self.node["customer"]["defaultPhoneNumber"] = None
        order = order_graphql.order_from_graphql(self.node)
        self.assertIsNone(order.customer.email)
        self.assertIsNone(order.customer.phone)
        self.assertEqual(order.email, "emily.carter@example.com")

    def test_guest(self):
        self.node["customer"] = None
        self.node["shippingAddress"] = None
        order = order_graphql.order_from_graphql(self.node)
        self.assertIsNone(order.customer)
        self.assertIsNone(order.shipping_address)

    def test_legacy_id_must_match(self):
        self.node["legacyResourceId"] = "6218845716530"
        self.assertInvalid(
            order_graphql.order_from_graphql, self.node, "legacyResourceId"
        )

    def test_missing_selection(self):
        del self.node["lineItems"]["nodes"][0]["taxLines"]
        exc = self.assertInvalid(
            order_graphql.order_from_graphql,
            self.node,
            "lineItems.nodes[0].taxLines",
            "#1042",
        )
        self.assertIn("OrdersByIds", exc.hint)
        self.assertEqual(exc.details["source"], "graphql")

    def test_bad_gid(self):
        self.node["lineItems"]["nodes"][1]["variant"]["id"] = "gid://shopify/Product/1"
        self.assertInvalid(
            order_graphql.order_from_graphql, self.node, "lineItems.nodes[1].variant.id"
        )

    def test_non_numeric_amount(self):
        self.node["totalPriceSet"]["shopMoney"]["amount"] = "lots"
        self.assertInvalid(
            order_graphql.order_from_graphql,
            self.node,
            "totalPriceSet.shopMoney.amount",
        )

    def test_truncated_lines_are_refused(self):
        self.assertEqual(order_graphql.truncated_connections(self.node), ())
        self.node["lineItems"]["pageInfo"]["hasNextPage"] = True
        self.assertEqual(order_graphql.truncated_connections(self.node), ("lineItems",))
        exc = self.assertInvalid(
            order_graphql.order_from_graphql,
            self.node,
            "lineItems.pageInfo.hasNextPage",
            "#1042",
        )
        self.assertIn("OrderById", exc.hint)


def _selection_tree(selection_set, fragments):
    """Field name → sub-tree of a selection; fragments merged in.

    A field reached through an inline fragment is marked optional, since
    only nodes of that type carry it; the fields of a named fragment are
    merged as if written in place (the documents spread named fragments on
    the type of the field that spreads them).
    """
    from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

    tree = {}
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            for name, (sub, _optional) in _selection_tree(
                selection.selection_set, fragments
            ).items():
                tree.setdefault(name, (sub, True))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            for name, entry in _selection_tree(
                fragment.selection_set, fragments
            ).items():
                tree.setdefault(name, entry)
        elif isinstance(selection, FieldNode):
            name = selection.alias.value if selection.alias else selection.name.value
            sub = (
                _selection_tree(selection.selection_set, fragments)
                if selection.selection_set
                else None
            )
            tree[name] = (sub, False)
    return tree


def _operation_tree(document):
    """The selection tree of the operation of a resolved document."""
    from graphql.language import FragmentDefinitionNode, OperationDefinitionNode

    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    (operation,) = (
        d for d in document.definitions if isinstance(d, OperationDefinitionNode)
    )
    return _selection_tree(operation.selection_set, fragments)


class TestGraphqlDocuments(unittest.TestCase):
    def _file(self, name):
        """The document of ``graphql/<name>.graphql`` as written."""
        import graphql

        text = (DOCUMENTS / f"{name}.graphql").read_text(encoding="utf-8")
        return graphql.parse(text)

    def _document(self, name):
        """The document as sent: the operation and the fragments it spreads."""
        import graphql

        return graphql.parse(operations.OperationStore(DOCUMENTS).get(name))

    def test_one_named_operation_per_file(self):
        from graphql.language import OperationDefinitionNode

        for name in ("OrderStampsUpdatedSince", "OrdersByIds", "OrderById"):
            with self.subTest(document=name):
                (operation,) = self._file(name).definitions
                self.assertIsInstance(operation, OperationDefinitionNode)
                self.assertEqual(operation.name.value, name)

    def test_both_documents_select_the_same_order_fields(self):
        # the fields of OrdersByIds come from its fragment on Order
        poll_tree = _operation_tree(self._document("OrdersByIds"))["nodes"][0]
        one_tree = _operation_tree(self._document("OrderById"))["order"][0]
        self.assertEqual(set(poll_tree), set(one_tree))
        for name, (sub, optional) in poll_tree.items():
            with self.subTest(field=name):
                self.assertTrue(optional, "selected on Order only")
                self.assertEqual(sub, one_tree[name][0])

    def test_the_stamps_select_what_the_plan_reads(self):
        tree = _operation_tree(self._document("OrderStampsUpdatedSince"))
        orders = tree["orders"][0]
        self.assertEqual(set(orders), {"edges", "pageInfo"})
        edge = orders["edges"][0]
        self.assertEqual(set(edge), {"cursor", "node"})
        self.assertEqual(set(edge["node"][0]), {"id", "updatedAt"})

    def test_node_fixture_matches_the_selection(self):
        tree = _operation_tree(self._document("OrderById"))
        order_tree = tree["order"][0]

        def check(data, tree, path):
            if isinstance(data, list):
                for index, item in enumerate(data):
                    check(item, tree, f"{path}[{index}]")
                return
            if data is None or tree is None:
                return
            for key in data:
                self.assertIn(key, tree, f"{path}.{key} is not selected")
                check(data[key], tree[key][0], f"{path}.{key}")
            for key, (_sub, optional) in tree.items():
                if not optional:
                    self.assertIn(key, data, f"{path}.{key} is missing")

        check(load("order_graphql_node.json"), order_tree, "order")

    def test_documents_validate_against_the_schema(self):
        import graphql

        schema = load_schema(API_VERSION)
        for name, variables in (
            ("OrderStampsUpdatedSince", {"first": STAMP_PAGE_SIZE}),
            ("OrdersByIds", {"ids": [f"gid://shopify/Order/{n}" for n in range(5)]}),
            ("OrderById", {}),
        ):
            with self.subTest(document=name):
                document = self._document(name)
                self.assertEqual(graphql.validate(schema, document), [])
                self.assertEqual(_deprecated_fields(schema, document), [])
                cost = _requested_cost(schema, document, variables)
                self.assertLess(cost, MAX_QUERY_COST, f"{name} costs {cost}")


def _deprecated_fields(schema, document):
    """Deprecated fields a document selects, as ``Type.field``."""
    import graphql

    found = []
    info = graphql.TypeInfo(schema)

    class Visitor(graphql.Visitor):
        def enter_field(self, node, *_args):
            field = info.get_field_def()
            parent = info.get_parent_type()
            if field is not None and field.deprecation_reason:
                found.append(f"{parent.name}.{node.name.value}")

    graphql.visit(document, graphql.TypeInfoVisitor(info, Visitor()))
    return found


def _requested_cost(schema, document, variables):
    """Shopify's requested cost, estimated from its published rules.

    An object costs 1, a scalar or an enum 0, a connection 2 plus
    ``first`` times the cost of one node (1 for the node and its fields,
    the same through ``edges``); ``pageInfo`` is an object. Lists of objects
    count one element, or one per id of their ``ids`` argument; an
    interface costs the most expensive of its inline fragments. A named
    fragment on the type of its field counts as written in place, one on
    another type as an inline fragment.
    """
    import graphql
    from graphql.language import (
        FragmentDefinitionNode,
        FragmentSpreadNode,
        InlineFragmentNode,
        OperationDefinitionNode,
        VariableNode,
    )

    named_fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }

    def named(type_):
        return graphql.get_named_type(type_)

    def argument(node, name):
        for argument in node.arguments:
            if argument.name.value == name:
                value = argument.value
                if isinstance(value, VariableNode):
                    return variables[value.name.value]
                return value.value
        return None

    def size(node):
        for name in ("first", "last"):
            value = argument(node, name)
            if value is not None:
                return int(value)
        return 1

    def cost(selection_set, parent):
        total = fragments = 0
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                selection = named_fragments[selection.name.value]
                if selection.type_condition.name.value == parent.name:
                    total += cost(selection.selection_set, parent)
                    continue
            if isinstance(selection, (InlineFragmentNode, FragmentDefinitionNode)):
                condition = schema.get_type(selection.type_condition.name.value)
                fragments = max(fragments, cost(selection.selection_set, condition))
                continue
            field_type = named(parent.fields[selection.name.value].type)
            if not selection.selection_set:
                continue
            if field_type.name.endswith("Connection"):
                nodes_type = named(field_type.fields["nodes"].type)
                total += 2
                for sub in selection.selection_set.selections:
                    if sub.name.value == "nodes":
                        total += size(selection) * (
                            1 + cost(sub.selection_set, nodes_type)
                        )
                    elif sub.name.value == "edges":
                        # an edge costs nothing itself, its node what a node does
                        edge_type = named(field_type.fields["edges"].type)
                        total += size(selection) * cost(sub.selection_set, edge_type)
                    elif sub.name.value == "pageInfo":
                        total += 1
            else:
                ids = argument(selection, "ids")
                count = len(ids) if isinstance(ids, list) else 1
                total += count * (1 + cost(selection.selection_set, field_type))
        return total + fragments

    (operation,) = (
        d for d in document.definitions if isinstance(d, OperationDefinitionNode)
    )
    return cost(operation.selection_set, schema.query_type)

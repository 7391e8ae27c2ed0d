import json
import unittest

from odoo.addons.retail_connector_base.services import json_limits
from odoo.addons.retail_connector_base.services.json_limits import (
    DEFAULT_LIMITS,
    JsonLimitError,
    JsonLimits,
    check,
    loads,
)


def nested(depth, leaf="1"):
    """A JSON text of ``depth`` nested arrays around ``leaf``."""
    return "[" * depth + leaf + "]" * depth


class TestJsonLimits(unittest.TestCase):
    def test_defaults(self):
        self.assertEqual(DEFAULT_LIMITS, JsonLimits(max_depth=64, max_items=10_000))

    def test_document_within_limits_is_returned(self):
        text = json.dumps({"id": 1, "lines": [{"sku": "A", "qty": [1, 2]}] * 3})
        self.assertEqual(loads(text), json.loads(text))
        self.assertEqual(loads(text.encode()), json.loads(text))

    def test_scalars_are_documents(self):
        self.assertEqual(loads("3"), 3)
        self.assertIsNone(loads("null"))

    def test_depth_limit_is_inclusive(self):
        limits = JsonLimits(max_depth=5)
        self.assertEqual(loads(nested(5), limits), [[[[[1]]]]])
        with self.assertRaisesRegex(JsonLimitError, "deeper than 5 levels"):
            loads(nested(6), limits)

    def test_objects_count_as_levels(self):
        limits = JsonLimits(max_depth=3)
        loads('{"a": {"b": [1]}}', limits)
        with self.assertRaises(JsonLimitError):
            loads('{"a": {"b": [{"c": 1}]}}', limits)

    def test_nesting_deeper_than_the_parser_can_go(self):
        with self.assertRaisesRegex(JsonLimitError, "deeper than 64 levels"):
            loads(nested(200_000))

    def test_default_depth(self):
        loads(nested(64))
        with self.assertRaises(JsonLimitError):
            loads(nested(65))

    def test_array_size_limit(self):
        limits = JsonLimits(max_items=3)
        loads("[1, 2, 3]", limits)
        with self.assertRaisesRegex(
            JsonLimitError, "array .* 4 elements, more than the 3"
        ):
            loads('{"lines": [1, 2, 3, 4]}', limits)

    def test_object_size_limit(self):
        limits = JsonLimits(max_items=2)
        with self.assertRaisesRegex(JsonLimitError, "An object .* 3 elements"):
            loads('[{"a": 1, "b": 2, "c": 3}]', limits)

    def test_default_array_size(self):
        loads(json.dumps([0] * 10_000))
        with self.assertRaises(JsonLimitError):
            loads(json.dumps({"ids": [0] * 10_001}))

    def test_not_json_keeps_the_parser_errors(self):
        with self.assertRaises(json.JSONDecodeError):
            loads('{"id": ')
        with self.assertRaises(UnicodeDecodeError):
            loads(b"\xff\xfe\xfa")

    def test_check_walks_without_recursion(self):
        document = value = []
        for _level in range(5000):
            value.append([])
            value = value[0]
        with self.assertRaises(JsonLimitError):
            check(document)
        self.assertIs(check(document, JsonLimits(max_depth=6000)), document)

    def test_limits_must_be_positive(self):
        with self.assertRaises(ValueError):
            JsonLimits(max_depth=0)
        with self.assertRaises(ValueError):
            JsonLimits(max_items=0)


class TestNul(unittest.TestCase):
    def test_a_nul_anywhere_in_a_string_is_found(self):
        for text in (
            '{"a": "x\\u0000"}',
            '{"a\\u0000": 1}',
            '[[{"deep": ["ok", "n\\u0000"]}]]',
        ):
            body = text.encode()
            self.assertTrue(json_limits.may_hold_nul(body), text)
            self.assertTrue(json_limits.holds_nul(json.loads(body)), text)

    def test_an_escaped_backslash_before_u0000_is_text(self):
        body = b'{"a": "C:\\\\u0000"}'
        self.assertTrue(json_limits.may_hold_nul(body))
        self.assertEqual(json.loads(body)["a"], "C:\\u0000")
        self.assertFalse(json_limits.holds_nul(json.loads(body)))

    def test_no_nul(self):
        body = b'{"a": ["b", 1, null, {"c": "d"}]}'
        self.assertFalse(json_limits.may_hold_nul(body))
        self.assertFalse(json_limits.holds_nul(json.loads(body)))

import logging
import unittest

from odoo.addons.retail_connector_base.services import redaction

SECRET = "shpat_0123456789abcdef"


class TestRedactText(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.redactor = redaction.Redactor([SECRET, "abc", None, ""])

    def test_secret_occurrences(self):
        text = f"token {SECRET} and again {SECRET}!"
        self.assertEqual(self.redactor.redact(text), "token *** and again ***!")

    def test_short_secrets_are_ignored(self):
        self.assertEqual(self.redactor.redact("abc abcd"), "abc abcd")

    def test_url_encoded_secret(self):
        redactor = redaction.Redactor(["p@ss word/1"])
        self.assertEqual(
            redactor.redact("https://x/?q=p%40ss%20word%2F1 and p@ss word/1"),
            "https://x/?q=*** and ***",
        )

    def test_single_string_secret(self):
        self.assertEqual(redaction.Redactor(SECRET).redact(SECRET), "***")

    def test_bearer(self):
        self.assertEqual(
            redaction.Redactor().redact("Authorization: Bearer eyJ.abc-def_1="),
            "Authorization: Bearer ***",
        )
        self.assertEqual(redaction.Redactor().redact("bearer xyz1"), "bearer ***")

    def test_query_parameters(self):
        text = "GET https://h/p?limit=5&access_token=t0k&api_key=k3y#frag"
        self.assertEqual(
            redaction.Redactor().redact(text),
            "GET https://h/p?limit=5&access_token=***&api_key=***#frag",
        )

    def test_json_values(self):
        text = '{"client_secret": "s3cr\\"et", "name": "Shop", "password":"pw"}'
        self.assertEqual(
            redaction.Redactor().redact(text),
            '{"client_secret": "***", "name": "Shop", "password":"***"}',
        )

    def test_plain_text_untouched(self):
        text = "Order #1001 has 3 lines, total 42.00 EUR"
        self.assertEqual(self.redactor.redact(text), text)

    def test_non_strings(self):
        self.assertEqual(self.redactor.redact(None), "")
        self.assertEqual(self.redactor.redact(SECRET.encode()), "***")
        self.assertEqual(self.redactor.redact(42), "42")


class TestRedactStructures(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.redactor = redaction.Redactor([SECRET])

    def test_headers(self):
        headers = {
            "Authorization": "Basic dXNlcjpwYXNz",
            "X-Shopify-Access-Token": "anything",
            "x-api-key": "k",
            "Cookie": "session=1",
            "Content-Type": "application/json",
            "X-Debug": f"seen {SECRET}",
        }
        self.assertEqual(
            self.redactor.redact_headers(headers),
            {
                "Authorization": "***",
                "X-Shopify-Access-Token": "***",
                "x-api-key": "***",
                "Cookie": "***",
                "Content-Type": "application/json",
                "X-Debug": "seen ***",
            },
        )
        self.assertEqual(headers["x-api-key"], "k")

    def test_headers_empty_and_pairs(self):
        self.assertEqual(self.redactor.redact_headers(None), {})
        self.assertEqual(
            self.redactor.redact_headers([("Set-Cookie", "a=b"), ("Accept", "*/*")]),
            {"Set-Cookie": "***", "Accept": "*/*"},
        )

    def test_sensitive_header_names(self):
        for name in ("authorization", "x-shopify-hmac-sha256", "x-signature"):
            self.assertIn(name, redaction.SENSITIVE_HEADERS)

    def test_sensitive_keys(self):
        for name in ("access_token", "client_secret", "api_key", "refresh_token"):
            self.assertIn(name, redaction.SENSITIVE_KEYS)

    def test_data(self):
        data = {
            "shop": "demo",
            "access_token": "x",
            "Refresh-Token": "y",
            "oauth_token": "z",
            "nested": [{"password": "p", "note": f"uses {SECRET}"}, 7, None],
            "pair": ("a", SECRET),
            "empty_secret": None,
            "count": 3,
        }
        self.assertEqual(
            self.redactor.redact_data(data),
            {
                "shop": "demo",
                "access_token": "***",
                "Refresh-Token": "***",
                "oauth_token": "***",
                "nested": [{"password": "***", "note": "uses ***"}, 7, None],
                "pair": ("a", "***"),
                "empty_secret": None,
                "count": 3,
            },
        )
        self.assertEqual(data["access_token"], "x")

    def test_data_scalars(self):
        self.assertEqual(self.redactor.redact_data(SECRET), "***")
        self.assertEqual(self.redactor.redact_data(1.5), 1.5)
        self.assertIsNone(self.redactor.redact_data(None))


class TestRedactingFilter(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.logger = logging.getLogger("test.retail.redaction")
        self.filter = redaction.RedactingFilter(redaction.Redactor([SECRET]))
        self.logger.addFilter(self.filter)
        self.addCleanup(self.logger.removeFilter, self.filter)

    def test_message_and_args(self):
        with self.assertLogs(self.logger, level=logging.INFO) as logs:
            self.logger.info("calling %s with %s", "https://h/?api_key=k", SECRET)
        record = logs.records[0]
        self.assertEqual(record.msg, "calling https://h/?api_key=*** with ***")
        self.assertEqual(record.args, ())
        self.assertNotIn(SECRET, logs.output[0])

    def test_traceback(self):
        with self.assertLogs(self.logger, level=logging.ERROR) as logs:
            try:
                raise RuntimeError(f"failed with {SECRET}")
            except RuntimeError:
                self.logger.exception("call failed")
        self.assertIn("RuntimeError: failed with ***", logs.output[0])
        self.assertNotIn(SECRET, logs.output[0])

    def test_filter_keeps_records(self):
        record = logging.LogRecord(
            "x", logging.INFO, __file__, 1, "%s", (SECRET,), None
        )
        self.assertTrue(self.filter.filter(record))
        self.assertEqual(record.getMessage(), "***")

    def test_bad_format_args_do_not_raise(self):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("a",), None)
        self.assertTrue(self.filter.filter(record))
        self.assertEqual(record.args, ())

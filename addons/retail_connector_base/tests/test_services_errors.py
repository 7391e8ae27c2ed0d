import email.utils
import unittest

import psycopg2
import requests

from odoo.addons.retail_connector_base.services import errors


class _PgError(psycopg2.OperationalError):
    pgcode = None


def _pg_error(code):
    return type("PgError", (_PgError,), {"pgcode": code})("database said no")


class TestRetailErrors(unittest.TestCase):
    def test_base_error_attributes(self):
        exc = errors.RetailError(
            "Order 42 failed", hint="Fix it", details={"order": 42}
        )
        self.assertEqual(str(exc), "Order 42 failed")
        self.assertEqual(exc.message, "Order 42 failed")
        self.assertEqual(exc.hint, "Fix it")
        self.assertEqual(exc.category, "unexpected")
        self.assertEqual(exc.details, {"order": 42})
        self.assertEqual(exc.kind, "unexpected")

    def test_details_default_to_new_dict(self):
        first = errors.RetailError("a")
        second = errors.RetailError("b")
        first.details["x"] = 1
        self.assertEqual(second.details, {})

    def test_details_are_copied(self):
        source = {"sku": "A"}
        exc = errors.RetailError("a", details=source)
        exc.details["sku"] = "B"
        self.assertEqual(source, {"sku": "A"})

    def test_category_override(self):
        exc = errors.MappingError("no product", category="conflict")
        self.assertEqual(exc.category, "conflict")

    def test_permanent_subclasses(self):
        expected = {
            errors.PermanentError: "validation",
            errors.MappingError: "mapping",
            errors.PayloadValidationError: "validation",
            errors.RemoteRejectedError: "remote_rejected",
            errors.ConflictError: "conflict",
            errors.StockDriftError: "stock_drift",
            errors.AuthenticationError: "authentication",
        }
        for cls, category in expected.items():
            with self.subTest(cls=cls.__name__):
                exc = cls("boom")
                self.assertIsInstance(exc, errors.PermanentError)
                self.assertEqual(exc.kind, "permanent")
                self.assertEqual(exc.category, category)
                self.assertEqual(errors.classify(exc), "permanent")

    def test_transient_subclasses(self):
        for cls in (
            errors.TransientError,
            errors.RateLimitedError,
            errors.RemoteUnavailableError,
            errors.LockContentionError,
            errors.CircuitOpenError,
        ):
            with self.subTest(cls=cls.__name__):
                exc = cls("later", retry_after=12)
                self.assertIsInstance(exc, errors.TransientError)
                self.assertEqual(exc.kind, "transient")
                self.assertEqual(exc.retry_after, 12.0)
                self.assertEqual(errors.classify(exc), "transient")

    def test_transient_retry_after_defaults_and_clamps(self):
        self.assertIsNone(errors.TransientError("x").retry_after)
        self.assertEqual(errors.TransientError("x", retry_after=-3).retry_after, 0.0)

    def test_transient_accepts_base_keywords(self):
        exc = errors.RateLimitedError(
            "slow down", retry_after=1, hint="wait", details={"n": 1}
        )
        self.assertEqual((exc.hint, exc.details), ("wait", {"n": 1}))

    def test_categories(self):
        keys = [key for key, _label in errors.CATEGORIES]
        self.assertEqual(
            keys,
            [
                "mapping",
                "validation",
                "remote_rejected",
                "conflict",
                "stock_drift",
                "authentication",
                "waiting",
                "unexpected",
            ],
        )
        self.assertEqual(
            dict(errors.CATEGORIES)["remote_rejected"], "Rejected by remote"
        )
        for cls in (errors.RetailError, errors.PermanentError, errors.StockDriftError):
            self.assertIn(cls.default_category, keys)


class TestClassify(unittest.TestCase):
    def test_requests_network_errors_are_transient(self):
        for exc in (
            requests.ConnectionError("refused"),
            requests.Timeout("slow"),
            requests.exceptions.ReadTimeout("slow"),
        ):
            with self.subTest(exc=type(exc).__name__):
                self.assertEqual(errors.classify(exc), "transient")

    def test_other_requests_errors_are_unexpected(self):
        self.assertEqual(
            errors.classify(requests.exceptions.InvalidURL("x")), "unexpected"
        )

    def test_database_contention_is_transient(self):
        for code in ("40001", "40P01", "55P03"):
            with self.subTest(code=code):
                self.assertEqual(errors.classify(_pg_error(code)), "transient")

    def test_other_database_errors_are_unexpected(self):
        self.assertEqual(errors.classify(_pg_error("57014")), "unexpected")
        self.assertEqual(errors.classify(_pg_error(None)), "unexpected")

    def test_plain_exceptions_are_unexpected(self):
        self.assertEqual(errors.classify(ValueError("x")), "unexpected")
        self.assertEqual(errors.classify(errors.RetailError("x")), "unexpected")


class TestParseRetryAfter(unittest.TestCase):
    def test_seconds(self):
        self.assertEqual(errors.parse_retry_after("120"), 120.0)
        self.assertEqual(errors.parse_retry_after(" 7 "), 7.0)
        self.assertEqual(errors.parse_retry_after("1.5"), 1.5)
        self.assertEqual(errors.parse_retry_after(3), 3.0)
        self.assertEqual(errors.parse_retry_after(b"5"), 5.0)

    def test_negative_is_zero(self):
        self.assertEqual(errors.parse_retry_after("-5"), 0.0)

    def test_http_date(self):
        now = 1_700_000_000.0
        header = email.utils.formatdate(now + 90, usegmt=True)
        self.assertEqual(errors.parse_retry_after(header, now=now), 90.0)

    def test_http_date_in_the_past_is_zero(self):
        now = 1_700_000_000.0
        header = email.utils.formatdate(now - 600, usegmt=True)
        self.assertEqual(errors.parse_retry_after(header, now=now), 0.0)

    def test_garbage(self):
        for value in (None, "", "  ", "soon", "nan", "inf", b"\xff", [], True):
            with self.subTest(value=value):
                self.assertIsNone(errors.parse_retry_after(value))


class TestBackoffSeconds(unittest.TestCase):
    def test_exponential_without_jitter_effect(self):
        def middle():
            return 0.5

        delays = [errors.backoff_seconds(n, rng=middle) for n in (1, 2, 3, 4)]
        self.assertEqual(delays, [10.0, 20.0, 40.0, 80.0])

    def test_cap(self):
        self.assertEqual(errors.backoff_seconds(20, jitter=0), 3600.0)
        self.assertEqual(errors.backoff_seconds(10_000, jitter=0, cap=60), 60.0)

    def test_jitter_bounds(self):
        low = errors.backoff_seconds(2, base=10, rng=lambda: 0.0)
        high = errors.backoff_seconds(2, base=10, rng=lambda: 1.0)
        self.assertAlmostEqual(low, 18.0)
        self.assertAlmostEqual(high, 22.0)

    def test_jitter_never_exceeds_cap(self):
        self.assertEqual(errors.backoff_seconds(3, base=1, cap=4, rng=lambda: 1.0), 4)

    def test_retry_after_is_a_floor(self):
        self.assertEqual(errors.backoff_seconds(1, retry_after=45, jitter=0), 45.0)
        self.assertEqual(
            errors.backoff_seconds(1, cap=5, retry_after=300, jitter=0), 300.0
        )
        self.assertEqual(errors.backoff_seconds(3, retry_after=1, jitter=0), 40.0)

    def test_attempt_below_one_uses_base(self):
        self.assertEqual(errors.backoff_seconds(0, base=3, jitter=0), 3.0)

import datetime
import email.utils
import unittest

from odoo.addons.retail_connector_base.services import errors, locks


class TestWaitingErrors(unittest.TestCase):
    def test_waits_are_told_from_failures(self):
        for cls in (
            errors.WaitingError,
            errors.LockContentionError,
            errors.CircuitOpenError,
            errors.BackendPausedError,
            # the remote answered and said when to come back
            errors.RateLimitedError,
        ):
            with self.subTest(cls=cls.__name__):
                exc = cls("waiting")
                self.assertTrue(errors.is_waiting(exc))
                self.assertEqual(errors.classify(exc), errors.TRANSIENT)
        for exc in (
            errors.TransientError("x"),
            errors.RemoteUnavailableError("x"),
            errors.MappingError("x"),
            ValueError("x"),
        ):
            with self.subTest(exc=type(exc).__name__):
                self.assertFalse(errors.is_waiting(exc))

    def test_lock_contention_is_a_wait(self):
        class Cursor:
            def execute(self, query, params):
                pass

            def fetchone(self):
                return (False,)

        with self.assertRaises(errors.LockContentionError) as caught:
            locks.advisory_lock(Cursor(), "backend:1", "order:1", retry_after=5)
        self.assertTrue(errors.is_waiting(caught.exception))
        self.assertIn("Started", caught.exception.expired_hint)

    def test_a_wait_without_delay_retries_after_a_minute(self):
        self.assertEqual(
            errors.WaitingError("x").retry_after, errors.WAITING_RETRY_AFTER
        )
        self.assertEqual(errors.WaitingError("x", retry_after=5).retry_after, 5.0)

    def test_expired_hint_defaults_per_kind(self):
        self.assertIn("reachable", errors.CircuitOpenError("x").expired_hint)
        self.assertIn("Activate", errors.BackendPausedError("x").expired_hint)
        self.assertEqual(
            errors.WaitingError("x", expired_hint="Do this.").expired_hint, "Do this."
        )

    def test_waited_too_long_names_record_cause_and_action(self):
        cause = errors.WaitingError(
            "Refund R1 waits for order O1",
            expired_hint="Import the order.",
            details={"remote_ref": "R1"},
            waits_for=["order:O1"],
        )
        exc = errors.waited_too_long("Event refunds #3", cause, datetime.timedelta(1))
        self.assertIsInstance(exc, errors.PermanentError)
        self.assertEqual(exc.category, "waiting")
        self.assertEqual(
            str(exc),
            "Event refunds #3 waited longer than 24 hours and was given up: "
            "Refund R1 waits for order O1",
        )
        self.assertEqual(exc.hint, "Import the order.")
        self.assertEqual(exc.details, {"remote_ref": "R1"})
        self.assertEqual(exc.waits_for, ("order:O1",))

    def test_waiting_deadline_from_its_parameter(self):
        self.assertEqual(errors.waiting_deadline("6"), datetime.timedelta(hours=6))
        self.assertEqual(errors.waiting_deadline("0.5"), datetime.timedelta(minutes=30))
        for value in (None, "", "soon", "0", "-3", "nan", "inf"):
            with self.subTest(value=value):
                self.assertEqual(
                    errors.waiting_deadline(value), datetime.timedelta(hours=24)
                )
        self.assertEqual(errors.waiting_deadline("1e12"), datetime.timedelta(days=365))

    def test_wait_expired(self):
        now = datetime.datetime(2026, 12, 1, 12, 0)
        day = datetime.timedelta(hours=24)
        self.assertFalse(
            errors.wait_expired(now - datetime.timedelta(hours=23), now, day)
        )
        self.assertTrue(errors.wait_expired(now - day, now, day))
        self.assertFalse(errors.wait_expired(None, now, day))


class TestDelayCaps(unittest.TestCase):
    def test_huge_retry_after_is_capped(self):
        self.assertEqual(errors.parse_retry_after("31536000"), errors.MAX_RETRY_DELAY)
        self.assertEqual(errors.parse_retry_after("1e300"), errors.MAX_RETRY_DELAY)
        self.assertEqual(errors.parse_retry_after("120", cap=60), 60.0)

    def test_http_date_far_away_is_capped(self):
        now = 1_700_000_000.0
        header = email.utils.formatdate(now + 365 * 86400, usegmt=True)
        self.assertEqual(errors.parse_retry_after(header, now=now), 3600.0)
        self.assertEqual(
            errors.parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now=now), 3600.0
        )

    def test_transient_error_caps_its_retry_after(self):
        self.assertEqual(
            errors.TransientError("x", retry_after=1e300).retry_after, 3600.0
        )
        self.assertEqual(
            errors.TransientError("x", retry_after=float("inf")).retry_after, 3600.0
        )
        self.assertIsNone(errors.TransientError("x", retry_after="nan").retry_after)

    def test_backoff_caps_retry_after(self):
        self.assertEqual(errors.backoff_seconds(1, retry_after=10**9, jitter=0), 3600.0)
        self.assertEqual(
            errors.backoff_seconds(1, retry_after=500, jitter=0, max_delay=100), 100.0
        )

    def test_job_delay(self):
        self.assertEqual(
            errors.job_delay(errors.TransientError("x", retry_after=30)), 31
        )
        self.assertEqual(
            errors.job_delay(errors.TransientError("x", retry_after=10**12)), 3600
        )
        self.assertIsNone(errors.job_delay(errors.TransientError("x")))
        self.assertIsNone(errors.job_delay(errors.TransientError("x", retry_after=0)))
        self.assertIsNone(errors.job_delay(ValueError("x")))
        exc = errors.TransientError("x")
        exc.retry_after = 10**400
        self.assertEqual(errors.job_delay(exc), 3600)

    def test_a_rate_limit_given_up_says_what_to_do(self):
        exc = errors.RateLimitedError("429 Too Many Requests", retry_after=7200)
        # the remote's delay, capped
        self.assertEqual(exc.retry_after, errors.MAX_RETRY_DELAY)
        given_up = errors.waited_too_long(
            "Export of Bench store", exc, errors.waiting_deadline("24")
        )
        self.assertIsInstance(given_up, errors.WaitedTooLongError)
        self.assertIn("429 Too Many Requests", str(given_up))
        self.assertIn("slow down", given_up.hint)

import contextlib
import unittest

import psycopg2
import requests
from psycopg2 import errorcodes

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.export_batch import (
    BatchResult,
    send_batch,
)


class TestSendBatch(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.failures = []

    def on_failure(self, item, exc):
        self.failures.append((item, str(exc)))

    def run_batch(self, items, send_one, **kwargs):
        return send_batch(items, send_one, self.on_failure, **kwargs)

    def test_sent_and_skipped_are_counted(self):
        result = self.run_batch([1, 2, 3], lambda item: item != 2)
        self.assertEqual(result, BatchResult(total=3, sent=2, skipped=1))
        self.assertEqual(result.done, 3)
        self.assertFalse(self.failures)

    def test_a_permanent_error_refuses_that_record_only(self):
        sent = []

        def send_one(item):
            if item == "b":
                raise errors.RemoteRejectedError("b is invalid")
            sent.append(item)
            return True

        result = self.run_batch(["a", "b", "c"], send_one)
        self.assertEqual(sent, ["a", "c"])
        self.assertEqual((result.sent, result.failed), (2, 1))
        self.assertEqual(self.failures, [("b", "b is invalid")])
        self.assertFalse(result.interrupted)

    def test_a_transient_error_first_propagates(self):
        def send_one(item):
            raise errors.RemoteUnavailableError("503")

        with self.assertRaises(errors.RemoteUnavailableError):
            self.run_batch([1, 2], send_one)

    def test_a_refusal_counts_as_done_before_a_transient_error(self):
        def send_one(item):
            if item == 1:
                raise errors.MappingError("no mapping")
            raise requests.Timeout("read timeout")

        result = self.run_batch([1, 2, 3], send_one)
        self.assertTrue(result.interrupted)
        self.assertEqual((result.failed, result.done, result.total), (1, 1, 3))

    def test_a_transient_error_later_keeps_what_was_done(self):
        sent = []

        def send_one(item):
            if item == 2:
                raise errors.LockContentionError("busy")
            sent.append(item)
            return True

        result = self.run_batch([1, 2, 3], send_one)
        self.assertEqual(sent, [1])
        self.assertTrue(result.interrupted)
        self.assertEqual((result.sent, result.done), (1, 1))

    def test_a_database_conflict_always_propagates(self):
        conflict = type(
            "PgError",
            (psycopg2.OperationalError,),
            {"pgcode": errorcodes.SERIALIZATION_FAILURE},
        )("could not serialize access")

        def send_one(item):
            if item == 2:
                raise conflict
            return True

        self.assertEqual(errors.classify(conflict), errors.TRANSIENT)
        with self.assertRaises(psycopg2.OperationalError):
            self.run_batch([1, 2, 3], send_one)

    def test_unexpected_errors_propagate(self):
        def send_one(item):
            if item == 2:
                raise KeyError("id")
            return True

        with self.assertRaises(KeyError):
            self.run_batch([1, 2, 3], send_one)
        self.assertFalse(self.failures)

    def test_each_record_is_sent_inside_isolate(self):
        events = []

        @contextlib.contextmanager
        def isolate():
            events.append("enter")
            try:
                yield
            except Exception:
                events.append("rollback")
                raise
            events.append("release")

        def send_one(item):
            events.append(item)
            if item == "bad":
                raise errors.PayloadValidationError("bad")
            return True

        self.run_batch(["ok", "bad"], send_one, isolate=isolate)
        self.assertEqual(events, ["enter", "ok", "release", "enter", "bad", "rollback"])

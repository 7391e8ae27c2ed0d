import contextlib
import unittest

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS

from odoo.addons.retail_connector_base.services.pg import short_transaction


class FakeInfo:
    def __init__(self, status):
        self.transaction_status = status


class FakeConnection:
    def __init__(self, status):
        self.info = FakeInfo(status)


class FakeCursor:
    def __init__(self, status=TRANSACTION_STATUS_IDLE):
        self._cnx = FakeConnection(status)
        self.executed = []

    def execute(self, query, params=None):
        self.executed.append(query)


class TestShortTransaction(unittest.TestCase):
    def factory(self, cursors, outcomes):
        @contextlib.contextmanager
        def cursor_factory():
            cr = FakeCursor()
            cursors.append(cr)
            yield cr

        return cursor_factory

    def test_read_committed_when_the_transaction_is_new(self):
        cursors = []
        result = short_transaction(self.factory(cursors, []), lambda cr: 42)
        self.assertEqual(result, 42)
        self.assertEqual(
            cursors[0].executed, ["SET TRANSACTION ISOLATION LEVEL READ COMMITTED"]
        )

    def test_no_isolation_change_inside_a_running_transaction(self):
        cr = FakeCursor(TRANSACTION_STATUS_INTRANS)

        @contextlib.contextmanager
        def factory():
            yield cr

        short_transaction(factory, lambda c: None)
        self.assertEqual(cr.executed, [])

    def test_serialization_failures_are_retried(self):
        calls, sleeps = [], []

        def work(cr):
            calls.append(cr)
            if len(calls) < 3:
                raise psycopg2.errors.SerializationFailure("concurrent update")
            return "done"

        result = short_transaction(
            self.factory([], []), work, attempts=5, sleep=sleeps.append
        )
        self.assertEqual(result, "done")
        self.assertEqual(len(calls), 3)
        self.assertEqual(len(sleeps), 2)

    def test_gives_up_after_attempts_and_other_errors_are_not_retried(self):
        def conflict(cr):
            raise psycopg2.errors.DeadlockDetected("deadlock")

        with self.assertRaises(psycopg2.errors.DeadlockDetected):
            short_transaction(self.factory([], []), conflict, attempts=2, sleep=id)
        calls = []

        def broken(cr):
            calls.append(1)
            raise psycopg2.errors.UndefinedTable("no table")

        with self.assertRaises(psycopg2.errors.UndefinedTable):
            short_transaction(self.factory([], []), broken, sleep=id)
        self.assertEqual(calls, [1])

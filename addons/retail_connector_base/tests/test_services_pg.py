import contextlib
import unittest

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS

from odoo.addons.retail_connector_base.services.pg import (
    KeptConnection,
    connection_lost,
    short_transaction,
)


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


class KeptCursor:
    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, query, params=None):
        if self.connection.fail:
            self.connection.fail -= 1
            self.connection.closed = 1
            raise psycopg2.OperationalError("server closed the connection")
        self.connection.executed.append((query, params))


class KeptFake:
    def __init__(self, fail=0):
        self.fail = fail
        self.closed = 0
        self.autocommit = False
        self.executed = []
        self.close_calls = 0

    def cursor(self):
        return KeptCursor(self)

    def close(self):
        self.close_calls += 1
        self.closed = 1


class TestKeptConnection(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.opened = []
        self.pid = 100

    def connect(self, fail=0):
        def opener():
            connection = KeptFake(fail if not self.opened else 0)
            self.opened.append(connection)
            return connection

        return opener

    def kept(self, fail=0):
        return KeptConnection(self.connect(fail), getpid=lambda: self.pid)

    def test_one_connection_for_every_statement(self):
        kept = self.kept()
        kept.execute("SELECT 1")
        kept.execute("SELECT %s", (2,))
        self.assertEqual(len(self.opened), 1)
        self.assertTrue(self.opened[0].autocommit)
        self.assertEqual(
            self.opened[0].executed, [("SELECT 1", None), ("SELECT %s", (2,))]
        )

    def test_a_lost_connection_is_opened_again_and_the_statement_retried(self):
        kept = self.kept(fail=1)
        kept.execute("SELECT 1")
        self.assertEqual(len(self.opened), 2)
        self.assertEqual(self.opened[1].executed, [("SELECT 1", None)])

    def test_a_second_failure_is_raised(self):
        kept = KeptConnection(lambda: KeptFake(fail=1), getpid=lambda: self.pid)
        with self.assertRaises(psycopg2.OperationalError):
            kept.execute("SELECT 1")

    def test_a_forked_child_opens_its_own_and_leaves_the_parents(self):
        kept = self.kept()
        kept.execute("SELECT 1")
        parent = self.opened[0]
        self.pid = 101
        kept.execute("SELECT 2")
        self.assertEqual(len(self.opened), 2)
        self.assertEqual(parent.close_calls, 0)
        self.assertEqual(self.opened[1].executed, [("SELECT 2", None)])


class CodedError(psycopg2.OperationalError):
    """An OperationalError carrying a server code (psycopg2 sets it from the
    server's answer; it cannot be given to the constructor)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code

    @property
    def pgcode(self):
        return self.code


class TestConnectionLost(unittest.TestCase):
    def test_a_lost_connection_is_told_from_a_failed_statement(self):
        for exc in (
            psycopg2.InterfaceError("cursor already closed"),
            psycopg2.OperationalError("server closed the connection unexpectedly"),
            CodedError("57P01"),  # terminated by an administrator
            CodedError("08006"),  # connection failure
        ):
            with self.subTest(exc=str(exc)):
                self.assertTrue(connection_lost(exc))
        for exc in (
            CodedError("40001"),  # serialization failure: Odoo retries it
            CodedError("55P03"),  # lock not available
            psycopg2.IntegrityError("duplicate key"),
            ValueError("x"),
        ):
            with self.subTest(exc=str(exc)):
                self.assertFalse(connection_lost(exc))

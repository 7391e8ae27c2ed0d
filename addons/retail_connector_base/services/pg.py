"""Short transactions of their own for state shared by every worker, and
a connection a process keeps for a statement it sends often."""

import contextlib
import os
import random
import threading
import time

import psycopg2
from psycopg2 import errorcodes
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

RETRYABLE_PGCODES = frozenset(
    {errorcodes.SERIALIZATION_FAILURE, errorcodes.DEADLOCK_DETECTED}
)
RETRYABLE_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
)


def _read_committed(cr):
    """Run the new transaction at READ COMMITTED when it has not started.

    A row lock taken with ``SELECT ... FOR UPDATE`` then waits for the other
    worker and reads its committed value, instead of failing with a
    serialisation error as it does at REPEATABLE READ (Odoo's default).
    """
    connection = getattr(cr, "_cnx", None) or getattr(cr, "connection", None)
    status = getattr(getattr(connection, "info", None), "transaction_status", None)
    if status == TRANSACTION_STATUS_IDLE:
        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")


def short_transaction(cursor_factory, work, *, attempts=5, sleep=time.sleep):
    """Run ``work(cr)`` in a transaction of its own and commit it.

    ``cursor_factory()`` returns a context manager yielding a cursor that
    commits on a clean exit and rolls back otherwise (``registry.cursor``).
    Serialisation failures and deadlocks are retried a few times.
    """
    for attempt in range(1, attempts + 1):
        try:
            with cursor_factory() as cr:
                _read_committed(cr)
                return work(cr)
        except psycopg2.OperationalError as exc:
            retryable = (
                isinstance(exc, RETRYABLE_ERRORS) or exc.pgcode in RETRYABLE_PGCODES
            )
            if not retryable or attempt == attempts:
                raise
            sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")


class KeptConnection:
    """One connection a process keeps open for a statement it sends often,
    outside Odoo's pool (which closes a connection to the ``postgres``
    database after each use: a new server process for every statement).

    ``connect()`` opens it (autocommit is set); it is opened again after a
    lost connection (the statement is retried once) and in a forked child,
    which leaves its parent's connection alone (closing it would end the
    parent's session).
    """

    def __init__(self, connect, *, getpid=os.getpid):
        self._connect = connect
        self._getpid = getpid
        self._connection = None
        self._pid = None
        self._inherited = []
        self._lock = threading.Lock()

    def execute(self, query, params=None):
        with self._lock:
            for attempt in (1, 2):
                connection = self._current()
                try:
                    with connection.cursor() as cr:
                        cr.execute(query, params)
                    return
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self._drop()
                    if attempt == 2:
                        raise

    def close(self):
        with self._lock:
            self._drop()

    def _current(self):
        pid = self._getpid()
        if self._connection is not None and self._pid != pid:
            # the parent's: never closed here, never used
            self._inherited.append(self._connection)
            self._connection = None
        if self._connection is None or self._connection.closed:
            self._connection = self._connect()
            self._connection.autocommit = True
            self._pid = pid
        return self._connection

    def _drop(self):
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            with contextlib.suppress(psycopg2.Error):
                connection.close()


#: server codes of a connection the server ended (an administrator, a
#: crash or a shutdown), besides class 08 (connection exceptions)
CONNECTION_ENDED_PGCODES = frozenset({"57P01", "57P02", "57P03"})


def connection_lost(exc):
    """Whether ``exc`` says the database connection itself was lost (the
    server restarted, the backend was terminated, the socket closed), not
    that a statement failed."""
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    if isinstance(exc, psycopg2.OperationalError):
        code = exc.pgcode
        return code is None or code.startswith("08") or code in CONNECTION_ENDED_PGCODES
    return False

"""Short transactions of their own for state shared by every worker."""

import random
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

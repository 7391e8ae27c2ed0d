"""Expected SQL errors, without an ERROR in the log, thread-safely.

Storing a delivery or a binding once relies on a unique index: the insert
of a concurrent duplicate fails and is counted on the row that won. Odoo's
cursor logs every failed query at ERROR on ``odoo.sql_db``; Odoo's
``mute_logger`` silences it by swapping the logger's handlers, which is not
safe with threads (one thread leaving the block unmutes another, or mutes
the logger for good). :func:`expected_unique_violation` and
:func:`expected_lock_contention` (a row lock taken with ``NOWAIT`` that
another transaction holds) mark the current thread instead, and one filter
on ``odoo.sql_db`` drops only the "bad query" records of the expected
errors raised while a thread is marked.
"""

import contextlib
import logging
import threading

from .correlation import without_prefix

LOGGER = "odoo.sql_db"
_state = threading.local()


#: what the "bad query" record of an expected error says, by kind
UNIQUE_VIOLATION = ("duplicate key value violates unique constraint",)
LOCK_CONTENTION = (
    "could not obtain lock on row",
    "could not serialize access due to concurrent update",
)


class _ExpectedErrorFilter(logging.Filter):
    def filter(self, record):
        expected = getattr(_state, "expected", ())
        if not expected:
            return True
        text = without_prefix(record.getMessage())
        return not (
            text.startswith("bad query")
            and any(fragment in text for kind in expected for fragment in kind)
        )


_FILTER = _ExpectedErrorFilter()


def install():
    """Attach the filter to the SQL logger (idempotent)."""
    logger = logging.getLogger(LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


@contextlib.contextmanager
def _expected(kind):
    install()
    _state.expected = (*getattr(_state, "expected", ()), kind)
    try:
        yield
    finally:
        expected = list(_state.expected)
        expected.remove(kind)
        _state.expected = tuple(expected)


def expected_unique_violation():
    """Within this block, a unique violation of this thread is not logged."""
    return _expected(UNIQUE_VIOLATION)


def expected_lock_contention():
    """Within this block, a row lock this thread cannot take at once
    (``FOR UPDATE NOWAIT``) or a row changed since its snapshot is not
    logged."""
    return _expected(LOCK_CONTENTION)

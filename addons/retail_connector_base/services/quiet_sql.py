"""Expected unique violations, without an ERROR in the log, thread-safely.

Storing a delivery or a binding once relies on a unique index: the insert
of a concurrent duplicate fails and is counted on the row that won. Odoo's
cursor logs every failed query at ERROR on ``odoo.sql_db``; Odoo's
``mute_logger`` silences it by swapping the logger's handlers, which is not
safe with threads (one thread leaving the block unmutes another, or mutes
the logger for good). :func:`expected_unique_violation` marks the current
thread instead, and one filter on ``odoo.sql_db`` drops only the "bad query"
records of unique violations raised while a thread is marked.
"""

import contextlib
import logging
import threading

from .correlation import without_prefix

LOGGER = "odoo.sql_db"
_state = threading.local()


class _ExpectedUniqueViolationFilter(logging.Filter):
    def filter(self, record):
        if not getattr(_state, "depth", 0):
            return True
        text = without_prefix(record.getMessage())
        return not (
            text.startswith("bad query")
            and "duplicate key value violates unique constraint" in text
        )


_FILTER = _ExpectedUniqueViolationFilter()


def install():
    """Attach the filter to the SQL logger (idempotent)."""
    logger = logging.getLogger(LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


@contextlib.contextmanager
def expected_unique_violation():
    """Within this block, a unique violation of this thread is not logged."""
    install()
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1

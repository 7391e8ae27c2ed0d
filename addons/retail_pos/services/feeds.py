"""Keyset delta feeds of the partner API: cursors, limits, the horizon.

The catalog and stock feeds (``GET .../catalog`` and ``GET .../stock``)
return the rows of one store ordered by their **change stamp**
``(transaction, number)``: the id of the transaction that last changed the
row (``pg_current_xact_id()``) and a number of a sequence taken by that
change (several changes of one transaction keep their order). Every change
gets a stamp higher than those of the transactions that ended before it.
A transaction may still commit a lower stamp than one already visible, so a
page only returns the rows of transactions below the **horizon**: the
oldest transaction still running when the page is read
(``pg_snapshot_xmin``), below which every transaction has ended. A cursor
past a stamp therefore never misses a change made later: the row comes back
with a higher stamp, on a later page. A reader's own changes (a test
writing and reading in one transaction) are visible to it as well. A long
transaction elsewhere delays the changes made after it started, never
loses them.

- :func:`encode_cursor` / :func:`decode_cursor`: the opaque cursor of a
  feed, the stamp of the last row returned;
- :func:`parse_limit`: the page size asked for, checked;
- :func:`page`: the rows of one page out of the rows fetched, with the next
  cursor and whether more follow;
- :class:`FeedError`: a bad cursor or limit (answered 400).
"""

import base64
import binascii
import re

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_CURSOR_LENGTH = 200
_CURSOR_RE = re.compile(r"^(catalog|stock):([0-9]{1,20}):([0-9]{1,20})$")
_LIMIT_RE = re.compile(r"^[0-9]{1,9}$")


class FeedError(ValueError):
    """A request parameter of a feed that cannot be used."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_error(self):
        return {"field": self.field, "message": self.message}


def encode_cursor(feed, xid, number):
    """The opaque cursor after the row stamped ``(xid, number)`` of
    ``feed``."""
    text = f"{feed}:{int(xid)}:{int(number)}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(feed, cursor):
    """The stamp ``(xid, number)`` of a cursor of ``feed``; ``(0, 0)``
    without one.

    Raises :class:`FeedError` for a cursor this API did not make, or made
    for the other feed.
    """
    if not cursor:
        return 0, 0
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise FeedError("cursor", "is not a cursor of this feed")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise FeedError("cursor", "is not a cursor of this feed") from None
    match = _CURSOR_RE.match(text)
    if not match or match.group(1) != feed:
        raise FeedError("cursor", "is not a cursor of this feed")
    return int(match.group(2)), int(match.group(3))


def parse_limit(value):
    """The page size: :data:`DEFAULT_LIMIT` when not given, else 1 to
    :data:`MAX_LIMIT`."""
    if value in (None, ""):
        return DEFAULT_LIMIT
    if not isinstance(value, int):
        if not _LIMIT_RE.match(str(value)):
            raise FeedError("limit", f"{str(value)[:20]!r} is not a whole number")
        value = int(value)
    if not 1 <= value <= MAX_LIMIT:
        raise FeedError("limit", f"must be between 1 and {MAX_LIMIT}")
    return value


def page(feed, rows, limit, after):
    """``(rows of the page, next cursor, has more)``.

    ``rows`` are ``(xid, number, id)`` in feed order, at most ``limit + 1``
    (one more than the page tells whether more follow); ``after`` is the
    position the page was read from. The next cursor is after the page's
    last row, or ``after`` itself when the page is empty (the reader asks
    again later from there).
    """
    shown = list(rows[:limit])
    last = shown[-1][:2] if shown else after
    return shown, encode_cursor(feed, *last), len(rows) > limit

"""Transaction-scoped PostgreSQL locks.

- advisory locks per (backend, remote object): :func:`advisory_lock`;
- row locks taken up front, without waiting: :func:`lock_rows`, for rows
  that concurrent jobs update (a point of sale's order numbering, the stock
  quants of the products a shipment takes).
"""

import hashlib
import struct

import psycopg2

from odoo.tools import SQL

from .errors import LockContentionError
from .quiet_sql import expected_lock_contention


def lock_keys(namespace, key):
    """Return the two signed 32-bit integers identifying a lock.

    ``namespace`` is typically ``"<backend model>:<backend id>"`` and ``key``
    the remote object (``"order:gid://shopify/Order/1"``). Both are hashed so
    any string works; collisions only cause extra waiting, never wrong data.
    """
    digest = hashlib.sha256(f"{namespace}\x00{key}".encode()).digest()
    return struct.unpack(">ii", digest[:8])


def try_advisory_lock(cr, namespace, key):
    """Take the lock for the current transaction if it is free.

    Returns True when taken (or already held by this transaction), False
    when another transaction holds it. Released at commit or rollback.
    """
    high, low = lock_keys(namespace, key)
    cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (high, low))
    return bool(cr.fetchone()[0])


def advisory_lock(cr, namespace, key, *, retry_after=5):
    """Take the lock or raise :class:`LockContentionError` (transient).

    A job that cannot get the lock is postponed by the job runner instead of
    blocking a worker while another job handles the same remote object.
    """
    if not try_advisory_lock(cr, namespace, key):
        raise LockContentionError(
            f"Another job is already processing {key}",
            retry_after=retry_after,
            hint="Nothing to do: the job retries automatically.",
        )
    return True


def lock_rows(cr, table, ids, what, *, retry_after=1):
    """Lock the rows ``ids`` of ``table`` for this transaction, at once, or
    raise :class:`LockContentionError` (a wait: it spends no try).

    Taken before the rows are changed, the locks make concurrent jobs that
    would change the same rows wait for one another instead of failing on
    a serialisation error at their update (which Odoo logs at ERROR and the
    job runner counts as a try): a row another transaction holds, or one it
    changed since this transaction's snapshot, is a wait, not logged.
    ``cr`` is an Odoo cursor (the lock is taken in a savepoint); ``what``
    names the rows in the message.
    """
    ids = sorted(set(ids))
    if not ids:
        return
    query = SQL(
        "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR UPDATE NOWAIT",
        SQL.identifier(table),
        tuple(ids),
    )
    try:
        with cr.savepoint(flush=False), expected_lock_contention():
            cr.execute(query)
    except (
        psycopg2.errors.LockNotAvailable,
        psycopg2.errors.SerializationFailure,
    ) as exc:
        raise LockContentionError(
            f"{what} is being changed by another job.",
            retry_after=retry_after,
            hint="Nothing to do: the job runs again in a moment.",
        ) from exc

"""Transaction-scoped PostgreSQL advisory locks per (backend, remote object)."""

import hashlib
import struct

from .errors import LockContentionError


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

"""One batch of an outbound export: send each record, sort out the failures.

:func:`send_batch` is the loop every exporter shares (bindings of
partners, products, deliveries ...); the ORM side (which records, the
savepoint, the sync exception, queueing the next batch) is
``retail.binding.mixin._retail_export_batch``.

- a permanent error (:func:`errors.classify`) refuses that record only:
  ``on_failure(item, exc)`` records it and the others still go;
- a transient error before anything was done propagates: the job retries
  later with backoff; so does a database error (serialisation failure,
  deadlock): the transaction itself has to start again;
- a transient error after some records were done stops the batch and
  keeps them (they are sent: retrying the whole job would send them
  twice); the result says it was interrupted, so the next batch is queued;
- anything else propagates.
"""

import contextlib
from dataclasses import dataclass

import psycopg2

from . import errors


@dataclass
class BatchResult:
    """What one batch did."""

    total: int = 0  # records in the batch
    sent: int = 0  # sent to the remote system
    skipped: int = 0  # nothing had to be sent (unchanged, already there)
    failed: int = 0  # refused: recorded for a person to act on
    interrupted: bool = False  # a transient error stopped the batch
    requeued: bool = False  # the next batch was queued

    @property
    def done(self):
        """Records dealt with (sent, skipped or refused)."""
        return self.sent + self.skipped + self.failed


def send_batch(items, send_one, on_failure, *, isolate=contextlib.nullcontext):
    """Send each of ``items``; return a :class:`BatchResult`.

    ``send_one(item)`` returns a true value when it sent the item and a
    false one when nothing had to go. It runs inside ``isolate()`` (a
    savepoint), so that a failure leaves nothing half-written.
    """
    result = BatchResult(total=len(items))
    for item in items:
        try:
            with isolate():
                outcome = send_one(item)
        except Exception as exc:
            kind = errors.classify(exc)
            if kind == errors.TRANSIENT:
                if not result.done or isinstance(exc, psycopg2.Error):
                    raise
                result.interrupted = True
                break
            if kind != errors.PERMANENT:
                raise
            on_failure(item, exc)
            result.failed += 1
            continue
        if outcome:
            result.sent += 1
        else:
            result.skipped += 1
    return result

"""The dispatcher's loop, without the database.

The dispatcher (``retail.event._cron_dispatch``) turns stored deliveries into
jobs. Woken by the commits of the intake, it looks for work again and again
until there has been none for a while, then ends; :func:`run` is that loop,
with the database steps passed in:

- ``look()`` queues the jobs of up to a batch of stored events and returns
  how many it queued (nothing committed yet);
- ``keep(count)`` commits a pass that queued something (a
  :class:`ThrottledProgress` reports the counts in the cron's progress
  only now and then: a pass under load commits a few jobs every 0.2 s);
- ``discard()`` ends a pass that found nothing (a rollback: the next look
  needs a new snapshot, and there is nothing to write);

Under a steady trickle, a pass that finds less than a batch waits
``gather`` seconds before the next look, so that each pass queues several
events in one insert instead of one or two; a pass that finds a full batch
looks again at once; with nothing found it looks every ``poll`` seconds for
``linger`` seconds. A run lasts ``max_seconds`` at most (the caller hands
over to the next run).
"""

import time
from dataclasses import dataclass

IDLE = "idle"
HAND_OVER = "hand_over"


@dataclass(frozen=True)
class LoopSettings:
    batch_size: int = 200
    linger: float = 1.0
    gather: float = 0.2
    poll: float = 0.1
    max_seconds: float = 20.0
    #: seconds between two reports of the run's progress
    progress_every: float = 1.0

    def __post_init__(self):
        if self.batch_size < 1 or min(self.gather, self.poll) <= 0:
            raise ValueError("a batch and the waits must be positive")
        if self.gather >= self.linger or self.poll >= self.linger:
            raise ValueError("the dispatcher must look again before it stops")


def run(look, keep, discard, settings, *, clock=time.monotonic, sleep=time.sleep):
    """Run the loop; ``(events queued, why it ended)`` (IDLE or HAND_OVER)."""
    started = idle_since = clock()
    total = 0
    while True:
        count = look()
        total += count
        now = clock()
        if count:
            idle_since = now
            keep(count)
        elif now - idle_since >= settings.linger:
            return total, IDLE
        else:
            discard()
        if now - started >= settings.max_seconds:
            return total, HAND_OVER
        if count < settings.batch_size:
            sleep(settings.gather if count else settings.poll)


class ThrottledProgress:
    """``keep`` for :func:`run`: each pass is committed, and the events
    queued are reported with ``report(count)`` (a commit that also writes
    the cron's progress: a read and a write more) at most every ``every``
    seconds, otherwise with ``commit()`` alone. :attr:`pending` is what
    was committed but not reported yet (the caller reports it at the end).
    """

    def __init__(self, report, commit, every, *, clock=time.monotonic):
        self._report = report
        self._commit = commit
        self._every = every
        self._clock = clock
        self._reported_at = clock()
        self.pending = 0

    def __call__(self, count):
        self.pending += count
        now = self._clock()
        if now - self._reported_at >= self._every:
            self._report(self.pending)
            self.pending = 0
            self._reported_at = now
        else:
            self._commit()

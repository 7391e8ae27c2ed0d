"""Wake a sleeping worker soon after a commit, at most so often.

The intake stores a delivery and answers; a dispatcher (a cron) turns the
stored rows into jobs. Odoo's cron workers sleep until a notification on
the ``cron_trigger`` channel of the ``postgres`` database wakes them, and
sending one costs a connection of its own: doing it in every request would
cost what the dispatcher saves. :class:`CoalescingWaker` sends at most one
wake-up per ``interval`` seconds per database from a thread of its own, and
never leaves a request without one: a request asking within ``interval``
of the last wake-up gets the next one, sent when the interval ends. A
dispatcher that keeps looking for work for longer than ``interval`` after
it last found some therefore misses nothing.
"""

import logging
import os
import threading
import time

_logger = logging.getLogger(__name__)


class CoalescingWaker:
    """Call ``send(name)`` soon after each :meth:`wake` (name), but at most
    once per ``interval`` seconds per name; ``send`` runs in a daemon thread
    of this process (started on first use, again after a fork)."""

    def __init__(self, send, *, interval=0.2, clock=time.monotonic):
        self.send = send
        self.interval = interval
        self.clock = clock
        self._pending = set()
        self._last = {}
        self._cond = threading.Condition()
        self._thread = None
        self._pid = None

    def wake(self, name):
        """Ask for a wake-up of ``name`` (returns at once)."""
        with self._cond:
            if name in self._pending and self._pid == os.getpid():
                # the thread knows already and sends it when it is due:
                # waking it for nothing would cost a thread switch a request
                return
            self._pending.add(name)
            self._ensure_thread()
            self._cond.notify()

    def _ensure_thread(self):
        # a forked worker inherits the object, not the thread
        if self._thread is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, name="retail-waker", daemon=True
            )
            self._thread.start()

    def due(self, now):
        """Names whose wake-up is due at ``now`` and the seconds until the
        next one is (None when nothing is pending); called with the lock."""
        ready, wait = [], None
        for name in sorted(self._pending):
            left = self._last.get(name, float("-inf")) + self.interval - now
            if left <= 0:
                ready.append(name)
            else:
                wait = left if wait is None else min(wait, left)
        for name in ready:
            self._pending.discard(name)
            self._last[name] = now
        return ready, wait

    def _run(self):
        while True:
            with self._cond:
                ready, wait = self.due(self.clock())
                if not ready:
                    self._cond.wait(wait)
                    continue
            for name in ready:
                try:
                    self.send(name)
                except Exception:  # noqa: BLE001 - the cron's own poll is the fallback
                    _logger.info(
                        "Could not wake the workers of %s", name, exc_info=True
                    )

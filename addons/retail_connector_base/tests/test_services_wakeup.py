import threading
import unittest
from unittest.mock import patch

from odoo.addons.retail_connector_base.services import wakeup
from odoo.addons.retail_connector_base.services.wakeup import CoalescingWaker


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class TestDue(unittest.TestCase):
    """The schedule, without the thread."""

    def setUp(self):
        super().setUp()
        self.waker = CoalescingWaker(lambda name: None, interval=0.2)

    def test_first_wake_up_is_due_at_once(self):
        self.waker._pending.add("db")
        self.assertEqual(self.waker.due(100.0), (["db"], None))

    def test_a_second_within_the_interval_waits_for_its_end(self):
        self.waker._pending.add("db")
        self.waker.due(100.0)
        self.waker._pending.add("db")
        ready, wait = self.waker.due(100.05)
        self.assertEqual(ready, [])
        self.assertAlmostEqual(wait, 0.15)
        # never forgotten: due once the interval is over
        self.assertEqual(self.waker.due(100.2), (["db"], None))

    def test_databases_are_independent(self):
        self.waker._pending.update({"a", "b"})
        self.waker.due(100.0)
        self.waker._pending.add("a")
        self.assertEqual(self.waker.due(100.1)[0], [])
        self.waker._pending.add("c")
        self.assertEqual(self.waker.due(100.1)[0], ["c"])


class TestWaker(unittest.TestCase):
    def test_many_requests_one_wake_up_each_interval_none_lost(self):
        sent = []
        waker = CoalescingWaker(sent.append, interval=0.05)
        for _ in range(50):
            waker.wake("db")
        self.assertTrue(_wait_for(lambda: sent))
        threading.Event().wait(0.2)
        # the burst: one wake-up, or two if the thread sent the first while
        # the burst went on (the rest then got the next one)
        burst = len(sent)
        self.assertIn(burst, (1, 2))
        # a request after that always gets a wake-up of its own
        waker.wake("db")
        self.assertTrue(_wait_for(lambda: len(sent) == burst + 1))
        self.assertEqual(set(sent), {"db"})

    def test_a_pending_wake_up_does_not_wake_the_thread_again(self):
        sent = []
        clock = _Clock()
        waker = CoalescingWaker(sent.append, interval=0.2, clock=clock)
        waker.wake("db")
        self.assertTrue(_wait_for(lambda: sent))
        # within the interval: the first request makes it pending and wakes
        # the thread, which then sleeps until it is due; the others find it
        # pending and leave the thread alone
        with patch.object(waker._cond, "notify") as notify:
            for _ in range(20):
                waker.wake("db")
        self.assertEqual(notify.call_count, 1)
        self.assertIn("db", waker._pending)
        # and it is sent once due: nothing lost
        clock.now += 0.2
        with waker._cond:
            waker._cond.notify()
        self.assertTrue(_wait_for(lambda: len(sent) == 2))

    def test_a_failing_send_does_not_stop_the_thread(self):
        calls, done = [], threading.Event()

        def send(name):
            calls.append(name)
            if len(calls) == 1:
                raise OSError("database away")
            done.set()

        waker = CoalescingWaker(send, interval=0.01)
        with patch.object(wakeup._logger, "info") as info:
            waker.wake("db")
            self.assertTrue(_wait_for(lambda: info.called))
        self.assertIn("Could not wake", info.call_args.args[0])
        waker.wake("db")
        self.assertTrue(done.wait(2))


def _wait_for(condition, timeout=2.0):
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return True
        event.wait(0.01)
    return condition()

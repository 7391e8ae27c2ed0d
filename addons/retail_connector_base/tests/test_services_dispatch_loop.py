import unittest

from odoo.addons.retail_connector_base.services import dispatch_loop
from odoo.addons.retail_connector_base.services.dispatch_loop import LoopSettings

# waits exact in binary: the clock adds them up without rounding
SETTINGS = LoopSettings(
    batch_size=10, linger=1.0, gather=0.25, poll=0.125, max_seconds=5
)


class Loop:
    """The loop's database steps over a list of arrivals ``(time, count)``:
    what ``look`` finds is what arrived since the last look, a batch at most."""

    def __init__(self, arrivals, settings=SETTINGS):
        self.now = 0.0
        self.arrivals = sorted(arrivals)
        self.waiting = 0
        self.settings = settings
        self.steps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.steps.append(("sleep", seconds))
        self.now += seconds

    def look(self):
        while self.arrivals and self.arrivals[0][0] <= self.now:
            self.waiting += self.arrivals.pop(0)[1]
        count = min(self.waiting, self.settings.batch_size)
        self.waiting -= count
        self.steps.append(("look", count))
        return count

    def keep(self, count):
        self.steps.append(("keep", count))

    def discard(self):
        self.steps.append(("discard",))

    def run(self):
        return dispatch_loop.run(
            self.look,
            self.keep,
            self.discard,
            self.settings,
            clock=self.clock,
            sleep=self.sleep,
        )


class TestDispatchLoop(unittest.TestCase):
    def test_nothing_to_do_ends_after_the_linger_without_writing(self):
        loop = Loop([])
        self.assertEqual(loop.run(), (0, dispatch_loop.IDLE))
        self.assertNotIn("keep", [step[0] for step in loop.steps])
        # it kept looking every poll for the linger, discarding each pass
        self.assertEqual(loop.steps.count(("look", 0)), 9)
        self.assertTrue(
            all(s == ("sleep", 0.125) for s in loop.steps if s[0] == "sleep")
        )

    def test_a_partial_batch_waits_to_gather_more(self):
        loop = Loop([(0.0, 3), (0.05, 2), (0.1, 4)])
        self.assertEqual(loop.run(), (9, dispatch_loop.IDLE))
        # the first pass finds 3 and waits 0.25 s: the next finds the 6 others
        self.assertEqual(
            loop.steps[:4], [("look", 3), ("keep", 3), ("sleep", 0.25), ("look", 6)]
        )

    def test_a_full_batch_looks_again_at_once(self):
        loop = Loop([(0.0, 25)])
        self.assertEqual(loop.run(), (25, dispatch_loop.IDLE))
        self.assertEqual(
            loop.steps[:6],
            [
                ("look", 10),
                ("keep", 10),
                ("look", 10),
                ("keep", 10),
                ("look", 5),
                ("keep", 5),
            ],
        )

    def test_work_arriving_while_lingering_is_queued(self):
        loop = Loop([(0.0, 1), (0.9, 2)])
        self.assertEqual(loop.run(), (3, dispatch_loop.IDLE))
        # and the linger starts again from that work
        self.assertGreaterEqual(loop.now, 1.9)

    def test_constant_load_hands_over(self):
        loop = Loop([(t / 10, 1) for t in range(200)])
        total, ended = loop.run()
        self.assertEqual(ended, dispatch_loop.HAND_OVER)
        self.assertGreaterEqual(loop.now, SETTINGS.max_seconds)
        self.assertLess(total, 200)

    def test_settings_must_let_the_loop_look_again(self):
        with self.assertRaises(ValueError):
            LoopSettings(linger=0.1, gather=0.2)
        with self.assertRaises(ValueError):
            LoopSettings(batch_size=0)


class TestThrottledProgress(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.now = 0.0
        self.calls = []
        self.keep = dispatch_loop.ThrottledProgress(
            lambda count: self.calls.append(("report", count)),
            lambda: self.calls.append(("commit",)),
            1.0,
            clock=lambda: self.now,
        )

    def test_passes_are_committed_and_reported_once_a_second(self):
        for _pass in range(12):
            self.now += 0.25
            self.keep(3)
        # every pass committed; every fourth one with the counts since the
        # last report
        self.assertEqual(len(self.calls), 12)
        self.assertEqual(
            [call for call in self.calls if call[0] == "report"],
            [("report", 12)] * 3,
        )
        self.assertEqual(self.keep.pending, 0)

    def test_what_was_not_reported_is_left_pending(self):
        self.now = 0.5
        self.keep(4)
        self.keep(2)
        self.assertEqual(self.calls, [("commit",), ("commit",)])
        self.assertEqual(self.keep.pending, 6)
        self.now = 1.0
        self.keep(1)
        self.assertEqual(self.calls[-1], ("report", 7))
        self.assertEqual(self.keep.pending, 0)

    def test_the_loop_keeps_through_it(self):
        loop = Loop([(0.0, 3), (0.05, 2), (1.1, 4)])
        counts = []
        loop.keep = dispatch_loop.ThrottledProgress(
            counts.append, lambda: None, 1.0, clock=loop.clock
        )
        self.assertEqual(loop.run(), (9, dispatch_loop.IDLE))
        # the passes before 1 s reported nothing yet, the one after it all
        self.assertEqual(counts, [9])
        self.assertEqual(loop.keep.pending, 0)

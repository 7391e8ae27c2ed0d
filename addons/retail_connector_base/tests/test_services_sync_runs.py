import datetime
import unittest

from odoo.addons.retail_connector_base.services import errors, sync_runs

T0 = datetime.datetime(2026, 11, 20, 10, 0, 0)
HOUR = datetime.timedelta(hours=1)


class TestCountOutcomes(unittest.TestCase):
    def test_counts_every_kind(self):
        counts = sync_runs.count_outcomes(
            ["imported", "held", "imported", "failed", "unchanged"]
        )
        self.assertEqual(
            counts, {"imported": 2, "unchanged": 1, "held": 1, "failed": 1}
        )
        self.assertEqual(
            sync_runs.count_outcomes([]),
            {"imported": 0, "unchanged": 0, "held": 0, "failed": 0},
        )

    def test_unknown_outcome_is_refused(self):
        with self.assertRaisesRegex(ValueError, "skipped"):
            sync_runs.count_outcomes(["imported", "skipped"])
        with self.assertRaises(ValueError):
            sync_runs.count_outcomes([None])


class TestSummary(unittest.TestCase):
    def test_totals_and_continuation(self):
        counts = {"imported": 3, "unchanged": 2, "held": 1, "failed": 0}
        self.assertEqual(
            sync_runs.summary("orders", counts),
            "3 orders imported or updated, 2 already up to date, 1 held, "
            "0 in exception",
        )
        self.assertTrue(
            sync_runs.summary("orders", counts, continuing=True).endswith(
                "(continuing)"
            )
        )


class TestNextCursor(unittest.TestCase):
    def test_same_cursor_again_is_an_error(self):
        with self.assertRaises(errors.PayloadValidationError) as caught:
            sync_runs.check_next_cursor("abc", "abc")
        self.assertEqual(caught.exception.details["cursor"], "abc")

    def test_new_cursor_or_last_page(self):
        sync_runs.check_next_cursor(None, "abc")
        sync_runs.check_next_cursor("abc", "def")
        sync_runs.check_next_cursor("abc", None)
        sync_runs.check_next_cursor(None, None)


class TestIsStalled(unittest.TestCase):
    def test_progress_older_than_the_limit(self):
        self.assertTrue(sync_runs.is_stalled(T0, T0 + 2 * HOUR, HOUR))
        self.assertTrue(sync_runs.is_stalled(T0, T0 + HOUR, HOUR))
        self.assertFalse(sync_runs.is_stalled(T0, T0 + HOUR / 2, HOUR))

    def test_no_progress_recorded_is_not_judged(self):
        self.assertFalse(sync_runs.is_stalled(None, T0, HOUR))


class TestNextCheckpoint(unittest.TestCase):
    def test_first_run_sets_it_to_its_start(self):
        started = T0 + HOUR
        self.assertEqual(sync_runs.next_checkpoint(None, T0, started), started)

    def test_run_covering_the_checkpoint_moves_it(self):
        checkpoint, started = T0, T0 + 5 * HOUR
        self.assertEqual(
            sync_runs.next_checkpoint(checkpoint, T0 - HOUR, started), started
        )
        self.assertEqual(sync_runs.next_checkpoint(checkpoint, T0, started), started)

    def test_run_starting_after_the_checkpoint_keeps_it(self):
        # what changed between the checkpoint and the run's start is not read
        checkpoint = T0
        self.assertEqual(
            sync_runs.next_checkpoint(checkpoint, T0 + HOUR, T0 + 5 * HOUR),
            checkpoint,
        )

    def test_never_backwards(self):
        # a run started before the checkpoint (e.g. resumed long after)
        checkpoint = T0 + 5 * HOUR
        self.assertEqual(
            sync_runs.next_checkpoint(checkpoint, T0, T0 + HOUR), checkpoint
        )

import logging
import threading
import unittest

from odoo.addons.retail_connector_base.services import quiet_sql

BAD = (
    "bad query: INSERT ...\nERROR: duplicate key value violates unique "
    'constraint "retail_event_event_key_unique"'
)
OTHER = "bad query: SELECT 1/0\nERROR: division by zero"


def logged(message):
    """Whether the SQL logger's filters let ``message`` through now."""
    record = logging.LogRecord(
        quiet_sql.LOGGER, logging.ERROR, __file__, 1, message, None, None
    )
    return logging.getLogger(quiet_sql.LOGGER).filter(record)


class TestExpectedUniqueViolation(unittest.TestCase):
    def test_only_unique_violations_of_the_marked_thread_are_dropped(self):
        with quiet_sql.expected_unique_violation():
            self.assertFalse(logged(BAD))
            self.assertTrue(logged(OTHER))
        self.assertTrue(logged(BAD))

    def test_a_line_of_a_delivery_or_job_is_dropped_too(self):
        with quiet_sql.expected_unique_violation():
            self.assertFalse(logged(f"[cid 0123456789abcdef] {BAD}"))
            self.assertTrue(logged(f"[cid 0123456789abcdef] {OTHER}"))

    def test_another_thread_leaving_its_block_does_not_unmute_this_one(self):
        inside, leave = threading.Event(), threading.Event()
        seen = {}

        def other():
            with quiet_sql.expected_unique_violation():
                inside.set()
                leave.wait(5)
            seen["other, after its block"] = logged(BAD)

        worker = threading.Thread(target=other)
        with quiet_sql.expected_unique_violation():
            worker.start()
            self.assertTrue(inside.wait(5))
            seen["this one, before"] = logged(BAD)
            leave.set()
            worker.join(5)
            seen["this one, after the other left"] = logged(BAD)
        self.assertEqual(
            seen,
            {
                "this one, before": False,
                "other, after its block": True,
                "this one, after the other left": False,
            },
        )


LOCKED = (
    "bad query: SELECT number_next FROM ir_sequence WHERE id=20 FOR UPDATE "
    'NOWAIT\nERROR: could not obtain lock on row in relation "ir_sequence"'
)
CHANGED = (
    "bad query: SELECT id FROM ir_sequence WHERE id IN (20) FOR UPDATE NOWAIT"
    "\nERROR: could not serialize access due to concurrent update"
)


class TestExpectedLockContention(unittest.TestCase):
    def test_only_lock_contention_is_dropped_and_only_in_its_block(self):
        with quiet_sql.expected_lock_contention():
            self.assertFalse(logged(LOCKED))
            self.assertFalse(logged(CHANGED))
            self.assertTrue(logged(BAD))
            self.assertTrue(logged(OTHER))
        self.assertTrue(logged(LOCKED))
        self.assertTrue(logged(CHANGED))

    def test_nested_blocks_of_both_kinds(self):
        with quiet_sql.expected_unique_violation():
            with quiet_sql.expected_lock_contention():
                self.assertFalse(logged(BAD))
                self.assertFalse(logged(LOCKED))
            self.assertFalse(logged(BAD))
            self.assertTrue(logged(LOCKED))
        self.assertTrue(logged(BAD))

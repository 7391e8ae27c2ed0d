"""A re-delivery is counted without waiting for the job that processes the
original (it keeps the event's row locked while it runs)."""

import time

from odoo.addons.queue_job.job import Job

from .common import RetailCommittedCase, RetailTestCase


class TestDuplicateWhileProcessing(RetailCommittedCase):
    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.backend = self.create_backend(env)
            self.event_id = self.deliver(
                "partner/upsert", {"id": "C-1"}, key="k1", backend=self.backend
            ).id

    def lock_event_row(self, env):
        # what the event's job holds while it runs (remote calls included)
        env.cr.execute(
            "SELECT id FROM retail_event WHERE id = %s FOR UPDATE", (self.event_id,)
        )
        return True

    def deliver_again(self, env):
        started = time.monotonic()
        event, created = self.store_event(
            "partner/upsert",
            {"id": "C-1"},
            key="k1",
            backend=self.backend.with_env(env),
        )
        return event.id, created, time.monotonic() - started

    def test_duplicate_answers_while_the_row_is_locked(self):
        outcome = self.race_holding_the_commit(
            self.lock_event_row, self.deliver_again, second_blocks=True
        )
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertNotIn("second", outcome.blocked)
        event_id, created, elapsed = outcome["second"]
        self.assertEqual((event_id, created), (self.event_id, False))
        self.assertLess(elapsed, 1)
        with self.committed_env() as env:
            self.assertEqual(
                env["retail.event"].browse(self.event_id).duplicate_count, 1
            )

    def test_duplicates_of_deleted_events_are_removed(self):
        with self.committed_env() as env:
            self.deliver_again(env)
            self.deliver_again(env)
        with self.committed_env() as env:
            Duplicate = env["retail.event.duplicate"]
            self.assertEqual(
                Duplicate.search_count([("event_id", "=", self.event_id)]), 2
            )
            env["retail.event"].browse(self.event_id).unlink()
            Duplicate._gc_deleted_events()
            self.assertFalse(Duplicate.search_count([("event_id", "=", self.event_id)]))


class TestDuplicateCount(RetailTestCase):
    def test_count_and_search(self):
        once, _c = self.accept(self.partner_payload(), key="once")
        twice, _c = self.accept(self.partner_payload(), key="twice")
        never, _c = self.accept(self.partner_payload(), key="never")
        for key in ("once", "twice", "twice"):
            self.assertFalse(self.accept(self.partner_payload(), key=key)[1])
        (once | twice | never).invalidate_recordset(["duplicate_count"])
        self.assertEqual((once | twice | never).mapped("duplicate_count"), [1, 2, 0])
        mine = [("id", "in", (once | twice | never).ids)]
        Event = self.Event
        self.assertEqual(
            Event.search(mine + [("duplicate_count", ">", 0)]), twice | once
        )
        self.assertEqual(Event.search(mine + [("duplicate_count", "=", 0)]), never)
        self.assertEqual(Event.search(mine + [("duplicate_count", ">=", 2)]), twice)
        self.assertEqual(
            Event.search(mine + [("duplicate_count", "<", 2)]), once | never
        )
        self.assertEqual(
            Event.search(mine + [("duplicate_count", "!=", 1)]), twice | never
        )


class TestPausedProcessing(RetailTestCase):
    def test_waiting_backend_spends_no_tries(self):
        event, _c = self.accept(self.partner_payload())
        event._enqueue()
        job = Job.load(self.env, event.job_uuid)
        for state in ("paused", "draft", "error"):
            with self.subTest(state=state):
                self.backend.state = state
                with self.assertRaises(Exception) as caught:
                    job.perform()
                self.assertEqual(type(caught.exception).__name__, "RetryableJobError")
                self.assertEqual(job.retry, 0)
                self.assertEqual(event.attempts, 0)
        self.backend.action_activate()
        job.perform()
        self.assertEqual(event.state, "done")

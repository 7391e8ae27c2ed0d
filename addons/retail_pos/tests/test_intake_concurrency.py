"""Concurrent requests: two batches with the same tickets at once give one
event per ticket, whichever commits first. The requests create no job: the
dispatcher queues each stored ticket once (its pass here is rolled back:
nothing committed is left for a job runner)."""

import hashlib
import json

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import PosCommittedCase


class TestConcurrentBatches(PosCommittedCase):
    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.store = self.create_backend(env)

    def accept_in_transaction(self, tickets):
        body = json.dumps({"tickets": tickets})
        digest = hashlib.sha256(body.encode()).hexdigest()

        def accept(env):
            results = self.store.with_env(env)._retail_pos_accept_tickets(
                body, digest, tickets
            )
            return [result["status"] for result in results]

        return lambda: self.in_transaction(accept)

    def ticket_events(self, env):
        return env["retail.event"].search(
            [
                ("backend_model", "=", "retail.pos.store"),
                ("backend_id", "=", self.store.id),
                ("topic", "=", "pos/ticket"),
            ]
        )

    def assert_dispatched_once(self, trap, count):
        """No request queued a job; one dispatcher pass queues each ticket."""
        self.assertEqual(len(trap.enqueued_jobs), 0)
        with self.registry.cursor() as cr:
            env = self.superuser_env(cr)
            events = self.ticket_events(env)
            self.assertEqual(len(events), count)
            self.assertEqual(set(events.mapped("state")), {"received"})
            self.assertFalse(any(events.mapped("job_uuid")))
            with trap_jobs() as dispatched:
                events._enqueue()
                self.assertEqual(len(dispatched.enqueued_jobs), count)
            self.assertEqual(set(events.mapped("state")), {"queued"})
            cr.rollback()

    def test_two_identical_batches_at_once(self):
        tickets = [self.ticket(), self.ticket("T1-000002", 2)]
        with trap_jobs() as trap:
            outcome = self.run_concurrently(
                [self.accept_in_transaction(tickets) for _i in range(2)]
            )
        self.assert_dispatched_once(trap, 2)
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertEqual(
            sorted(outcome.values()),
            [["accepted", "accepted"], ["duplicate", "duplicate"]],
        )
        with self.committed_env() as env:
            events = self.ticket_events(env)
            self.assertEqual(len(events), 2)
            self.assertEqual(events.mapped("duplicate_count"), [1, 1])

    def test_two_batches_sharing_a_ticket_at_once(self):
        shared = self.ticket("T1-000009", 9)
        with trap_jobs() as trap:
            outcome = self.run_concurrently(
                {
                    "a": self.accept_in_transaction([self.ticket(), shared]),
                    "b": self.accept_in_transaction([shared, self.ticket("T1-2", 2)]),
                }
            )
        self.assert_dispatched_once(trap, 3)
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertEqual(outcome["a"][0], "accepted")
        self.assertEqual(outcome["b"][1], "accepted")
        self.assertEqual(
            sorted([outcome["a"][1], outcome["b"][0]]), ["accepted", "duplicate"]
        )
        with self.committed_env() as env:
            self.assertEqual(
                sorted(self.ticket_events(env).mapped("event_key")),
                ["ticket:T1-000001", "ticket:T1-000009", "ticket:T1-2"],
            )

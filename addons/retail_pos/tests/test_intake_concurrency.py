"""Concurrent requests: two batches with the same tickets at once give one
event per ticket, whichever commits first. Jobs are trapped: nothing
committed here is left for a job runner."""

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

    def test_two_identical_batches_at_once(self):
        tickets = [self.ticket(), self.ticket("T1-000002", 2)]
        with trap_jobs() as trap:
            outcome = self.run_concurrently(
                [self.accept_in_transaction(tickets) for _i in range(2)]
            )
        # the tickets' jobs, queued once: by the request that stored them
        self.assertEqual(len(trap.enqueued_jobs), 2)
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
        self.assertEqual(len(trap.enqueued_jobs), 3)
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

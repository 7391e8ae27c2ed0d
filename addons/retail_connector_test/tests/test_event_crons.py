"""The retention and re-queue crons on thousands of rows."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import RetailTestCase


class TestEventCrons(RetailTestCase):
    def setUp(self):
        super().setUp()
        self.now = fields.Datetime.now()
        self.serial = 0

    def insert_events(self, count, state, *, days=0, minutes=0, parent=None, job=None):
        """Insert ``count`` events by SQL; return their ids."""
        self.serial += 1
        self.env.cr.execute(
            """INSERT INTO retail_event (
                    backend_model, backend_id, source, topic, origin, event_key,
                    received_at, state, attempts, parent_id,
                    job_uuid, create_date, write_date)
                SELECT %s, %s, 'test', 'partner/upsert', 'delivery',
                    %s || '-' || n, %s, %s, 0, %s, %s, now(), now()
                FROM generate_series(1, %s) AS n
                RETURNING id""",
            (
                self.backend._name,
                self.backend.id,
                f"bulk-{self.serial}",
                self.now - timedelta(days=days, minutes=minutes),
                state,
                parent,
                job,
                count,
            ),
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def insert_exceptions(self, event_ids, state, days=0):
        self.env.cr.execute(
            """INSERT INTO retail_sync_exception (
                    backend_model, backend_id, flow, category, message, state,
                    state_sequence, occurrence_count, first_seen, last_seen,
                    event_id, fingerprint)
                SELECT %s, %s, 'inbound', 'unexpected', 'Bulk failure', %s, 1, 1,
                    %s, %s, event_id, md5(random()::text || event_id::text)
                FROM unnest(%s::int[]) AS event_id
                RETURNING id""",
            (
                self.backend._name,
                self.backend.id,
                state,
                self.now - timedelta(days=days),
                self.now - timedelta(days=days),
                event_ids,
            ),
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def insert_waits(self, event_ids):
        self.env.cr.execute(
            """INSERT INTO retail_event_wait (event_id, key)
                SELECT event_id, 'product:sku:BULK'
                FROM unnest(%s::int[]) AS event_id""",
            (event_ids,),
        )

    def remaining(self, model, ids):
        table = self.env[model]._table
        self.env.cr.execute(
            f"SELECT count(*) FROM {table} WHERE id = ANY(%s)",  # noqa: S608
            (ids,),
        )
        return self.env.cr.fetchone()[0]

    def run_as_cron(self, method, **kwargs):
        """Run a cron method as the scheduler would; its committed steps."""
        steps = []

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            steps.append((processed, remaining))
            return float("inf")

        Cron = type(self.env["ir.cron"])
        with patch.object(Cron, "_commit_progress", commit_progress):
            result = method.__get__(
                self.env["retail.event"].with_context(ir_cron_progress_id=1)
            )(**kwargs)
        return result, steps

    def test_retention_deletes_all_that_is_due_in_batches(self):
        Event = type(self.env["retail.event"])
        due = {
            "done": self.insert_events(6000, "done", days=40),
            "ignored": self.insert_events(500, "ignored", days=40),
            "failed, resolved": self.insert_events(800, "failed", days=100),
            "failed, ignored": self.insert_events(200, "failed", days=100),
        }
        self.insert_exceptions(due["failed, resolved"], "resolved", days=100)
        self.insert_exceptions(due["failed, ignored"], "ignored", days=100)
        parent = self.insert_events(1, "done", days=40)
        due["batch and its units"] = parent + self.insert_events(
            20, "done", days=40, parent=parent[0]
        )
        closed_exceptions = self.insert_exceptions(
            [None] * 1500, "resolved", days=200
        ) + self.insert_exceptions([None] * 300, "ignored", days=200)
        kept = {
            "recent done": self.insert_events(300, "done", days=10),
            "done, open exception": self.insert_events(50, "done", days=40),
            "done, held": self.insert_events(50, "done", days=40),
            "failed, open exception": self.insert_events(200, "failed", days=100),
            "failed, held": self.insert_events(100, "failed", days=100),
            "failed, recent": self.insert_events(200, "failed", days=60),
            "received": self.insert_events(100, "received", days=100),
            "queued": self.insert_events(100, "queued", days=100),
            "processing": self.insert_events(100, "processing", days=100),
        }
        open_exceptions = self.insert_exceptions(
            kept["done, open exception"] + kept["failed, open exception"],
            "open",
            days=300,
        )
        self.insert_waits(kept["done, held"] + kept["failed, held"])
        pending_parent = self.insert_events(1, "done", days=40)
        kept["batch with a pending unit"] = pending_parent + self.insert_events(
            1, "queued", days=40, parent=pending_parent[0]
        )
        recent_exceptions = self.insert_exceptions([None] * 100, "resolved", days=100)

        total_due = sum(map(len, due.values())) + len(closed_exceptions)
        deleted, steps = self.run_as_cron(Event._cron_retention, batch_size=1000)

        self.assertEqual(deleted, total_due)
        for name, ids in due.items():
            self.assertEqual(self.remaining("retail.event", ids), 0, name)
        self.assertEqual(self.remaining("retail.sync.exception", closed_exceptions), 0)
        for name, ids in kept.items():
            self.assertEqual(self.remaining("retail.event", ids), len(ids), name)
        kept_exceptions = open_exceptions + recent_exceptions
        self.assertEqual(
            self.remaining("retail.sync.exception", kept_exceptions),
            len(kept_exceptions),
        )
        # the progress announced everything due, then committed batch by batch
        # (a batch is counted once its units are deleted)
        self.assertEqual(steps[0], (0, total_due - 1))
        self.assertEqual(steps[-1], (0, 0))
        self.assertGreater(len(steps), 10)
        self.assertTrue(all(done <= 1000 for done, _remaining in steps))
        self.assertEqual(sum(done for done, _remaining in steps), total_due)

    def test_retention_periods_are_parameters(self):
        failed = self.insert_events(10, "failed", days=40)
        failed_again = self.insert_events(10, "failed", days=40)
        self.env.cr.execute(
            "UPDATE retail_event SET processed_at = %s WHERE id = ANY(%s)",
            (self.now - timedelta(days=2), failed_again),
        )
        done = self.insert_events(10, "done", days=40)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("retail_connector_base.failed_event_retention_days", "30")
        params.set_param("retail_connector_base.event_retention_days", "0")
        self.assertEqual(self.env["retail.event"]._cron_retention(), 10)
        self.assertEqual(self.remaining("retail.event", failed), 0)
        self.assertEqual(self.remaining("retail.event", done), 10)
        # a failed event counts from its last failure
        self.assertEqual(self.remaining("retail.event", failed_again), 10)

    def test_requeue_recovers_the_oldest_stalled_events_in_batches(self):
        Event = type(self.env["retail.event"])
        # 1200 recent events that are waiting for their (pending) jobs
        recent = self.insert_events(1200, "received", minutes=2)
        oldest = self.insert_events(700, "received", days=3)
        behind_failed = self.insert_events(
            5, "queued", days=2, job=self.failed_job_uuid()
        )
        behind_pending = self.insert_events(
            5, "queued", days=2, job=self.pending_job_uuid()
        )
        with trap_jobs() as trap:
            count, steps = self.run_as_cron(Event._cron_requeue_stalled, batch_size=300)
            self.assertEqual(count, 705)
            queued = {job.recordset.id for job in trap.enqueued_jobs}
        self.assertEqual(queued, set(oldest) | set(behind_failed))
        self.assertFalse(queued & (set(recent) | set(behind_pending)))
        self.assertEqual([done for done, _r in steps], [300, 300, 105])

    def failed_job_uuid(self):
        return self._job_uuid("failed")

    def pending_job_uuid(self):
        return self._job_uuid("pending")

    def _job_uuid(self, state):
        uuid = f"retail-cron-test-{state}"
        self.env.cr.execute(
            """INSERT INTO queue_job (uuid, name, model_name, method_name, state,
                    date_created, records, args, kwargs, priority, max_retries,
                    retry, channel)
                VALUES (%s, 'Process', 'retail.event', '_process', %s, now(),
                    '{"_type": "odoo_recordset", "model": "retail.event", "ids": []}',
                    '[]', '{}', 10, 5, 0, 'root')""",
            (uuid, state),
        )
        return uuid

    def test_ignore_sets_a_failed_event_aside(self):
        event, _c = self.accept(self.partner_payload(name=""))
        event._process()
        self.assertEqual(event.state, "failed")
        exception = event.exception_ids
        self.assertEqual(exception.state, "open")
        event._set_waits(["product:sku:NEVER"])
        manager = self.manager
        event.with_user(manager).action_ignore()
        self.assertEqual(event.state, "ignored")
        self.assertEqual(event.reason, f"Ignored by {manager.name}")
        self.assertEqual(exception.state, "resolved")
        self.assertFalse(event.wait_ids)
        with self.assertRaises(UserError):
            event.action_ignore()

    def test_only_managers_ignore_events(self):
        event, _c = self.accept(self.partner_payload(name=""))
        event._process()
        user = self.user
        with self.assertRaises(AccessError):
            event.with_user(user).action_ignore()
        self.assertEqual(event.state, "failed")

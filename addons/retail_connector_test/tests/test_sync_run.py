import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import responses

from odoo import fields
from odoo.exceptions import AccessError, UserError

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.models import retail_sync_run

from .common import RetailTestCase

API = "https://remote.example.test/api"
RECONCILE = "root.retail.test.reconcile"


class TestPartnerRun(RetailTestCase):
    """The partners reconciliation: the base's sync runs on a paged REST API."""

    def setUp(self):
        super().setUp()
        self.Run = self.env["retail.sync.run"]
        self.requests = []  # the query of every GET /partners

    def serve(self, pages, limited_once=None):
        """Answer GET /partners with ``pages``: page n+1 has the cursor "p<n>".
        The first request of page ``limited_once`` is answered 429 (retry in
        30 s)."""
        limited = []

        def answer(request):
            query = {
                key: values[0]
                for key, values in parse_qs(urlsplit(request.url).query).items()
            }
            self.requests.append(query)
            index = int(query["cursor"][1:]) if "cursor" in query else 0
            if index == limited_once and not limited:
                limited.append(index)
                return 429, {"Retry-After": "30"}, json.dumps({"error": "slow down"})
            more = index + 1 < len(pages)
            body = {
                "partners": pages[index],
                "next_cursor": f"p{index + 1}" if more else None,
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(body)

        responses.add_callback(responses.GET, f"{API}/partners", callback=answer)

    def start(self, since=None):
        """Start a run; return it and the trap holding its first job."""
        trap_cm = trap_jobs()
        trap = trap_cm.__enter__()
        self.addCleanup(trap_cm.__exit__, None, None, None)
        run = self.backend._retail_run_start("partners", since=since)
        return run, trap

    def run_jobs(self, trap):
        """Perform the run's jobs, the continuations too; return their count."""
        performed = 0
        while trap.enqueued_jobs:
            performed += len(trap.enqueued_jobs)
            trap.perform_enqueued_jobs()
        return performed

    def bind(self, external_id, name, updated_at="2026-11-20T09:00:00Z"):
        payload = self.partner_payload(external_id, name, updated_at=updated_at)
        event, _created = self.accept(payload, key=f"hook-{external_id}")
        event._process()
        return payload

    # ------------------------------------------------------------------
    @responses.activate
    def test_pages_continue_in_jobs_and_count_every_outcome(self):
        known = self.bind("C-3", "Known Store")  # same document: unchanged
        self.serve(
            [
                [self.partner_payload("C-1", "First Store"), known],
                [
                    self.partner_payload("C-2", "Second Store"),
                    self.partner_payload("C-4", ""),  # refused: no name
                ],
            ]
        )
        since = fields.Datetime.now() - timedelta(days=2)
        with patch.object(retail_sync_run, "PAGES_PER_JOB", 1):
            run, trap = self.start(since=since)
            trap.assert_jobs_count(1, only=run._job_run)
            self.assertEqual(trap.enqueued_jobs[0].channel, RECONCILE)
            trap.perform_enqueued_jobs()  # page 1, queues page 2
            self.assertEqual(run.state, "running")
            self.assertEqual((run.pages, run.imported, run.unchanged), (1, 1, 1))
            self.assertEqual(run.cursor, "p1")
            trap.assert_jobs_count(1, only=run._job_run)
            self.assertIn(
                "Running", self.backend.retail_card_id.sync_run_progress or ""
            )
            trap.perform_enqueued_jobs()  # page 2: the last one
        self.assertEqual(run.state, "done")
        self.assertEqual(
            (run.pages, run.imported, run.unchanged, run.held, run.failed),
            (2, 2, 1, 0, 1),
        )
        self.assertFalse(run.cursor)
        self.env.invalidate_all()  # the card's progress is computed, not stored
        self.assertFalse(self.backend.retail_card_id.sync_run_progress)
        # the second page was asked from the first page's cursor
        self.assertEqual([q.get("cursor") for q in self.requests], [None, "p1"])
        self.assertEqual(
            self.requests[0]["updated_since"], run.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        self.assertEqual(run.since, since)  # no overlap for this connector
        partners = self.Binding.search([("backend_id", "=", self.backend.id)])
        self.assertEqual(sorted(partners.mapped("external_id")), ["C-1", "C-2", "C-3"])
        refused = self.Exception.search([("remote_ref", "=", "C-4")])
        self.assertEqual(refused.flow, "reconciliation")
        self.assertEqual(refused.category, "validation")
        self.assertIn("no name", refused.message)
        self.assertIn('"id": "C-4"', refused.payload_excerpt)
        # a first run sets the checkpoint to its start
        self.assertEqual(self.backend.partners_checkpoint, run.started)
        self.assertEqual(self.backend.sync_run_count, 1)

    @responses.activate
    def test_checkpoint_moves_only_over_a_covering_run(self):
        self.serve([[self.partner_payload("C-1", "First Store")]])
        checkpoint = fields.Datetime.now() - timedelta(days=3)
        self.backend.partners_checkpoint = checkpoint
        run, trap = self.start(since=fields.Datetime.now() - timedelta(days=1))
        self.run_jobs(trap)
        self.assertEqual(run.state, "done")
        self.assertEqual(self.backend.partners_checkpoint, checkpoint)
        # without a date, a run reads from the checkpoint and moves it
        run, trap = self.start()
        self.assertEqual(run.since, checkpoint)
        self.run_jobs(trap)
        self.assertEqual(run.state, "done")
        self.assertEqual(self.backend.partners_checkpoint, run.started)
        self.assertEqual(run.unchanged, 1)

    @responses.activate
    def test_one_run_at_a_time(self):
        self.serve([[]])
        run, trap = self.start()
        with self.assertRaises(UserError):
            self.backend._retail_run_start("partners")
        action = self.backend.action_reconcile_partners()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("Running", action["params"]["message"])
        self.assertEqual(self.backend._retail_run_current("partners"), run)
        self.run_jobs(trap)
        action = self.backend.action_reconcile_partners()
        self.assertEqual(action["params"]["type"], "info")
        self.assertEqual(
            self.Run.search_count([("backend_id", "=", self.backend.id)]), 2
        )

    @responses.activate
    def test_stalled_run_is_ended_and_its_job_does_nothing(self):
        self.serve([[self.partner_payload("C-1", "First Store")]])
        run, trap = self.start()
        run.last_progress = fields.Datetime.now() - timedelta(hours=2)
        self.Run._cron_check_stalled()
        self.assertEqual(run.state, "stalled")
        exception = self.Exception.search(
            [("res_model", "=", "retail.sync.run"), ("res_id", "=", run.id)]
        )
        self.assertIn("made no progress", exception.message)
        self.assertFalse(self.backend._retail_run_current("partners"))
        # its job comes late: it reads nothing
        self.assertIn("nothing to do", run._job_run())
        self.assertEqual(self.requests, [])
        # a new run may start; once it is done the stall is resolved
        newer, newer_trap = self.start()
        self.assertNotEqual(newer, run)
        self.run_jobs(newer_trap)
        self.assertEqual(newer.state, "done")
        self.assertEqual(exception.state, "resolved")

    @responses.activate
    def test_next_start_notices_a_stalled_run(self):
        self.serve([[]])
        run, _trap = self.start()
        run.last_progress = fields.Datetime.now() - timedelta(hours=2)
        newer, _trap = self.start()
        self.assertEqual(run.state, "stalled")
        self.assertEqual(newer.state, "running")

    @responses.activate
    def test_failed_job_fails_the_run_and_retry_resumes_it(self):
        self.serve(
            [
                [self.partner_payload("C-1", "First Store")],
                [self.partner_payload("C-2", "Second Store")],
            ]
        )
        with patch.object(retail_sync_run, "PAGES_PER_JOB", 1):
            run, trap = self.start()
            trap.perform_enqueued_jobs()  # page 1; the job of page 2 fails
            trap.enqueued_jobs.clear()
        run._on_job_failed(
            exc_name="odoo.addons.queue_job.exception.FailedJobError",
            exc_message="remote unreachable",
        )
        self.assertEqual(run.state, "failed")
        self.assertIn("remote unreachable", run.error)
        exception = self.Exception.search(
            [("flow", "=", "reconciliation"), ("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(exception.record_ref, run)
        self.assertIn("remote unreachable", exception.message)
        self.assertIn("after 1 pages", exception.message)
        self.assertIn("Retry", exception.hint)
        # a failed run keeps the checkpoint where it was
        self.assertFalse(self.backend.partners_checkpoint)
        # Retry resumes from the cursor: page 1 is not read again
        exception.with_user(self.user).action_retry()
        self.assertEqual(run.state, "running")
        trap.assert_jobs_count(1, only=run._job_run)
        self.run_jobs(trap)
        self.assertEqual([q.get("cursor") for q in self.requests], [None, "p1"])
        self.assertEqual((run.state, run.pages, run.imported), ("done", 2, 2))
        self.assertEqual(exception.state, "resolved")
        self.assertEqual(self.backend.partners_checkpoint, run.started)

    def test_failure_hook_leaves_finished_runs_alone(self):
        with responses.RequestsMock() as mocked:
            mocked.add(
                responses.GET,
                f"{API}/partners",
                json={"partners": [], "next_cursor": None},
            )
            run, trap = self.start()
            self.run_jobs(trap)
        run._on_job_failed(exc_name="ValueError", exc_message="late")
        self.assertEqual(run.state, "done")
        self.assertFalse(self.Exception.search([("res_model", "=", "retail.sync.run")]))

    @responses.activate
    def test_a_wait_after_pages_keeps_them_and_the_next_job_goes_on(self):
        self.serve(
            [
                [self.partner_payload("C-1", "First Store")],
                [self.partner_payload("C-2", "Second Store")],
                [self.partner_payload("C-5", "Third Store")],
            ],
            limited_once=1,
        )
        run, trap = self.start()
        before = fields.Datetime.now()
        # page 1, then the remote's rate limit on page 2: the job ends well,
        # page 1 kept, and the next one waits for the limit
        trap.perform_enqueued_jobs()
        self.assertEqual(
            (run.state, run.pages, run.imported, run.cursor), ("running", 1, 1, "p1")
        )
        trap.assert_jobs_count(1, only=run._job_run)
        (job,) = trap.enqueued_jobs
        self.assertGreaterEqual(job.eta, before + timedelta(seconds=30))
        self.run_jobs(trap)
        self.assertEqual((run.state, run.pages, run.imported), ("done", 3, 3))
        # page 1 was not read again
        self.assertEqual(
            [q.get("cursor") for q in self.requests], [None, "p1", "p1", "p2"]
        )

    @responses.activate
    def test_a_wait_on_the_first_page_postpones_the_job(self):
        self.serve([[self.partner_payload("C-1", "First Store")]], limited_once=0)
        run, _trap = self.start()
        with self.assertRaises(RetryableJobError) as caught:
            run._job_run()
        self.assertTrue(caught.exception.ignore_retry)
        self.assertEqual((run.state, run.pages), ("running", 0))

    @responses.activate
    def test_unreachable_remote_postpones_the_job(self):
        responses.add(responses.GET, f"{API}/partners", status=503)
        run, _trap = self.start()
        with self.assertRaises(RetryableJobError):
            run._job_run()
        self.assertEqual((run.state, run.pages), ("running", 0))

    @responses.activate
    def test_refused_credentials_fail_the_run(self):
        responses.add(
            responses.GET, f"{API}/partners", status=401, json={"error": "bad token"}
        )
        run, _trap = self.start()
        result = run._job_run()
        self.assertIn("Failed", result)
        self.assertEqual(run.state, "failed")
        exception = self.Exception.search(
            [("res_model", "=", "retail.sync.run"), ("res_id", "=", run.id)]
        )
        self.assertEqual(exception.category, "authentication")

    @responses.activate
    def test_a_page_announcing_itself_again_fails_the_run(self):
        responses.add(
            responses.GET,
            f"{API}/partners",
            json={"partners": [], "next_cursor": "same"},
        )
        responses.add(
            responses.GET,
            f"{API}/partners",
            json={"partners": [], "next_cursor": "same"},
        )
        run, _trap = self.start()
        self.assertIn("Failed", run._job_run())
        self.assertEqual(run.state, "failed")
        self.assertIn("without a new cursor", run.error)
        self.assertEqual(len(responses.calls), 2)

    @responses.activate
    def test_paused_backend_makes_the_run_wait(self):
        run, _trap = self.start()
        self.backend.action_pause()
        with self.assertRaises(RetryableJobError) as caught:
            run._job_run()
        self.assertTrue(caught.exception.ignore_retry)
        self.assertEqual(len(responses.calls), 0)

    @responses.activate
    def test_cancelled_run_reads_nothing(self):
        run, trap = self.start()
        run.with_user(self.manager).action_cancel()
        self.assertEqual(run.state, "cancelled")
        self.run_jobs(trap)
        self.assertEqual(len(responses.calls), 0)

    def test_users_read_runs_managers_cancel_them(self):
        with trap_jobs():
            run = self.backend.with_user(self.user)._retail_run_start("partners")
        self.assertEqual(run.with_user(self.user).kind_label, "Partners")
        with self.assertRaises(AccessError):
            run.with_user(self.user).action_cancel()
        with self.assertRaises(AccessError):
            run.with_user(self.user).unlink()
        self.assertEqual(
            self.backend.with_user(self.user).action_open_sync_runs()["res_model"],
            "retail.sync.run",
        )

    def test_runs_of_another_company_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other = self.env["retail.test.backend"].create(
            {"name": "Other feed", "state": "active", "company_id": other_company.id}
        )
        with trap_jobs():
            run = other._retail_run_start("partners")
        self.assertEqual(run.company_id, other_company)
        self.assertFalse(self.Run.with_user(self.manager).search([("id", "=", run.id)]))

    def test_cron_deletes_old_runs_but_not_unresolved_ones(self):
        old = fields.Datetime.now() - timedelta(days=40)
        with trap_jobs():
            done = self.backend._retail_run_start("partners")
        done.write({"state": "done", "started": old})
        with trap_jobs():
            failed = self.backend._retail_run_start("partners")
        failed.write({"started": old})
        failed._fail("remote unreachable")
        self.Run._cron_check_stalled()
        self.assertFalse(done.exists())
        self.assertTrue(failed.exists())

    def test_cron_goes_on_when_a_backend_cannot_start(self):
        other = self.env["retail.test.backend"].create(
            {"name": "Other feed", "state": "active"}
        )
        original = type(self.backend)._retail_run_start

        def start(backend, kind, since=None):
            if backend == self.backend:
                raise UserError(self.env._("Started meanwhile by someone else."))
            return original(backend, kind, since)

        with (
            patch.object(type(self.backend), "_retail_run_start", start),
            trap_jobs(),
        ):
            started = self.env["retail.test.backend"]._retail_run_cron("partners")
        self.assertEqual(started.mapped("backend_id"), [other.id])

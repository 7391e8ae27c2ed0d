"""Correlation ids, the remote call journal and the sync history, on the
test connector."""

import json
import logging
from datetime import timedelta
from unittest.mock import patch

import psycopg2
import responses

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.controllers.queue_job import (
    RetailRunJobController,
)
from odoo.addons.retail_connector_base.models import (
    retail_remote_call,
    retail_sync_run,
)
from odoo.addons.retail_connector_base.services import correlation

from .common import RetailHttpCase, RetailTestCase

API = "https://remote.example.test/api"
CID = r"^[0-9a-f]{16}$"
KEY = correlation.CONTEXT_KEY


class TestCorrelationIds(RetailTestCase):
    def test_each_delivery_and_unit_has_an_id_of_its_own(self):
        first, _c = self.accept(self.partner_payload("C-1"), key="k1")
        second, _c = self.accept(self.partner_payload("C-2"), key="k2")
        again, created = self.accept(self.partner_payload("C-1"), key="k1")
        self.assertFalse(created)
        self.assertEqual(again.correlation_id, first.correlation_id)
        self.assertRegex(first.correlation_id, CID)
        self.assertNotEqual(first.correlation_id, second.correlation_id)
        batch, _c = self.accept(
            {"id": "B-1", "partners": [{"id": "P-1", "name": "One"}, {"id": "P-2"}]},
            topic="partner/batch",
            key="batch-1",
        )
        with trap_jobs():
            batch._process()
        ids = {batch.correlation_id, *batch.child_ids.mapped("correlation_id")}
        self.assertEqual(len(batch.child_ids), 2)
        self.assertEqual(len(ids), 3)

    def test_dispatched_jobs_carry_the_id_of_their_event(self):
        events = self.Event
        for n in range(3):
            event, _c = self.accept(self.partner_payload(f"C-{n}"), key=f"k{n}")
            events |= event
        self.Event._retail_dispatch()
        for event in events:
            self.assertEqual(event.job_id.retail_correlation_id, event.correlation_id)

    def test_a_failure_carries_the_id_into_its_sync_exception(self):
        event, _c = self.accept(self.partner_payload(name=""))
        event._process()
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.correlation_id, event.correlation_id)

    def test_an_unexpected_failure_of_the_job_carries_it_too(self):
        event, _c = self.accept(self.partner_payload())
        event._on_job_failed("builtins.KeyError", "'id'")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.correlation_id, event.correlation_id)

    def test_jobs_queued_while_a_delivery_runs_carry_its_id(self):
        event, _c = self.accept(self.partner_payload())
        with trap_jobs() as trap, event._retail_trace(event.correlation_id):
            self.backend._retail_schedule_export("partners")
        job = trap.enqueued_jobs[0]
        self.assertEqual(job.recordset.env.context[KEY], event.correlation_id)
        self.assertEqual(
            job._store_values(create=True)["retail_correlation_id"],
            event.correlation_id,
        )

    def test_an_odoo_side_trigger_gets_an_id_of_its_own(self):
        with trap_jobs() as trap:
            self.backend._retail_schedule_export("partners")
            self.backend._retail_schedule_export("partners")
        correlation_id = trap.enqueued_jobs[0].recordset.env.context[KEY]
        self.assertRegex(correlation_id, CID)
        self.assertEqual(len(trap.enqueued_jobs), 1)
        with trap_jobs() as trap:
            self.backend._retail_schedule_export("partners")
        self.assertNotEqual(
            trap.enqueued_jobs[0].recordset.env.context[KEY], correlation_id
        )

    @responses.activate
    def test_log_lines_of_a_job_carry_its_id(self):
        responses.add(responses.GET, f"{API}/partners/C-1", json={"name": "Enriched"})
        event, _c = self.accept({"id": "C-1"}, topic="partner/enrich")
        logger = "odoo.addons.retail_connector_base.services.http_client"
        with self.assertLogs(logger, logging.DEBUG) as logs:
            event._process()
        self.assertEqual(event.state, "done")
        self.assertTrue(logs.output)
        for line in logs.output:
            self.assertIn(f"[cid {event.correlation_id}] ", line)
        self.assertEqual(
            {record.correlation_id for record in logs.records}, {event.correlation_id}
        )


class TestJobRunner(RetailTestCase):
    def test_a_lost_database_connection_postpones_the_job(self):
        event, _c = self.accept(self.partner_payload(), key="lost-1")
        self.Event._retail_dispatch()
        job = Job.load(self.env, event.job_uuid)
        job.retry = 1

        def cut(_cls, _env, _job):
            raise psycopg2.InterfaceError("cursor already closed")

        with patch.object(RunJobController, "_try_perform_job", classmethod(cut)):
            with self.assertRaises(RetryableJobError) as caught:
                RetailRunJobController._try_perform_job(self.env, job)
            self.assertIn("connection was lost", str(caught.exception))
            # its last try: failed like any job out of tries
            job.retry = job.max_retries
            with self.assertRaises(FailedJobError):
                RetailRunJobController._try_perform_job(self.env, job)

        def fails(_cls, _env, _job):
            raise psycopg2.errors.UniqueViolation("duplicate key")

        # a failed statement is not a lost connection
        with (
            patch.object(RunJobController, "_try_perform_job", classmethod(fails)),
            self.assertRaises(psycopg2.IntegrityError),
        ):
            RetailRunJobController._try_perform_job(self.env, job)

    def test_the_runner_runs_a_job_and_its_failure_as_the_work_of_its_id(self):
        # a name that is not text: the handler crashes (unforeseen payload)
        event, _c = self.accept(self.partner_payload(name={"first": "A"}), key="k1")
        other, _c = self.accept(self.partner_payload("C-2"), key="k2")
        self.Event._retail_dispatch()  # one insert for both jobs
        job = Job.load(self.env, event.job_uuid)
        # the event holds its id: its job's context needs none
        self.assertNotIn(KEY, job.recordset.env.context)
        self.assertEqual(
            job.recordset._retail_job_correlation_id(), event.correlation_id
        )
        self.assertEqual(event.job_id.retail_correlation_id, event.correlation_id)
        # not assertRaises: it would roll back what the failure handler wrote
        caught = None
        with self.assertLogs("odoo.addons.queue_job.controllers.main", "ERROR") as logs:
            try:
                RetailRunJobController._runjob(self.env, job)
            except AttributeError as exc:
                caught = exc
        self.assertIsNotNone(caught)
        self.assertTrue(logs.output)
        for line in logs.output:
            self.assertIn(f"[cid {event.correlation_id}] ", line)
        event.invalidate_recordset()
        self.assertEqual(event.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.correlation_id, event.correlation_id)
        self.assertNotEqual(other.correlation_id, event.correlation_id)


class TestTriggers(RetailTestCase):
    @responses.activate
    def test_a_refused_export_carries_the_id_of_its_job(self):
        event, _c = self.accept(self.partner_payload("C-1"), key="import")
        event._process()
        binding = self.Binding._retail_get(self.backend, "C-1")
        binding.odoo_id.write({"name": "Acme Renamed"})
        responses.add(responses.PUT, f"{API}/partners/C-1", status=422, json={})
        with correlation.scope() as trace:
            self.backend._retail_export_job("partners")
        exc = self.Exception.search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "outbound")]
        )
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.correlation_id, trace.correlation_id)
        self.assertEqual(binding.sync_correlation_id, trace.correlation_id)

    @responses.activate
    def test_a_reconciliation_run_has_one_id_for_all_its_jobs(self):
        pages = [
            [self.partner_payload("C-1", "First Store")],
            [self.partner_payload("C-2", "")],  # refused: no name
        ]

        def answer(request):
            index = 1 if "cursor=p1" in request.url else 0
            body = {"partners": pages[index], "next_cursor": None if index else "p1"}
            return 200, {"Content-Type": "application/json"}, json.dumps(body)

        responses.add_callback(responses.GET, f"{API}/partners", callback=answer)
        ids = []
        with patch.object(retail_sync_run, "PAGES_PER_JOB", 1), trap_jobs() as trap:
            run = self.backend._retail_run_start("partners")
            while trap.enqueued_jobs:
                ids.extend(job.recordset.env.context[KEY] for job in trap.enqueued_jobs)
                trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(ids), 2)
        self.assertEqual(len(set(ids)), 1)
        (run_id,) = set(ids)
        self.assertRegex(run_id, CID)
        calls = self.env["retail.remote.call"].search([("correlation_id", "=", run_id)])
        self.assertEqual(len(calls), 2)
        self.assertEqual(
            [call.request.headers["X-Request-Id"] for call in responses.calls],
            [run_id, run_id],
        )
        refused = self.Exception.search([("remote_ref", "=", "C-2")])
        self.assertEqual(refused.correlation_id, run_id)


class TestRemoteCallJournal(RetailTestCase):
    def calls(self, **domain):
        return self.env["retail.remote.call"].search(
            [
                ("backend_model", "=", self.backend._name),
                *((name, "=", value) for name, value in domain.items()),
            ]
        )

    @responses.activate
    def test_calls_of_a_delivery_are_journaled_with_its_id_and_header(self):
        responses.add(
            responses.GET,
            f"{API}/partners/C-1",
            json={"name": "Enriched Store", "email": "secret-customer@example.com"},
            headers={"X-Request-Id": "remote-abc"},
        )
        event, _c = self.accept({"id": "C-1"}, topic="partner/enrich")
        event._process()
        sent = responses.calls[0].request.headers
        self.assertEqual(sent["X-Request-Id"], event.correlation_id)
        call = self.env["retail.remote.call"].search(
            [("correlation_id", "=", event.correlation_id)]
        )
        self.assertEqual(len(call), 1)
        self.assertEqual(call.operation, "GET /partners/C-1")
        self.assertEqual(call.status_code, 200)
        self.assertEqual(call.outcome, "ok")
        self.assertEqual(call.remote_request_id, "remote-abc")
        self.assertEqual(call.retail_backend_id, self.backend.retail_card_id)
        self.assertEqual(call.source, self.backend._retail_source)
        values = call.read()[0]
        for value in values.values():
            self.assertNotIn("secret-customer", str(value))
            self.assertNotIn(self.backend.sudo().access_token, str(value))

    @responses.activate
    def test_failed_tries_are_journaled(self):
        responses.add(responses.GET, f"{API}/partners/C-1", status=503)
        event, _c = self.accept({"id": "C-1"}, topic="partner/enrich")
        # the journal's own transaction outlives the job's rollback; a test
        # cursor shares the test's transaction, so nothing is rolled back
        # here (assertRaises would roll back to a savepoint)
        raised = None
        try:
            event._process()
        except RetryableJobError as exc:
            raised = exc
        self.assertIsNotNone(raised)
        outcomes = self.calls(correlation_id=event.correlation_id).mapped("outcome")
        # the client's inline retries: every try that left
        self.assertEqual(set(outcomes), {"unavailable"})
        self.assertEqual(len(outcomes), len(responses.calls))
        self.assertGreater(len(outcomes), 1)

    @responses.activate
    def test_an_export_journals_its_calls_about_each_record(self):
        event, _c = self.accept(self.partner_payload("C-1"), key="import")
        event._process()
        binding = self.Binding._retail_get(self.backend, "C-1")
        binding.odoo_id.write({"name": "Acme Renamed"})
        responses.add(responses.PUT, f"{API}/partners/C-1", json={"ok": True})
        with correlation.scope() as trace:
            self.backend._retail_export_job("partners")
        self.assertEqual(
            responses.calls[0].request.headers["X-Request-Id"], trace.correlation_id
        )
        call = self.calls(correlation_id=trace.correlation_id)
        self.assertEqual(len(call), 1)
        self.assertEqual(call.record_ref, binding.odoo_id)
        self.assertEqual(binding.sync_correlation_id, trace.correlation_id)

    def test_retention_deletes_old_calls(self):
        Call = self.env["retail.remote.call"]
        now = fields.Datetime.now()
        Call._retail_journal_write(
            [
                {"called_at": now - timedelta(days=40), "operation": "old"},
                {"called_at": now - timedelta(days=1), "operation": "recent"},
            ]
        )
        self.env["retail.event"]._cron_retention()
        self.assertFalse(Call.search([("operation", "=", "old")]))
        self.assertTrue(Call.search([("operation", "=", "recent")]))

    def test_calls_of_a_backend_not_committed_yet_are_journaled_with_it(self):
        row = {"called_at": fields.Datetime.now(), "operation": "GET /ping"}
        with patch.object(
            retail_remote_call,
            "short_transaction",
            side_effect=psycopg2.errors.ForeignKeyViolation("not visible"),
        ):
            self.assertEqual(
                self.env["retail.remote.call"]._retail_journal_write([row]), 1
            )
        self.assertTrue(
            self.env["retail.remote.call"].search([("operation", "=", "GET /ping")])
        )

    def test_a_journal_that_cannot_be_written_never_fails_the_call(self):
        row = {"called_at": fields.Datetime.now(), "retail_backend_id": 0}
        logger = "odoo.addons.retail_connector_base.models.retail_remote_call"
        with self.assertLogs(logger, "ERROR"):
            self.assertEqual(
                self.env["retail.remote.call"]._retail_journal_write([row]), 0
            )

    def test_the_journal_is_for_retail_users_only(self):
        self.env["retail.remote.call"]._retail_journal_write(
            [{"called_at": fields.Datetime.now(), "operation": "GET /ping"}]
        )
        Call = self.env["retail.remote.call"]
        self.assertTrue(Call.with_user(self.user).search([]))
        outsider = new_test_user(
            self.env, login="retail_outsider", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            Call.with_user(outsider).search([])
        with self.assertRaises(AccessError):
            Call.with_user(self.manager).search([]).write({"operation": "x"})


class TestSyncHistory(RetailTestCase):
    @responses.activate
    def test_history_of_a_partner(self):
        responses.add(responses.GET, f"{API}/partners/C-1", json={"name": "Enriched"})
        imported, _c = self.accept({"id": "C-1"}, topic="partner/enrich", key="e1")
        imported._process()
        partner = imported.result_ref
        refused, _c = self.accept(self.partner_payload("C-1", name=""), key="e2")
        refused._process()
        self.Event._retail_dispatch()  # nothing left to queue: no job rows
        other, _c = self.accept(self.partner_payload("C-9", name="Other"), key="e3")
        other._process()
        items = self.env["retail.sync.history"]._retail_sync_history(partner)
        seen = {(item["kind"], item["correlation_id"]) for item in items}
        self.assertIn(("delivery", imported.correlation_id), seen)
        self.assertIn(("call", imported.correlation_id), seen)
        self.assertIn(("delivery", refused.correlation_id), seen)
        self.assertIn(("exception", refused.correlation_id), seen)
        self.assertNotIn(other.correlation_id, {cid for _kind, cid in seen})
        times = [item["at"] for item in items]
        self.assertEqual(times, sorted(times, reverse=True))

    def test_history_button_for_retail_users_only(self):
        event, _c = self.accept(self.partner_payload("C-1"))
        event._process()
        partner = event.result_ref
        action = partner.with_user(self.user).action_retail_sync_history()
        rows = (
            self.env["retail.sync.history"]
            .with_user(self.user)
            .search(action["domain"])
        )
        self.assertEqual(rows.mapped("kind"), ["delivery"])
        self.assertEqual(rows.correlation_id, event.correlation_id)
        self.assertEqual(rows.res_model, "res.partner")
        self.assertEqual(rows.res_id, partner.id)
        self.assertEqual(
            rows.action_open_source()["res_id"], event.id, "opens the delivery"
        )
        # a history is its reader's own
        self.assertFalse(
            self.env["retail.sync.history"]
            .with_user(self.manager)
            .search(action["domain"])
        )
        outsider = new_test_user(
            self.env, login="retail_outsider", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            partner.with_user(outsider).action_retail_sync_history()


class TestSyncHistoryButtons(RetailTestCase):
    def test_deliveries_and_products_show_the_button_to_retail_users(self):
        outsider = new_test_user(
            self.env,
            login="stock_clerk",
            groups="base.group_user,stock.group_stock_user",
        )
        clerk = new_test_user(
            self.env,
            login="retail_stock_clerk",
            groups="base.group_user,stock.group_stock_user,"
            "retail_connector_base.group_retail_user",
        )
        for model in ("stock.picking", "product.template", "product.product"):
            for user, shown in ((clerk, True), (outsider, False)):
                arch = (
                    self.env[model]
                    .with_user(user)
                    .get_views([(False, "form")])["views"]["form"]["arch"]
                )
                self.assertEqual(
                    'name="action_retail_sync_history"' in arch,
                    shown,
                    (model, user.login),
                )


class TestIntakeCorrelation(RetailHttpCase):
    def test_the_intake_stores_a_new_id_with_each_delivery(self):
        ids = []
        for key in ("h1", "h2"):
            response = self.post_delivery(
                "partner/upsert", self.partner_payload(), key=key, dispatch=False
            )
            self.assertEqual(response.status_code, 200)
            event = self.Event.browse(response.json()["event_id"])
            self.assertRegex(event.correlation_id, CID)
            ids.append(event.correlation_id)
        self.assertNotEqual(ids[0], ids[1])

    def test_a_delivery_refused_at_the_intake_carries_its_id_into_its_exception(self):
        response = self.post_delivery(
            "partner/upsert", body=b'{"id": "C-1", "name": ', key="bad"
        )
        self.assertEqual(response.status_code, 400)
        # a body that is not JSON is stored under its digest
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.state, "failed")
        self.assertRegex(event.correlation_id, CID)
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.correlation_id, event.correlation_id)

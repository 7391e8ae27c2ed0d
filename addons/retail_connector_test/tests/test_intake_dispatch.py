import hashlib
import json
import select
import time
from unittest.mock import patch

import psycopg2

from odoo import sql_db
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.models.retail_event import (
    DISPATCH_CRON,
    DISPATCH_WAKER,
    NOTIFY_CONNECTION,
    _wake_cron_workers,
    _wake_dispatcher,
)
from odoo.addons.retail_connector_base.services.signatures import hmac_sha256_digest

from .common import RetailCommittedCase, RetailHttpCase, RetailTestCase


def ingest(backend, topic, key, body, **backend_columns):
    """Store ``body`` (text) as the intake does: ``(outcome, event id)``."""
    return backend.env["retail.event"]._ingest(
        backend,
        topic=topic,
        event_key=key,
        payload=body,
        headers={},
        remote_ref=None,
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
        **backend_columns,
    )


@tagged("post_install", "-at_install")
class TestIntakeDispatchHttp(RetailHttpCase):
    """The request stores the delivery; the dispatcher queues its job."""

    def test_request_stores_and_the_dispatcher_queues(self):
        with trap_jobs() as trap:
            response = self.post_delivery(
                "partner/upsert", self.partner_payload(), dispatch=False
            )
            self.assertEqual(response.status_code, 200, response.text)
            event = self.events()
            # stored, no job yet: the request created no queue_job row
            self.assertEqual(event.state, "received")
            self.assertFalse(event.job_uuid)
            trap.assert_jobs_count(0)
            # the cron's pass
            self.assertEqual(self.Event._cron_dispatch(), 1)
            trap.assert_jobs_count(1, only=event._process)
        event.invalidate_recordset()
        self.assertEqual(event.state, "queued")
        self.assertTrue(event.job_uuid)
        # a second pass finds nothing: one job per event
        self.assertEqual(self.Event._cron_dispatch(), 0)

    def test_a_duplicate_is_counted(self):
        self.post_delivery("partner/upsert", self.partner_payload(), dispatch=False)
        response = self.post_delivery(
            "partner/upsert", self.partner_payload(), dispatch=False
        )
        self.assertEqual(response.json()["status"], "duplicate")
        self.assertEqual(self.events().duplicate_count, 1)

    def test_dispatch_takes_the_oldest_first_in_batches(self):
        for i in range(5):
            self.post_delivery(
                "partner/upsert",
                self.partner_payload(f"C-{i}"),
                key=f"k{i}",
                dispatch=False,
            )
        events = self.events().sorted("id")
        with trap_jobs() as trap:
            for batch in (events[:2], events[2:4], events[4:]):
                self.assertEqual(self.Event._retail_dispatch(limit=2), batch)
            self.assertFalse(self.Event._retail_dispatch(limit=2))
            trap.assert_jobs_count(5)
        self.assertEqual(set(events.mapped("state")), {"queued"})

    def test_paused_backend_is_stored_and_dispatched(self):
        self.backend.state = "paused"
        with trap_jobs() as trap:
            response = self.post_delivery("partner/upsert", self.partner_payload())
            self.assertEqual(response.status_code, 200)
            # queued like any other: its job waits until the backend resumes
            trap.assert_jobs_count(1)

    def test_relabelled_body_is_refused_in_the_same_statement(self):
        body = json.dumps({"id": "C-9", "name": "Nine"}).encode()
        first = self.post_delivery("partner/delete", body=body, key="del-1")
        self.assertEqual(first.status_code, 200, first.text)
        replay = self.post_delivery("partner/upsert", body=body, key="upsert-1")
        self.assertEqual(replay.status_code, 400)
        self.assertIn("another topic", replay.json()["error"])
        self.assertEqual(len(self.events()), 1)
        self.assertEqual(self.events().body_class, "partner/delete")

    def test_a_relabelled_replay_under_the_stored_key_is_refused(self):
        body = json.dumps({"id": "C-9", "name": "Nine"}).encode()
        first = self.post_delivery("partner/delete", body=body, key="del-1")
        self.assertEqual(first.status_code, 200, first.text)
        # the captured body, its key and a forged topic: not a duplicate
        replay = self.post_delivery("partner/upsert", body=body, key="del-1")
        self.assertEqual(replay.status_code, 400)
        self.assertIn("another topic", replay.json()["error"])
        self.assertEqual(self.events().duplicate_count, 0)

    def test_ordinary_topics_share_a_body(self):
        body = json.dumps({"id": "C-9", "name": "Nine"}).encode()
        for key, topic in (("a", "partner/upsert"), ("b", "partner/refresh")):
            response = self.post_delivery(topic, body=body, key=key)
            self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(set(self.events().mapped("body_class")), {"-"})


class TestIngestStatement(RetailTestCase):
    """What the intake's statements store, count and refuse."""

    def ingest(self, key, topic="partner/upsert", body=None):
        body = body or json.dumps({"id": key, "name": "Stored once"})
        # the backend's columns, read by the intake with its others
        return ingest(
            self.backend,
            topic,
            key,
            body,
            card_id=self.backend.retail_card_id.id,
            company_id=self.backend.company_id.id,
        )

    def test_a_new_delivery_is_one_statement_a_duplicate_two(self):
        # the backend's columns come from the intake's cache
        self.backend.fetch(["retail_card_id", "company_id"])
        with self.assertQueryCount(1):
            self.assertEqual(self.ingest("q-1")[0], "accepted")
        with self.assertQueryCount(2):
            self.assertEqual(self.ingest("q-1")[0], "duplicate")
        self.assertEqual(self.events().duplicate_count, 1)

    def test_a_new_key_with_a_body_of_another_class_is_relabelled(self):
        body = json.dumps({"id": "C-7", "name": "Seven"})
        self.assertEqual(self.ingest("d-1", "partner/delete", body)[0], "accepted")
        # kept out by the exclusion constraint, then named by the lookup
        self.assertEqual(
            self.ingest("u-1", "partner/upsert", body), ("relabelled", self.events().id)
        )
        outcome, event_id = self.ingest("d-1", "partner/upsert", body)
        self.assertEqual(outcome, "relabelled")
        self.assertEqual(event_id, self.events().id)

    def test_payloads_are_compressed_with_lz4_where_the_server_has_it(self):
        cr = self.env.cr
        cr.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
            " WHERE name = 'default_toast_compression'"
        )
        available = bool(cr.fetchone()[0])
        cr.execute(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = 'retail_event'::regclass AND attname = 'payload'"
        )
        self.assertEqual(cr.fetchone()[0], "l" if available else "")


class TestBodyClassRace(RetailCommittedCase):
    """Two requests deliver one body under two classes of topic at once."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.backend = self.create_backend(env, name="Relabel race feed")

    def ingest(self, env, topic, key, body):
        return ingest(self.backend.with_env(env), topic, key, body)

    def test_the_database_refuses_the_second_class(self):
        body = json.dumps({"id": "C-1", "name": "Race"})
        # neither snapshot shows the other's row: the check in the statement
        # cannot see it, the exclusion constraint does
        results = self.race_holding_the_commit(
            lambda env: self.ingest(env, "partner/delete", "k-delete", body),
            lambda env: self.ingest(env, "partner/upsert", "k-upsert", body),
            second_blocks=True,
        )
        self.assertIn("second", results.blocked)
        self.assertEqual(results["first"][0], "accepted")
        self.assertIsInstance(
            results.errors.get("second"), psycopg2.errors.SerializationFailure
        )
        # Odoo replays the request: now it sees the first and refuses
        replay = self.in_transaction(
            lambda env: self.ingest(env, "partner/upsert", "k-upsert", body)
        )
        self.assertEqual(replay, ("relabelled", results["first"][1]))
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM retail_event"
                " WHERE backend_model = 'retail.test.backend' AND backend_id = %s",
                (self.backend.id,),
            )
            self.assertEqual(cr.fetchone()[0], 1)

    def test_same_key_at_once_is_stored_once(self):
        body = json.dumps({"id": "C-2", "name": "Twice"})
        results = self.race_holding_the_commit(
            lambda env: self.ingest(env, "partner/upsert", "same", body),
            lambda env: self.ingest(env, "partner/upsert", "same", body),
            second_blocks=True,
        )
        self.assertEqual(results["first"][0], "accepted")
        self.assertIsInstance(
            results.errors.get("second"), psycopg2.errors.SerializationFailure
        )
        replay = self.in_transaction(
            lambda env: self.ingest(env, "partner/upsert", "same", body)
        )
        self.assertEqual(replay, ("duplicate", results["first"][1]))

    def test_a_duplicate_does_not_wait_for_the_job_holding_the_event(self):
        body = json.dumps({"id": "C-3", "name": "Held"})
        outcome, event_id = self.in_transaction(
            lambda env: self.ingest(env, "partner/upsert", "held", body)
        )
        self.assertEqual(outcome, "accepted")

        def lock_the_event(env):
            # what a running job does to its event's row
            env.cr.execute(
                "UPDATE retail_event SET state = 'processing' WHERE id = %s",
                (event_id,),
            )

        results = self.race_holding_the_commit(
            lock_the_event,
            lambda env: self.ingest(env, "partner/upsert", "held", body),
            second_blocks=True,
        )
        self.assertNotIn("second", results.blocked)
        self.assertEqual(results["second"], ("duplicate", event_id))


@tagged("post_install", "-at_install")
class TestBackendReadByTheIntake(RetailHttpCase):
    """The intake reads the columns it needs with one query: a change to the
    backend applies to the next delivery."""

    def setUp(self):
        super().setUp()
        first = self.post_delivery("partner/upsert", self.partner_payload(), key="k0")
        self.assertEqual(first.status_code, 200, first.text)

    def test_a_changed_secret_refuses_the_old_one_at_once(self):
        old_signature_body = json.dumps(self.partner_payload("C-2")).encode()
        old_signature = self.sign(old_signature_body)
        self.backend.webhook_secret = "a-new-secret"
        response = self.post_delivery(
            "partner/upsert",
            body=old_signature_body,
            signature=old_signature,
            key="k1",
        )
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events("k1"))

    def test_a_new_secret_is_accepted_at_once(self):
        self.backend.webhook_secret = "a-new-secret"
        body = json.dumps(self.partner_payload("C-3")).encode()
        signature = hmac_sha256_digest("a-new-secret", body, self.signature_encoding)
        response = self.post_delivery(
            "partner/upsert", body=body, signature=signature, key="k2"
        )
        self.assertEqual(response.status_code, 200, response.text)

    def test_an_archived_backend_answers_404(self):
        self.backend.active = False
        response = self.post_delivery(
            "partner/upsert", self.partner_payload(), key="k3"
        )
        self.assertEqual(response.status_code, 404)

    def test_a_lower_size_limit_applies_at_once(self):
        self.backend.inbound_max_bytes = 20
        response = self.post_delivery(
            "partner/upsert", self.partner_payload(), key="k4"
        )
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.events("k4"))

    def test_the_company_stored_is_the_backends_current_one(self):
        company = self.env["res.company"].create({"name": "Other retail company"})
        self.backend.company_id = company
        self.post_delivery("partner/upsert", self.partner_payload("C-5"), key="k5")
        self.assertEqual(self.events("k5").company_id, company)


class TestDispatchSoon(RetailTestCase):
    """Events stored by other code paths can leave their jobs to the
    dispatcher too (a batch of many units)."""

    def test_stored_events_are_queued_by_the_next_dispatch(self):
        cron = self.env.ref(DISPATCH_CRON)
        events = self.Event.browse()
        for key in ("u1", "u2"):
            event, _created = self.store_event(
                "partner/upsert", self.partner_payload(key), key=key
            )
            events |= event
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        with trap_jobs() as trap:
            self.assertEqual(events._dispatch_soon(), events)
            trap.assert_jobs_count(0)
            self.assertEqual(
                self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
                triggers + 1,
            )
            self.assertEqual(self.Event._cron_dispatch(), 2)
            trap.assert_jobs_count(2)

    def test_nothing_to_dispatch_wakes_nothing(self):
        cron = self.env.ref(DISPATCH_CRON)
        before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.Event.browse()._dispatch_soon()
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            before,
        )


class TestDispatchBatch(RetailTestCase):
    """The dispatcher creates a batch's jobs in one insert: the same jobs as
    one with_delay() each."""

    def stored(self, *keys):
        events = self.Event.browse()
        for key in keys:
            event, _created = self.store_event(
                "partner/upsert", self.partner_payload(key), key=key
            )
            events |= event
        return events

    def job_of(self, event):
        return self.env["queue.job"].search([("uuid", "=", event.job_uuid)])

    def test_batch_jobs_are_those_of_with_delay(self):
        single, *batch = self.stored("s1", "b1", "b2", "b3")
        single._enqueue()
        batch = self.Event.union(*batch)
        with self.assertQueryCount(__system__=4):
            batch._enqueue()
        reference = self.job_of(single)
        fields = (
            "model_name",
            "method_name",
            "channel",
            "channel_method_name",
            "job_function_id",
            "priority",
            "max_retries",
            "state",
            "company_id",
            "user_id",
        )
        for event in batch:
            self.assertEqual(event.state, "queued")
            job = self.job_of(event)
            self.assertEqual(len(job), 1)
            self.assertEqual(job.identity_key, f"retail.event:{event.id}")
            self.assertEqual(job.records, event)
            self.assertEqual(job.name, f"Process {event.display_name}")
            self.assertEqual(job.func_string, f"retail.event({event.id},)._process()")
            for name in fields:
                self.assertEqual(job[name], reference[name], name)
        self.assertEqual(len(set(batch.mapped("job_uuid"))), 3)

    def test_a_run_reads_the_channel_of_a_backend_once(self):
        self.stored("r1", "r2", "r3", "r4")
        options, queries = {}, []
        for _pass in range(2):
            # each pass of a run starts with an empty cache (its commit)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            events = self.Event._retail_dispatch(limit=2, job_options=options)
            queries.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(events), 2)
            channel = self.backend._retail_job_channel("inbound")
            for event in events:
                self.assertEqual(self.job_of(event).channel, channel)
        # the second pass does not read the backend and its channel again
        self.assertLess(queries[1], queries[0])
        self.assertEqual(
            list(options), [(self.backend._name, self.backend.id, "inbound")]
        )

    def test_the_dispatcher_leaves_the_bodies_in_the_database(self):
        events = self.stored("p1", "p2", "p3")
        events.invalidate_recordset()
        self.Event._retail_dispatch()
        cache = self.env.cache
        for event in events:
            self.assertEqual(event.state, "queued")
            self.assertFalse(cache.contains(event, self.Event._fields["payload"]))
            self.assertFalse(cache.contains(event, self.Event._fields["headers"]))
        # read when needed: both, for the whole batch, in one query
        with self.assertQueryCount(__system__=1):
            self.assertEqual(len(events.mapped("payload")), 3)
            events.mapped("headers")

    def test_the_job_reads_its_event_and_body_at_once(self):
        (event,) = self.stored("p4")
        event.invalidate_recordset()
        with self.assertQueryCount(__system__=1):
            event._fetch_with_body()
            self.assertTrue(event.payload)
            self.assertEqual(event.topic, "partner/upsert")
            self.assertEqual(event.state, "received")

    def test_an_event_whose_job_waits_keeps_it(self):
        first, second = self.stored("w1", "w2")
        first._enqueue()
        waiting = self.job_of(first)
        # back to received, as a replay whose old job has not run yet
        first.write({"state": "received", "job_uuid": False})
        (first | second)._enqueue()
        self.assertEqual(first.job_uuid, waiting.uuid)
        self.assertEqual(
            self.env["queue.job"].search_count(
                [("identity_key", "=", f"retail.event:{first.id}")]
            ),
            1,
        )
        self.assertTrue(self.job_of(second))
        self.assertNotEqual(second.job_uuid, first.job_uuid)

    def test_a_finished_job_does_not_stop_a_new_one(self):
        (event,) = self.stored("f1")
        other = self.stored("f2")
        event._enqueue()
        self.job_of(event).state = "done"
        event.write({"state": "received", "job_uuid": False})
        (event | other)._enqueue()
        self.assertEqual(
            self.env["queue.job"].search_count(
                [("identity_key", "=", f"retail.event:{event.id}")]
            ),
            2,
        )
        self.assertEqual(self.job_of(event).state, "pending")


class TestDispatcherWakeUp(RetailCommittedCase):
    """A stored delivery wakes the dispatcher once its transaction commits
    (a duplicate does not); the waker's thread makes the dispatcher due: one
    trigger row per wake-up, committed."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.backend = self.create_backend(env)
        self.asked = []
        self.enterContext(patch.object(DISPATCH_WAKER, "wake", self.asked.append))

    def ingest(self, key):
        def store(env):
            outcome, _event_id = env["retail.event"]._ingest(
                self.backend.with_env(env),
                topic="partner/upsert",
                event_key=key,
                payload=json.dumps(self.partner_payload()),
                headers={},
                remote_ref=False,
                body_sha256=hashlib.sha256(key.encode()).hexdigest(),
            )
            # nothing is asked before the commit
            self.assertEqual(self.asked, [])
            return outcome

        return self.in_transaction(store)

    def test_the_commit_of_a_stored_delivery_wakes_the_dispatcher(self):
        self.assertEqual(self.ingest("wake-1"), "accepted")
        self.assertEqual(self.asked, [self.registry.db_name])
        self.asked.clear()
        self.assertEqual(self.ingest("wake-1"), "duplicate")
        self.assertEqual(self.asked, [])

    def test_a_wake_up_triggers_the_dispatcher(self):
        with self.committed_env() as env:
            cron = env.ref(DISPATCH_CRON)
            env.cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            (before,) = env.cr.fetchone()
        self.add_committed_cleanup(
            lambda env: env.cr.execute(
                "DELETE FROM ir_cron_trigger WHERE id > %s", (before,)
            )
        )
        _wake_dispatcher(self.registry.db_name)
        with self.committed_env() as env:
            triggers = env["ir.cron.trigger"].search([("id", ">", before)])
            self.assertEqual(triggers.cron_id, cron.with_env(env))
            self.assertEqual(len(triggers), 1)

    def test_the_notification_reaches_listening_cron_workers(self):
        # a cron worker's side: it listens on the postgres database
        _dbname, info = sql_db.connection_info_for("postgres")
        listener = psycopg2.connect(**info)
        self.addCleanup(listener.close)
        listener.autocommit = True
        with listener.cursor() as cr:
            cr.execute("LISTEN cron_trigger")
        _wake_cron_workers(self.registry.db_name)
        pid = NOTIFY_CONNECTION._connection.get_backend_pid()
        _wake_cron_workers(self.registry.db_name)
        # the same kept connection sent both
        self.assertEqual(NOTIFY_CONNECTION._connection.get_backend_pid(), pid)
        payloads = []
        deadline = time.monotonic() + 5
        while len(payloads) < 2 and time.monotonic() < deadline:
            if select.select([listener], [], [], 0.5)[0]:
                listener.poll()
                payloads += [n.payload for n in listener.notifies]
                listener.notifies.clear()
        self.assertEqual(payloads[:2], [self.registry.db_name] * 2)

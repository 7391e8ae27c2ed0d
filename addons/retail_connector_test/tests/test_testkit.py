"""The base's test helpers, exercised on the test connector."""

import json
import threading

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services.signatures import (
    verify_hmac_sha256,
)
from odoo.addons.retail_connector_base.tests.common import Outcome, process_outcome

from .common import SECRET, RetailCommittedCase, RetailHttpCase, RetailTestCase


class TestConnectorFixture(RetailTestCase):
    """The class fixture and the deliveries stored directly."""

    def test_backend_comes_from_the_connector_hook(self):
        self.assertEqual(self.backend._name, "retail.test.backend")
        self.assertEqual(self.backend.name, "Test feed")
        self.assertEqual(self.backend.state, "active")
        self.assertEqual(self.backend.sudo().webhook_secret, SECRET)
        self.assertTrue(self.env.context.get("tracking_disable"))
        self.assertEqual(self.Binding._name, "retail.test.partner.binding")
        other = self._setup_backend(self.env, name="Second feed", state="paused")
        self.assertEqual((other.name, other.state), ("Second feed", "paused"))

    def test_users_have_the_retail_groups(self):
        self.assertEqual(self.user.login, "retail_user")
        self.assertTrue(self.user.has_group("retail_connector_base.group_retail_user"))
        self.assertFalse(
            self.user.has_group("retail_connector_base.group_retail_manager")
        )
        self.assertEqual(self.manager.login, "retail_manager")
        self.assertTrue(
            self.manager.has_group("retail_connector_base.group_retail_manager")
        )

    def test_store_event_stores_once_per_key(self):
        event, created = self.store_event("partner/upsert", {"id": "C-1"}, key="k1")
        self.assertTrue(created)
        self.assertEqual(event.state, "received")
        self.assertEqual(event.event_key, "k1")
        self.assertEqual(event.headers, {"X-Test-Topic": "partner/upsert"})
        self.assertEqual(json.loads(event.payload), {"id": "C-1"})
        again, created = self.store_event("partner/upsert", {"id": "C-1"}, key="k1")
        self.assertFalse(created)
        self.assertEqual(again, event)
        self.assertEqual(event.duplicate_count, 1)

    def test_store_event_keeps_text_payloads_and_given_headers(self):
        event, _created = self.store_event(
            "partner/upsert", '{"id": ', key="raw", headers={"X-Other": "1"}
        )
        self.assertEqual(event.payload, '{"id": ')
        self.assertEqual(event.headers, {"X-Other": "1"})
        self.assertEqual(event.event_key, "raw")
        default, _created = self.store_event("partner/upsert", {"id": "C-2"})
        self.assertEqual(default.event_key, self.default_event_key)

    def test_deliver_processes_on_request(self):
        stored = self.deliver("partner/upsert", self.partner_payload(), key="k1")
        self.assertEqual(stored.state, "received")
        processed = self.deliver(
            "partner/upsert",
            self.partner_payload("C-2", "Second Store"),
            key="k2",
            process=True,
        )
        self.assertEqual(processed.state, "done")
        self.assertEqual(
            self.Binding._retail_get(self.backend, "C-2").odoo_id.name,
            "Second Store",
        )

    def test_events_are_the_backends_own(self):
        first = self.deliver("partner/upsert", {"id": "C-1"}, key="k1")
        second = self.deliver("partner/upsert", {"id": "C-2"}, key="k2")
        other_backend = self._setup_backend(self.env, name="Other feed")
        foreign = self.deliver(
            "partner/upsert", {"id": "C-1"}, key="k1", backend=other_backend
        )
        self.assertEqual(self.events(), first | second)
        self.assertEqual(self.events("k2"), second)
        self.assertEqual(self.events(backend=other_backend), foreign)

    def test_sign_is_what_the_intake_verifies(self):
        body = b'{"id": "C-1"}'
        signature = self.sign(body)
        self.assertTrue(verify_hmac_sha256(SECRET, body, signature, encoding="hex"))
        self.assertFalse(verify_hmac_sha256(SECRET, b"{}", signature, encoding="hex"))


@tagged("post_install", "-at_install")
class TestConnectorHttp(RetailHttpCase):
    """Deliveries posted to the connector's intake route."""

    def test_post_delivery_is_signed_and_labelled(self):
        with trap_jobs() as trap:
            response = self.post_delivery(
                "partner/upsert", self.partner_payload(), key="http-1"
            )
            self.assertEqual(response.status_code, 200, response.text)
            event = self.events("http-1")
            trap.assert_jobs_count(1, only=event._process)
        self.assertEqual(event.topic, "partner/upsert")
        self.assertEqual(event.headers["X-Test-Event-Id"], "http-1")
        self.assertEqual(event.headers["Content-Type"], "application/json")

    def test_post_delivery_overrides(self):
        wrong = self.post_delivery("partner/upsert", {"id": "C-1"}, signature="00")
        self.assertEqual(wrong.status_code, 401)
        with trap_jobs():
            relabelled = self.post_delivery(
                "partner/upsert",
                key="http-2",
                body=b'{"id": "C-9"}',
                headers={"X-Test-Topic": "partner/enrich"},
            )
        self.assertEqual(relabelled.status_code, 200, relabelled.text)
        event = self.events("http-2")
        self.assertEqual(event.topic, "partner/enrich")
        self.assertEqual(event.payload, '{"id": "C-9"}')
        missing = self.post_delivery(
            "partner/upsert", {"id": "C-1"}, path="/retail/test/webhook/999999"
        )
        self.assertEqual(missing.status_code, 404)

    def test_post_body_sends_exactly_its_headers(self):
        body = b'{"id": "C-3"}'
        headers = {
            "Content-Type": "application/json",
            "X-Test-Topic": "partner/upsert",
            "X-Test-Event-Id": "raw-1",
        }
        unsigned = self.post_body(body, headers)
        self.assertEqual(unsigned.status_code, 401)
        with trap_jobs():
            signed = self.post_body(
                body, dict(headers, **{"X-Test-Signature": self.sign(body)})
            )
        self.assertEqual(signed.status_code, 200, signed.text)
        # the request committed through its own cursor; the test sees it
        self.assertEqual(self.events("raw-1").payload, body.decode())


class TestCommittedTransactions(RetailCommittedCase):
    """Transactions that really commit, and their removal."""

    def count_partners(self, name):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM res_partner WHERE name = %s AND active", (name,)
            )
            return cr.fetchone()[0]

    def test_committed_env_commits_or_rolls_back(self):
        with self.committed_env() as env:
            self.create_committed(env, "res.partner", {"name": "Testkit committed"})
        self.assertEqual(self.count_partners("Testkit committed"), 1)
        with self.assertRaises(RuntimeError), self.committed_env() as env:
            env["res.partner"].create({"name": "Testkit rolled back"})
            env.flush_all()
            raise RuntimeError("the block fails")
        self.assertEqual(self.count_partners("Testkit rolled back"), 0)

    def test_in_transaction_hooks_and_snapshot(self):
        steps = []

        def commit_elsewhere():
            steps.append("snapshot")
            # committed after this transaction's snapshot: invisible to it
            with self.committed_env() as env:
                self.create_committed(env, "res.partner", {"name": "Testkit late"})

        def work(env):
            steps.append("work")
            return env["res.partner"].search_count([("name", "=", "Testkit late")])

        seen = self.in_transaction(
            work,
            after_snapshot=commit_elsewhere,
            before_commit=lambda: steps.append("commit"),
        )
        self.assertEqual(steps, ["snapshot", "work", "commit"])
        self.assertEqual(seen, 0)
        self.assertEqual(self.count_partners("Testkit late"), 1)

    def test_what_was_committed_is_removed_after_the_test(self):
        order = []
        with self.committed_env() as env:
            backend = self.create_backend(env, name="Testkit cleanup")
            self.deliver("partner/upsert", {"id": "C-1"}, key="k1", backend=backend)
            backend._retail_raise_exception(
                flow="inbound", category="validation", message="Testkit problem"
            )
            self.create_committed(env, "res.partner", {"name": "Testkit removed"})
        self.add_committed_cleanup(lambda env, name: order.append(name), "first")
        self.add_committed_cleanup(lambda env, name: order.append(name), "second")
        self.doCleanups()
        self.assertEqual(order, ["second", "first"])
        self.assertEqual(self.count_partners("Testkit removed"), 0)
        with self.committed_env() as env:
            self.assertFalse(backend.with_env(env).exists())
            self.assertFalse(self.events(backend=backend.with_env(env)))
            self.assertFalse(
                env["retail.sync.exception"].search_count(
                    [
                        ("backend_model", "=", backend._name),
                        ("backend_id", "=", backend.id),
                    ]
                )
            )


class TestConcurrencyHarness(RetailCommittedCase):
    """Threads started at once, races and their outcomes."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.backend = self.create_backend(env, name="Testkit races")
        # runs before the backend's removal, which takes the bindings along
        self.add_committed_cleanup(self.remove_imported_partners)

    def remove_imported_partners(self, env):
        env["retail.test.partner.binding"].search(
            [("backend_id", "=", self.backend.id)]
        ).odoo_id.unlink()

    def held_partners(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM res_partner WHERE name = 'Testkit held'")
            return cr.fetchone()[0]

    def lock_backend(self, env):
        env.cr.execute(
            "SELECT id FROM retail_test_backend WHERE id = %s FOR UPDATE",
            (self.backend.id,),
        )
        return env.cr.fetchone()[0]

    def test_run_concurrently_runs_every_target_at_once(self):
        # each target passes only when all the others run at the same time
        together = threading.Barrier(4)

        def target(index):
            together.wait(5)
            return index * 10

        outcome = self.run_concurrently(
            [lambda index=index: target(index) for index in range(4)]
        )
        self.assertIsInstance(outcome, Outcome)
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertEqual(outcome, {0: 0, 1: 10, 2: 20, 3: 30})

    def test_run_concurrently_collects_errors_and_timeouts(self):
        release = threading.Event()
        self.addCleanup(release.set)

        def fails():
            raise ValueError("refused")

        outcome = self.run_concurrently(
            {"ok": lambda: "fine", "fails": fails, "stuck": lambda: release.wait(30)},
            timeout=1,
        )
        self.assertEqual(outcome, {"ok": "fine"})
        self.assertIsInstance(outcome.errors["fails"], ValueError)
        self.assertIsInstance(outcome.errors["stuck"], TimeoutError)
        self.assertIn("refused", repr(outcome))

    def test_race_holding_the_commit_hides_the_uncommitted_work(self):
        def first(env):
            return self.create_committed(
                env, "res.partner", {"name": "Testkit held"}
            ).id

        def second(env):
            return env["res.partner"].search_count([("name", "=", "Testkit held")])

        outcome = self.race_holding_the_commit(first, second)
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertFalse(outcome.blocked)
        self.assertTrue(outcome["first"])
        self.assertEqual(outcome["second"], 0)
        self.assertEqual(self.held_partners(), 1)

    def test_race_holding_the_commit_sees_the_second_wait(self):
        outcome = self.race_holding_the_commit(
            self.lock_backend, self.lock_backend, second_blocks=True
        )
        self.assertEqual(outcome.blocked, {"second"})
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertEqual(outcome, {"first": self.backend.id, "second": self.backend.id})

    def test_race_after_a_snapshot_runs_second_on_older_data(self):
        def first(env):
            return self.create_committed(
                env, "res.partner", {"name": "Testkit held"}
            ).id

        def second(env):
            return env["res.partner"].search_count([("name", "=", "Testkit held")])

        outcome = self.race_after_a_snapshot(first, second)
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertTrue(outcome["first"])
        # committed before the second one ran, after its snapshot
        self.assertEqual(outcome["second"], 0)
        self.assertEqual(self.held_partners(), 1)

    def test_deliver_concurrently_the_same_key_is_one_row(self):
        outcome = self.deliver_concurrently(
            self.backend, [("partner/upsert", {"id": "C-1"}, "same-key")] * 4
        )
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertEqual(len(outcome), 4)
        self.assertEqual(len({event_id for event_id, _created in outcome.values()}), 1)
        self.assertEqual(
            sorted(created for _id, created in outcome.values()),
            [False, False, False, True],
        )
        with self.committed_env() as env:
            event = self.events(backend=self.backend.with_env(env))
            self.assertEqual(len(event), 1)
            self.assertEqual(event.duplicate_count, 3)

    def test_deliver_concurrently_different_keys_are_rows_of_their_own(self):
        outcome = self.deliver_concurrently(
            self.backend,
            [("partner/upsert", {"id": f"C-{i}"}, f"k{i}") for i in range(3)],
        )
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertTrue(all(created for _id, created in outcome.values()))
        with self.committed_env() as env:
            events = self.events(backend=self.backend.with_env(env))
            self.assertEqual(sorted(events.mapped("event_key")), ["k0", "k1", "k2"])

    def store(self, *deliveries):
        with self.committed_env() as env:
            backend = self.backend.with_env(env)
            return [
                self.deliver("partner/upsert", payload, key=key, backend=backend).id
                for key, payload in deliveries
            ]

    def test_process_concurrently_processes_every_event(self):
        event_ids = self.store(
            *[(f"k{i}", self.partner_payload(f"C-{i}", f"Store {i}")) for i in range(3)]
        )
        outcome = self.process_concurrently(event_ids)
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertEqual(len(outcome), 3)
        self.assertTrue(all(v.startswith("done") for v in outcome.values()), outcome)
        with self.committed_env() as env:
            partners = (
                env["retail.test.partner.binding"]
                .search([("backend_id", "=", self.backend.id)])
                .odoo_id
            )
            self.assertEqual(
                sorted(partners.mapped("name")), ["Store 0", "Store 1", "Store 2"]
            )

    def test_processing_while_the_first_holds_the_lock_is_retried(self):
        payload = self.partner_payload("C-7", "Locked Store")
        first_id, second_id = self.store(("k1", payload), ("k2", payload))
        outcome = self.race_while_the_first_holds_the_lock(first_id, second_id)
        self.assertFalse(outcome.errors, outcome.errors)
        self.assertTrue(outcome["first"].startswith("done"), outcome)
        self.assertEqual(outcome["second"], "retry")
        # once the first one committed: the same content is already applied
        self.assertTrue(outcome["retry"].startswith("ignored"), outcome)
        with self.committed_env() as env:
            binding = env["retail.test.partner.binding"].search(
                [("backend_id", "=", self.backend.id), ("external_id", "=", "C-7")]
            )
            self.assertEqual(len(binding), 1)
            self.assertEqual(binding.odoo_id.name, "Locked Store")

    def test_process_outcome_reports_a_postponed_job_as_retry(self):
        (event_id,) = self.store(("k1", self.partner_payload()))
        with self.committed_env() as env:
            self.backend.with_env(env).action_pause()
        self.assertEqual(self.process_committed(event_id), "retry")
        with self.committed_env() as env:
            event = env["retail.event"].browse(event_id)
            self.assertEqual(event.state, "received")
            self.assertEqual(process_outcome(env, event_id), "retry")

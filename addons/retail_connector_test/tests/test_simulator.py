"""The partner feed simulator, and the connector against it end to end."""

import json
import unittest

import requests

from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.signatures import verify_hmac_sha256
from odoo.addons.retail_connector_base.simulator import (
    ManualClock,
    Receiver,
    intercept,
    mount,
)

from ..simulator import API_URL, PartnerFeedSimulator
from .common import SECRET, TOKEN, RetailTestCase, RetailTestMixin

AUTH = {"Authorization": f"Bearer {TOKEN}"}


class TestPartnerFeed(unittest.TestCase):
    """The simulator answers like the feed the connector is written for."""

    def setUp(self):
        super().setUp()
        self.clock = ManualClock()
        self.sim = PartnerFeedSimulator(TOKEN, SECRET, clock=self.clock)
        self.session = mount(requests.Session(), self.sim)

    def call(self, method, path, **kwargs):
        kwargs.setdefault("headers", AUTH)
        return self.session.request(method, f"{API_URL}{path}", timeout=5, **kwargs)

    def test_every_call_needs_the_token(self):
        self.sim.fail_next(1, 503)
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = self.call("GET", "/ping", headers=headers)
            self.assertEqual(response.status_code, 401)
        # the injected failure waits for an authenticated call
        self.assertEqual(self.call("GET", "/ping").status_code, 503)
        response = self.call("GET", "/ping")
        self.assertEqual(
            (response.status_code, response.json()), (200, {"status": "ok"})
        )
        self.assertEqual(
            self.sim.calls.outcomes(operation="ping"),
            ["unauthorized", "unauthorized", "injected_failure", "ok"],
        )

    def test_put_then_get(self):
        document = {"name": " Acme Store ", "email": "shop@acme.example"}
        stored = self.call("PUT", "/partners/C-1", json=document).json()
        self.assertEqual(
            (stored["id"], stored["name"], stored["version"]), ("C-1", "Acme Store", 1)
        )
        self.assertEqual(stored["updated_at"], "2026-01-01T00:00:00Z")
        self.assertEqual(self.call("GET", "/partners/C-1").json(), stored)
        again = self.call("PUT", "/partners/C-1", json={"name": "Acme", "email": None})
        self.assertEqual((again.json()["version"], again.json()["email"]), (2, None))
        self.assertEqual(self.call("GET", "/partners/C-404").status_code, 404)
        self.assertEqual(self.call("DELETE", "/partners/C-1").status_code, 404)
        self.assertEqual(self.sim.partner("C-1")["name"], "Acme")

    def test_put_is_validated(self):
        response = self.call("PUT", "/partners/C-1", json={"name": " ", "email": "x@"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.json(),
            {"errors": {"name": "can't be blank", "email": "is invalid"}},
        )
        self.assertEqual(self.call("PUT", "/partners/C-1", data=b"[").status_code, 400)
        self.assertIsNone(self.sim.partner("C-1"))
        self.assertEqual(
            self.sim.calls.outcomes(operation="partner.put"), ["invalid", "bad_request"]
        )

    def test_changes_in_the_feed_are_signed_webhooks(self):
        receiver = Receiver([500])
        self.sim.subscribe(f"{receiver.base_url}/hook")
        partner = self.sim.upsert_partner("C-2", "Twin Pines", "tp@example.com")
        self.assertEqual([w.topic for w in self.sim.outbox], ["partner/upsert"])
        session = mount(requests.Session(), receiver)
        self.assertEqual(self.sim.deliver(session=session), [])  # refused: kept
        self.clock.advance(5)
        (webhook,) = self.sim.deliver(session=session)
        first, second = receiver.requests
        self.assertEqual(first.body, second.body)
        self.assertEqual(json.loads(second.body), partner)
        self.assertEqual(second.headers["X-Test-Topic"], "partner/upsert")
        self.assertEqual(second.headers["X-Test-Event-Id"], webhook.event_id)
        self.assertTrue(
            verify_hmac_sha256(
                SECRET, second.body, second.headers["X-Test-Signature"], encoding="hex"
            )
        )
        quiet = self.sim.upsert_partner("C-3", "Quiet", notify=False)
        self.assertEqual(self.sim.outbox, [])
        self.assertEqual(self.sim.partner("C-3"), quiet)


class TestConnectorAgainstFeed(RetailTestCase):
    """retail.test.backend's client talks to the simulated feed."""

    def setUp(self):
        super().setUp()
        self.sim = PartnerFeedSimulator(TOKEN, SECRET)
        self.enterContext(intercept(self.sim))

    def import_from_feed(self, partner_id, name, email=None):
        """A partner made in the feed, imported from its webhook."""
        self.sim.upsert_partner(partner_id, name, email)
        webhook = self.sim.outbox.pop()
        event, _created = self.accept(webhook.payload, key=webhook.event_id)
        event._process()
        return self.Binding._retail_get(self.backend, partner_id)

    def export(self):
        try:
            return self.backend._retail_export_job("partners")
        except RetryableJobError as exc:
            return exc

    def puts(self):
        return self.sim.calls.outcomes(operation="partner.put")

    def test_export_sends_the_partner_to_the_feed(self):
        binding = self.import_from_feed("C-1", "Acme Store", "shop@acme.example")
        self.assertEqual(binding.odoo_id.email, "shop@acme.example")
        binding.odoo_id.write({"name": "Acme Renamed"})
        self.assertIn("1 of 1", self.export())
        self.assertEqual(binding.sync_state, "synced")
        partner = self.sim.partner("C-1")
        self.assertEqual((partner["name"], partner["version"]), ("Acme Renamed", 2))
        self.assertEqual(self.puts(), ["ok"])

    def test_refused_partner_is_an_exception_the_others_go(self):
        refused = self.import_from_feed("C-1", "Acme Store", "shop@acme.example")
        accepted = self.import_from_feed("C-2", "Twin Pines")
        refused.odoo_id.write({"email": "not-an-email"})
        accepted.odoo_id.write({"name": "Twin Pines Retail"})
        self.export()
        self.assertEqual(refused.sync_state, "error")
        self.assertIn("422", refused.last_error)
        self.assertEqual(accepted.sync_state, "synced")
        self.assertEqual(self.sim.partner("C-1")["email"], "shop@acme.example")
        self.assertEqual(self.sim.partner("C-2")["name"], "Twin Pines Retail")
        exception = self.Exception.search(
            [("flow", "=", "outbound"), ("remote_ref", "=", "C-1")]
        )
        self.assertEqual(exception.category, "remote_rejected")
        self.assertIn("is invalid", exception.message)

    def test_unavailable_feed_is_retried_inline(self):
        binding = self.import_from_feed("C-1", "Acme Store")
        binding.odoo_id.write({"name": "Acme Renamed"})
        self.sim.fail_next(1, 503, retry_after=0)
        self.assertIn("1 of 1", self.export())
        self.assertEqual(self.puts(), ["injected_failure", "ok"])
        self.assertEqual(self.sim.partner("C-1")["name"], "Acme Renamed")

    def test_throttled_feed_postpones_the_job_by_its_retry_after(self):
        binding = self.import_from_feed("C-1", "Acme Store")
        binding.odoo_id.write({"name": "Acme Renamed"})
        self.sim.throttle_next(1, retry_after=30)
        postponed = self.export()
        self.assertIsInstance(postponed, RetryableJobError)
        self.assertEqual(postponed.seconds, 31)
        self.assertEqual(binding.sync_state, "outdated")
        self.assertEqual(self.sim.partner("C-1")["name"], "Acme Store")
        # the job's next run finds the feed willing
        self.assertIn("1 of 1", self.export())
        self.assertEqual(self.puts(), ["injected_failure", "ok"])

    def test_timeouts_are_transient(self):
        binding = self.import_from_feed("C-1", "Acme Store")
        binding.odoo_id.write({"name": "Acme Renamed"})
        self.sim.time_out_next(3)
        self.assertIsInstance(self.export(), RetryableJobError)
        # PUT is idempotent: the client tried it three times
        self.assertEqual(self.puts(), ["injected_failure"] * 3)
        self.assertEqual(binding.sync_state, "outdated")
        self.assertIn("1 of 1", self.export())
        self.assertEqual(binding.sync_state, "synced")

    def test_enrich_reads_the_partner_from_the_feed(self):
        self.sim.upsert_partner("C-9", "Nine Shop", "nine@shop.example", notify=False)
        event, _created = self.accept({"id": "C-9"}, topic="partner/enrich", key="e-9")
        event._process()
        self.assertEqual(event.state, "done")
        binding = self.Binding._retail_get(self.backend, "C-9")
        self.assertEqual(
            (binding.odoo_id.name, binding.odoo_id.email),
            ("Nine Shop", "nine@shop.example"),
        )
        self.assertEqual(self.sim.calls.outcomes(operation="partner.get"), ["ok"])

    def test_connection_test_pings_the_feed(self):
        self.assertEqual(self.backend._retail_test_connection(), "remote answered ok")
        self.backend.access_token = "revoked-token"
        with self.assertRaises(errors.AuthenticationError):
            self.backend._retail_test_connection()
        self.assertEqual(
            self.sim.calls.outcomes(operation="ping"), ["ok", "unauthorized"]
        )


@tagged("post_install", "-at_install")
class TestFeedWebhooks(RetailTestMixin, HttpCase):
    """The feed's webhooks reach the intake over HTTP; refused ones come again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_retail()

    def events(self):
        self.env.invalidate_all()
        return self.Event.search(
            [
                ("backend_id", "=", self.backend.id),
                ("backend_model", "=", self.backend._name),
            ]
        )

    def test_refused_delivery_is_retried_and_accepted_once(self):
        clock = ManualClock()
        sim = PartnerFeedSimulator(TOKEN, SECRET, clock=clock)
        sim.subscribe(f"{self.base_url()}/retail/test/webhook/{self.backend.id}")
        sim.upsert_partner("C-7", "Seven Store", "seven@store.example")
        # Odoo holds another secret than the feed: the delivery is refused
        self.backend.webhook_secret = "not-the-feed-secret"
        with trap_jobs() as trap:
            # (the test's opener carries the request to the test server)
            self.assertEqual(sim.deliver(session=self.opener), [])
            self.assertFalse(self.events())
            self.backend.webhook_secret = SECRET
            # not due before the retry delay
            self.assertEqual(sim.deliver(session=self.opener), [])
            clock.advance(5)
            (webhook,) = sim.deliver(session=self.opener)
            event = self.events()
            self.assertEqual(len(event), 1)
            # the dispatcher, woken by the request's commit, queues its job
            self.Event._retail_dispatch()
            trap.assert_jobs_count(1, only=event._process)
            # the feed sends the same event again: recognised, no new work
            sim.outbox.append(webhook)
            self.assertEqual(sim.deliver(session=self.opener), [webhook])
            self.assertEqual(self.events(), event)
            self.Event._retail_dispatch()
            trap.assert_jobs_count(1, only=event._process)
        self.assertEqual([d.status for d in sim.deliveries], [401, 200, 200])
        self.assertEqual(event.event_key, webhook.event_id)
        event._process()
        self.assertEqual(event.state, "done")
        binding = self.Binding._retail_get(self.backend, "C-7")
        self.assertEqual(binding.odoo_id.name, "Seven Store")

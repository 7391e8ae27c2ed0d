import json
import threading

from .common import RetailCommittedCase


class TestConcurrentDelivery(RetailCommittedCase):
    """Two transactions deliver the same event key at the same time.

    Runs on real, separately committed transactions (not the test
    transaction), and removes what it created.
    """

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.backend = self.create_backend(env, name="Concurrency feed")

    def deliver_in(self, env, payload):
        event, created = self.store_event(
            "partner/upsert",
            payload,
            key="same-key",
            headers={},
            backend=self.backend.with_env(env),
        )
        return event.id, created

    def test_same_key_in_two_transactions_gives_one_row(self):
        payload = json.dumps({"id": "C-1", "name": "Race"})
        # the second insert blocks on the unique index until the first commits
        results = self.race_holding_the_commit(
            lambda env: self.deliver_in(env, payload),
            lambda env: self.deliver_in(env, payload),
            second_blocks=True,
        )
        self.assertIn("second", results.blocked)
        errors = list(results.errors.values())
        self.assertFalse(errors, errors)
        self.assertTrue(results["first"][1])
        self.assertFalse(results["second"][1])
        self.assertEqual(results["first"][0], results["second"][0])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), max((SELECT count(*) FROM retail_event_duplicate d"
                " WHERE d.event_id = e.id)) FROM retail_event e"
                " WHERE backend_model = 'retail.test.backend' AND backend_id = %s",
                (self.backend.id,),
            )
            self.assertEqual(cr.fetchone(), (1, 1))


class TestConcurrentExceptions(TestConcurrentDelivery):
    """The same problem reported by two workers at once is one exception."""

    def record(self, env):
        backend = self.backend.with_env(env)
        return backend._retail_raise_exception(
            flow="outbound",
            category="remote_rejected",
            message="Partner P-1 was refused: email is invalid",
            remote_ref="P-1",
        ).id

    def test_same_exception_from_two_transactions(self):
        ids = self.race_after_a_snapshot(self.record, self.record)
        self.assertEqual(ids["first"], ids["second"])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), max(occurrence_count) FROM retail_sync_exception"
                " WHERE backend_model = 'retail.test.backend' AND backend_id = %s",
                (self.backend.id,),
            )
            self.assertEqual(cr.fetchone(), (1, 2))


class TestConcurrentRateLimit(RetailCommittedCase):
    """Many workers take tokens from one bucket at the same time."""

    def test_bucket_grants_exactly_its_capacity(self):
        from odoo.addons.retail_connector_base.services.token_bucket import (  # noqa: PLC0415
            PgTokenBucket,
        )

        registry = self.registry
        key = f"bench:concurrent:{threading.get_ident()}"

        def worker():
            bucket = PgTokenBucket(
                registry.cursor, key, capacity=5, refill_per_second=0.001
            )
            return bucket.acquire(1) == 0.0

        run = self.run_concurrently([worker] * 12)
        grants, failures = list(run.values()), list(run.errors.values())
        try:
            self.assertFalse(failures, failures)
            self.assertEqual(grants.count(True), 5)
            self.assertEqual(len(grants), 12)
        finally:
            PgTokenBucket(registry.cursor, key, capacity=5, refill_per_second=1).reset()

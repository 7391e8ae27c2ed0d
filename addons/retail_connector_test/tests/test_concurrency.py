import json
import threading

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name


class TestConcurrentDelivery(BaseCase):
    """Two transactions deliver the same event key at the same time.

    Runs on real, separately committed transactions (not the test
    transaction), and removes what it created.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["retail.test.backend"].create(
                {"name": "Concurrency feed", "state": "active"}
            )
            self.backend_id = backend.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["retail.sync.exception"].search(
                [
                    ("backend_model", "=", "retail.test.backend"),
                    ("backend_id", "=", self.backend_id),
                ]
            ).unlink()
            env["retail.event"].search(
                [
                    ("backend_model", "=", "retail.test.backend"),
                    ("backend_id", "=", self.backend_id),
                ]
            ).unlink()
            env["retail.test.backend"].browse(self.backend_id).unlink()

    def test_same_key_in_two_transactions_gives_one_row(self):
        first_inserted = threading.Event()
        release_first = threading.Event()
        results = {}
        errors = []
        payload = json.dumps({"id": "C-1", "name": "Race"})

        def deliver(name, before_commit):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    # take the snapshot before the other transaction commits
                    cr.execute("SELECT 1")
                    backend = env["retail.test.backend"].browse(self.backend_id)
                    event, created = env["retail.event"]._accept(
                        backend,
                        topic="partner/upsert",
                        event_key="same-key",
                        payload=payload,
                        headers={},
                    )
                    results[name] = (event.id, created)
                    before_commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        def first_waits():
            first_inserted.set()
            release_first.wait(10)

        t1 = threading.Thread(target=deliver, args=("first", first_waits))
        t1.start()
        self.assertTrue(first_inserted.wait(10))

        def second():
            deliver("second", lambda: None)

        t2 = threading.Thread(target=second)
        t2.start()
        # the second insert blocks on the unique index until the first commits
        t2.join(0.5)
        self.assertTrue(t2.is_alive())
        release_first.set()
        t1.join(10)
        t2.join(10)
        self.assertFalse(errors, errors)
        self.assertTrue(results["first"][1])
        self.assertFalse(results["second"][1])
        self.assertEqual(results["first"][0], results["second"][0])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), max(duplicate_count) FROM retail_event"
                " WHERE backend_model = 'retail.test.backend' AND backend_id = %s",
                (self.backend_id,),
            )
            self.assertEqual(cr.fetchone(), (1, 1))


class TestConcurrentExceptions(TestConcurrentDelivery):
    """The same problem reported by two workers at once is one exception."""

    def record(self, after_snapshot=None):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if after_snapshot:
                cr.execute("SELECT 1")
                after_snapshot()
            backend = env["retail.test.backend"].browse(self.backend_id)
            return backend._retail_raise_exception(
                flow="outbound",
                category="remote_rejected",
                message="Partner P-1 was refused: email is invalid",
                remote_ref="P-1",
            ).id

    def test_same_exception_from_two_transactions(self):
        snapshot_taken, first_done = threading.Event(), threading.Event()
        ids = {}

        def second():
            ids["second"] = self.record(
                after_snapshot=lambda: (snapshot_taken.set(), first_done.wait(30))
            )

        worker = threading.Thread(target=second)
        worker.start()
        self.assertTrue(snapshot_taken.wait(30))
        ids["first"] = self.record()
        first_done.set()
        worker.join(30)
        self.assertEqual(ids["first"], ids["second"])
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), max(occurrence_count) FROM retail_sync_exception"
                " WHERE backend_model = 'retail.test.backend' AND backend_id = %s",
                (self.backend_id,),
            )
            self.assertEqual(cr.fetchone(), (1, 2))


class TestConcurrentRateLimit(BaseCase):
    """Many workers take tokens from one bucket at the same time."""

    def test_bucket_grants_exactly_its_capacity(self):
        from odoo.addons.retail_connector_base.services.token_bucket import (  # noqa: PLC0415
            PgTokenBucket,
        )

        registry = Registry(get_db_name())
        key = f"bench:concurrent:{threading.get_ident()}"
        grants, failures = [], []
        start = threading.Barrier(12)

        def worker():
            bucket = PgTokenBucket(
                registry.cursor, key, capacity=5, refill_per_second=0.001
            )
            try:
                start.wait(10)
                grants.append(bucket.acquire(1) == 0.0)
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=worker) for _i in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        try:
            self.assertFalse(failures, failures)
            self.assertEqual(grants.count(True), 5)
            self.assertEqual(len(grants), 12)
        finally:
            PgTokenBucket(registry.cursor, key, capacity=5, refill_per_second=1).reset()

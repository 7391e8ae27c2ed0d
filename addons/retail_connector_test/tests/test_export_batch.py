"""The base's outbound batch loop and "mark synced" helper, on the test
connector's partner export."""

from unittest.mock import patch

import responses

from odoo import fields

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services import errors

from .common import RetailTestCase

API = "https://remote.example.test/api"


class TestExportBatch(RetailTestCase):
    def setUp(self):
        super().setUp()
        self.bindings = self.Binding
        for external_id in ("C-1", "C-2", "C-3"):
            event, _c = self.accept(
                self.partner_payload(external_id=external_id, name=external_id),
                key=f"import-{external_id}",
            )
            event._process()
            self.bindings |= self.Binding._retail_get(self.backend, external_id)
        with trap_jobs():
            self.bindings.odoo_id.write({"comment": "changed in Odoo"})
        self.assertEqual(set(self.bindings.mapped("sync_state")), {"outdated"})

    def export_jobs(self, trap):
        return [
            job
            for job in trap.enqueued_jobs
            if job.method_name == "_retail_export_job" and job.args == ("partners",)
        ]

    def test_mark_synced_writes_the_state_and_extra_values(self):
        binding = self.bindings[0]
        binding._retail_mark_error("refused")
        before = fields.Datetime.now()
        binding._retail_mark_synced(payload_hash="abc")
        self.assertEqual(binding.sync_state, "synced")
        self.assertFalse(binding.last_error)
        self.assertGreaterEqual(binding.sync_date, before)
        self.assertEqual(binding.payload_hash, "abc")

    @responses.activate
    def test_a_full_batch_queues_the_next_one(self):
        for binding in self.bindings:
            responses.add(
                responses.PUT, f"{API}/partners/{binding.external_id}", json={}
            )
        with patch.object(type(self.backend), "EXPORT_BATCH", 2), trap_jobs() as trap:
            result = self.backend._retail_export_job("partners")
            self.assertEqual(len(self.export_jobs(trap)), 1)
        self.assertEqual(result, "2 of 2 partners sent")
        self.assertEqual(
            self.bindings.mapped("sync_state"), ["synced", "synced", "outdated"]
        )
        with patch.object(type(self.backend), "EXPORT_BATCH", 2), trap_jobs() as trap:
            result = self.backend._retail_export_job("partners")
            self.assertFalse(self.export_jobs(trap))
        self.assertEqual(result, "1 of 1 partners sent")
        self.assertEqual(set(self.bindings.mapped("sync_state")), {"synced"})

    @responses.activate
    def test_a_transient_error_after_a_sent_record_keeps_it(self):
        responses.add(responses.PUT, f"{API}/partners/C-1", json={})
        responses.add(responses.PUT, f"{API}/partners/C-2", status=503)
        with trap_jobs() as trap:
            result = self.backend._retail_export_job("partners")
            self.assertEqual(len(self.export_jobs(trap)), 1)
        self.assertEqual(result, "1 of 3 partners sent")
        self.assertEqual(
            self.bindings.mapped("sync_state"), ["synced", "outdated", "outdated"]
        )
        self.assertFalse(self.Exception.search([("flow", "=", "outbound")]))

    def test_default_failure_names_the_record(self):
        first, second, third = self.bindings

        def send_one(binding):
            if binding == second:
                raise errors.RemoteRejectedError(
                    "email is invalid", hint="Fix the email address."
                )
            binding._retail_mark_synced()
            return binding != third

        with trap_jobs():
            result = self.Binding._retail_export_batch(
                self.backend,
                [("sync_state", "=", "outdated")],
                send_one,
                kind="partners",
                batch_size=10,
            )
        self.assertEqual(
            (result.total, result.sent, result.skipped, result.failed), (3, 1, 1, 1)
        )
        self.assertFalse(result.requeued)
        self.assertEqual(second.sync_state, "error")
        self.assertEqual(second.last_error, "email is invalid")
        self.assertEqual((first | third).mapped("sync_state"), ["synced"] * 2)
        exc = self.Exception.search([("flow", "=", "outbound")])
        self.assertEqual(exc.message, "C-2 (C-2) was not sent: email is invalid")
        self.assertEqual(exc.hint, "Fix the email address.")
        self.assertEqual(exc.category, "remote_rejected")
        self.assertEqual(exc.record_ref, second.odoo_id)
        self.assertEqual(exc.remote_ref, "C-2")

    def test_on_failure_replaces_the_default_handling(self):
        refused = []

        def send_one(binding):
            raise errors.MappingError("no counterpart")

        def on_failure(binding, exc):
            refused.append((binding, str(exc)))

        result = self.Binding._retail_export_batch(
            self.backend,
            [("external_id", "=", "C-1")],
            send_one,
            kind="partners",
            batch_size=10,
            on_failure=on_failure,
        )
        self.assertEqual(result.failed, 1)
        self.assertEqual(refused, [(self.bindings[0], "no counterpart")])
        self.assertEqual(self.bindings[0].sync_state, "outdated")
        self.assertFalse(self.Exception.search([("flow", "=", "outbound")]))

    def test_a_savepoint_undoes_what_a_refused_record_wrote(self):
        def send_one(binding):
            binding.payload_hash = "half-written"
            raise errors.PayloadValidationError("refused")

        for savepoint, expected in ((False, "half-written"), (True, "kept")):
            binding = self.bindings[0]
            binding.payload_hash = "kept"
            self.Binding._retail_export_batch(
                self.backend,
                [("id", "=", binding.id)],
                send_one,
                kind="partners",
                batch_size=10,
                savepoint=savepoint,
            )
            self.assertEqual(binding.payload_hash, expected)
            self.assertEqual(binding.sync_state, "error")

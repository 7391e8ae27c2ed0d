import json

import responses

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import RetailTestCase

API = "https://remote.example.test/api"


class TestExport(RetailTestCase):
    def _imported_partner(self, external_id="C-1", name="Acme Store"):
        event, _c = self.accept(
            self.partner_payload(external_id=external_id, name=name),
            key=f"import-{external_id}",
        )
        event._process()
        return self.Binding._retail_get(self.backend, external_id)

    def _run_export(self):
        try:
            return self.backend._retail_export_job("partners")
        except RetryableJobError as exc:
            return exc

    def test_imports_do_not_echo_back(self):
        with trap_jobs() as trap:
            binding = self._imported_partner()
            trap.assert_jobs_count(0, only=self.backend._retail_export_job)
        self.assertEqual(binding.sync_state, "synced")

    def test_local_edits_coalesce_into_one_job(self):
        first = self._imported_partner("C-1")
        second = self._imported_partner("C-2")
        with trap_jobs() as trap:
            first.odoo_id.write({"name": "Acme Renamed"})
            second.odoo_id.write({"email": "new@two.example"})
            first.odoo_id.write({"phone": "+1 555 0101"})
            trap.assert_jobs_count(1, only=self.backend._retail_export_job)
            trap.assert_enqueued_job(
                self.backend._retail_export_job,
                args=("partners",),
                properties={
                    "identity_key": "retail.export:"
                    f"{self.backend._retail_key()}:partners",
                    "channel": "root.retail.test.outbound",
                },
            )
        self.assertEqual((first | second).mapped("sync_state"), ["outdated"] * 2)

    @responses.activate
    def test_export_sends_outdated_partners(self):
        binding = self._imported_partner()
        binding.odoo_id.write({"name": "Acme Renamed"})
        responses.add(responses.PUT, f"{API}/partners/C-1", json={"ok": True})
        result = self.backend._retail_export_job("partners")
        self.assertIn("1 of 1", result)
        self.assertEqual(binding.sync_state, "synced")
        sent = json.loads(responses.calls[0].request.body)
        self.assertEqual(sent["name"], "Acme Renamed")

    @responses.activate
    def test_rejected_record_is_an_exception_others_still_go(self):
        refused = self._imported_partner("C-1")
        accepted = self._imported_partner("C-2")
        (refused | accepted).odoo_id.write({"comment": "changed"})
        responses.add(
            responses.PUT,
            f"{API}/partners/C-1",
            status=422,
            json={"errors": {"email": "is invalid"}},
        )
        responses.add(responses.PUT, f"{API}/partners/C-2", json={"ok": True})
        self.backend._retail_export_job("partners")
        self.assertEqual(refused.sync_state, "error")
        self.assertIn("422", refused.last_error)
        self.assertEqual(accepted.sync_state, "synced")
        exc = self.Exception.search(
            [("flow", "=", "outbound"), ("remote_ref", "=", "C-1")]
        )
        self.assertEqual(exc.category, "remote_rejected")
        self.assertEqual(exc.record_ref, refused.odoo_id)
        self.assertIn("is invalid", exc.message)

    @responses.activate
    def test_remote_down_postpones_and_opens_circuit(self):
        binding = self._imported_partner()
        binding.odoo_id.write({"name": "Acme Renamed"})
        self.backend.circuit_threshold = 3
        responses.add(responses.PUT, f"{API}/partners/C-1", status=503)
        # PUT is idempotent: the client retries twice inline, then gives up.
        # (not assertRaises: its savepoint would undo the circuit's state,
        # which in production lives in a transaction of its own)
        self.assertIsInstance(self._run_export(), RetryableJobError)
        self.assertEqual(len(responses.calls), 3)
        self.assertEqual(self.backend._retail_circuit().state().state, "open")
        # while the circuit is open, the job is postponed without any call
        postponed = self._run_export()
        self.assertIsInstance(postponed, RetryableJobError)
        self.assertEqual(len(responses.calls), 3)
        self.assertGreater(postponed.seconds, 0)
        self.assertEqual(binding.sync_state, "outdated")

from odoo.tests import tagged

from .common import RetailHttpCase


@tagged("post_install", "-at_install")
class TestHealthHttp(RetailHttpCase):
    def get_health(self):
        response = self.url_open("/retail/health")
        return response.status_code, response.json()

    def test_healthy(self):
        status, data = self.get_health()
        self.assertEqual(status, 200, data)
        self.assertEqual(data["status"], "ok")
        entry = next(
            b
            for b in data["backends"]
            if b["type"] == "retail.test.backend" and b["id"] == self._card().id
        )
        self.assertEqual(entry["circuit"], "closed")
        self.assertNotIn("name", entry)

    def _card(self):
        return self.env["retail.backend"].search(
            [("res_model", "=", self.backend._name), ("res_id", "=", self.backend.id)]
        )

    def test_open_circuit_makes_it_unhealthy(self):
        circuit = self.backend._retail_circuit()
        for _i in range(self.backend.circuit_threshold):
            circuit.failure()
        status, data = self.get_health()
        self.assertEqual(status, 503)
        self.assertIn(
            f"circuit_open:retail.test.backend:{self._card().id}", data["problems"]
        )

    def test_failed_job_makes_it_unhealthy(self):
        event, _c = self.accept(self.partner_payload())
        event._enqueue()
        self.env.cr.execute(
            "UPDATE queue_job SET state = 'failed' WHERE uuid = %s", (event.job_uuid,)
        )
        status, data = self.get_health()
        self.assertEqual(status, 503)
        self.assertEqual(data["jobs"]["failed"], 1)
        self.assertIn("failed_jobs", data["problems"])

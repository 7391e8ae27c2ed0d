from odoo.tests import tagged

from .common import RetailHttpCase


@tagged("post_install", "-at_install")
class TestHealthHttp(RetailHttpCase):
    TOKEN = "health-probe-token-1234"

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.health_token", self.TOKEN
        )
        Backend = self.env["retail.backend"]
        Backend._health_cache_clear()
        self.addCleanup(Backend._health_cache_clear)

    def get_health(self, token=TOKEN):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.url_open("/retail/health", headers=headers)
        return response.status_code, response.json()

    def test_anonymous_caller_gets_the_status_only(self):
        status, data = self.get_health(token=None)
        self.assertEqual(status, 200, data)
        self.assertEqual(data, {"status": "ok"})

    def test_wrong_token_is_refused(self):
        status, data = self.get_health(token="not-the-token")
        self.assertEqual(status, 401)
        self.assertNotIn("backends", data)

    def test_no_token_configured_gives_no_details(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.health_token", False
        )
        status, data = self.get_health(token=self.TOKEN)
        self.assertEqual(status, 401)
        self.assertNotIn("backends", data)

    def test_report_is_cached_for_a_short_time(self):
        status, first = self.get_health()
        self.assertEqual(status, 200, first)
        circuit = self.backend._retail_circuit()
        for _i in range(self.backend.circuit_threshold):
            circuit.failure()
        status, cached = self.get_health()
        self.assertEqual(status, 200)
        self.assertEqual(cached["checked_at"], first["checked_at"])
        self.env["retail.backend"]._health_cache_clear()
        status, fresh = self.get_health()
        self.assertEqual(status, 503)
        self.assertEqual(fresh["status"], "degraded")

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

from prometheus_client.parser import text_string_to_metric_families

from odoo.tests import tagged

from odoo.addons.retail_connector_base.services import errors

from .common import RetailHttpCase

TOKEN_PARAM = "retail_connector_base.health_token"


@tagged("post_install", "-at_install")
class TestMetricsHttp(RetailHttpCase):
    TOKEN = "metrics-scrape-token-5678"

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(TOKEN_PARAM, self.TOKEN)
        Backend = self.env["retail.backend"]
        Backend._metrics_cache_clear()
        self.addCleanup(Backend._metrics_cache_clear)
        self.label = f"{self.backend._name}:{self.backend.id}"

    def scrape(self, token=TOKEN):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.url_open("/retail/metrics", headers=headers)

    def samples(self):
        response = self.scrape()
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        found = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                found.setdefault(sample.name, []).append(sample)
        return found

    def value(self, samples, name, **labels):
        matching = [
            sample.value
            for sample in samples.get(name, [])
            if all(sample.labels.get(key) == value for key, value in labels.items())
        ]
        self.assertEqual(len(matching), 1, f"{name} {labels}: {matching}")
        return matching[0]

    def test_off_when_no_token_is_configured(self):
        self.env["ir.config_parameter"].sudo().set_param(TOKEN_PARAM, False)
        response = self.scrape()
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("retail_", response.text)

    def test_wrong_or_missing_token_is_refused(self):
        for token in ("not-the-token", None):
            response = self.scrape(token)
            self.assertEqual(response.status_code, 401)
            self.assertNotIn("retail_backend_info", response.text)

    def test_figures_come_from_what_is_stored(self):
        done = self.deliver("partner/upsert", self.partner_payload("C-1"), key="k1")
        done._process()
        self.assertEqual(done.state, "done")
        # a duplicate of it, answered without new work
        response = self.post_delivery(
            "partner/upsert", self.partner_payload("C-1"), key="k1"
        )
        self.assertEqual(response.json()["status"], "duplicate")
        # a new one, stored and queued by the dispatcher
        self.post_delivery("partner/upsert", self.partner_payload("C-2"), key="k2")
        self.env["retail.sync.exception"].create(
            {
                "backend_model": self.backend._name,
                "backend_id": self.backend.id,
                "category": "mapping",
                "message": "Unknown SKU X-1",
            }
        )
        samples = self.samples()
        self.assertEqual(
            self.value(
                samples, "retail_backend_info", backend=self.label, state="active"
            ),
            1,
        )
        deliveries = "retail_deliveries_last_24h"
        self.assertEqual(
            self.value(samples, deliveries, backend=self.label, outcome="done"), 1
        )
        self.assertEqual(
            self.value(samples, deliveries, backend=self.label, outcome="queued"), 1
        )
        self.assertEqual(
            self.value(
                samples, "retail_duplicate_deliveries_last_24h", backend=self.label
            ),
            1,
        )
        self.assertEqual(
            self.value(
                samples, "retail_event_processing_seconds_count", backend=self.label
            ),
            1,
        )
        self.assertEqual(
            self.value(
                samples,
                "retail_event_processing_seconds_bucket",
                backend=self.label,
                le="+Inf",
            ),
            1,
        )
        self.assertEqual(
            self.value(samples, "retail_events_pending", backend=self.label), 1
        )
        self.assertEqual(
            self.value(
                samples,
                "retail_exceptions_open",
                backend=self.label,
                category="mapping",
            ),
            1,
        )
        self.assertEqual(
            self.value(samples, "retail_circuit_open", backend=self.label), 0
        )
        self.assertGreaterEqual(
            self.value(
                samples,
                "retail_flow_last_success_age_seconds",
                backend=self.label,
                flow="delivery",
            ),
            0,
        )
        jobs = self.env["queue.job"].search(
            [("channel", "=like", "root.retail%"), ("state", "=", "pending")]
        )
        self.assertTrue(jobs)
        for channel in set(jobs.mapped("channel")):
            self.assertEqual(
                self.value(samples, "retail_jobs", channel=channel, state="pending"),
                len(jobs.filtered(lambda job, c=channel: job.channel == c)),
            )

    def test_an_open_circuit_shows(self):
        circuit = self.backend._retail_circuit()
        for _i in range(self.backend.circuit_threshold):
            circuit.failure()
        samples = self.samples()
        self.assertEqual(
            self.value(samples, "retail_circuit_open", backend=self.label), 1
        )

    def test_figures_are_cached_for_a_short_time(self):
        self.deliver("partner/upsert", self.partner_payload("C-1"), key="k1")
        first = self.samples()
        self.deliver("partner/upsert", self.partner_payload("C-2"), key="k2")
        cached = self.samples()
        name = "retail_metrics_generated_timestamp_seconds"
        self.assertEqual(self.value(cached, name), self.value(first, name))
        pending = "retail_events_pending"
        self.assertEqual(self.value(cached, pending, backend=self.label), 1)
        self.env["retail.backend"]._metrics_cache_clear()
        fresh = self.samples()
        self.assertEqual(self.value(fresh, pending, backend=self.label), 2)

    def test_a_wait_for_the_outbound_limiter_is_counted(self):
        # one call a minute: the second call waits longer than a call may
        # wait inline, it is postponed (as the job retrying it later)
        self.backend.write({"rate_limit_capacity": 1, "rate_limit_per_second": 1 / 60})
        limiter = f"out:{self.label}"
        self.assertEqual(self.backend._retail_rate_limiter().acquire(), 0.0)
        samples = self.samples()
        self.assertEqual(
            self.value(samples, "retail_limiter_tokens", limiter=limiter), 0
        )
        self.assertEqual(
            self.value(samples, "retail_limiter_waits_total", limiter=limiter), 0
        )
        # not assertRaises: its savepoint would roll back the limiter's
        # transaction, committed in production but nested in the test's
        try:
            self.backend._client().json_request("GET", "/ping")
        except errors.RateLimitedError as exc:
            waited = exc.retry_after
        else:
            self.fail("the call did not wait for the limiter")
        self.assertGreater(waited, 50)
        # refused again, to another worker's limiter object
        self.assertGreater(self.backend._retail_rate_limiter().acquire(), 0)
        self.env["retail.backend"]._metrics_cache_clear()
        samples = self.samples()
        self.assertEqual(
            self.value(samples, "retail_limiter_waits_total", limiter=limiter), 2
        )
        seconds = self.value(
            samples, "retail_limiter_wait_seconds_total", limiter=limiter
        )
        self.assertGreater(seconds, waited)
        self.assertLess(seconds, 2 * waited + 1)
        self.env.cr.execute(
            "SELECT waits, wait_seconds FROM retail_rate_bucket WHERE key = %s",
            (limiter,),
        )
        self.assertEqual(self.env.cr.fetchone(), (2, seconds))

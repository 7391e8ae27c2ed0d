import unittest

from prometheus_client.parser import text_string_to_metric_families

from odoo.addons.retail_connector_base.services import metrics


def parse(snapshot):
    text = metrics.render(snapshot).decode()
    return text, {
        family.name: family for family in text_string_to_metric_families(text)
    }


class TestRender(unittest.TestCase):
    def test_an_empty_snapshot_is_a_valid_exposition(self):
        text, families = parse(metrics.MetricsSnapshot(generated_at=1700000000.0))
        self.assertIn("# TYPE retail_deliveries_last_24h gauge", text)
        self.assertIn("# TYPE retail_event_processing_seconds histogram", text)
        self.assertEqual(
            families["retail_metrics_generated_timestamp_seconds"].samples[0].value,
            1700000000.0,
        )
        self.assertEqual(families["retail_deliveries_last_24h"].samples, [])

    def test_label_values_are_escaped(self):
        snapshot = metrics.MetricsSnapshot(
            backends=[
                {
                    "backend": "shopify.backend:7",
                    "type": "shopify.backend",
                    "name": 'The "Best" shop\nline two \\ end',
                    "state": "active",
                    "circuit": "half_open",
                }
            ]
        )
        _text, families = parse(snapshot)
        (info,) = families["retail_backend_info"].samples
        self.assertEqual(info.labels["name"], 'The "Best" shop\nline two \\ end')
        (circuit,) = families["retail_circuit_open"].samples
        self.assertEqual(circuit.value, 0.5)

    def test_histogram_buckets_are_cumulative_with_inf_sum_and_count(self):
        bounds = metrics.LATENCY_BUCKETS
        counts = [1, 3, 3, 4, 4, 4, 4, 4, 4, 5]
        self.assertEqual(len(counts), len(bounds))
        snapshot = metrics.MetricsSnapshot(
            processing={
                "retail.test.backend:1": metrics.Histogram.from_counts(
                    bounds, counts, 4000.25, 6
                )
            }
        )
        _text, families = parse(snapshot)
        samples = families["retail_event_processing_seconds"].samples
        buckets = {
            s.labels["le"]: s.value for s in samples if s.name.endswith("_bucket")
        }
        self.assertEqual(buckets["0.5"], 1)
        self.assertEqual(buckets["1.0"], 3)
        self.assertEqual(buckets["3600.0"], 5)
        self.assertEqual(buckets["+Inf"], 6)
        by_name = {s.name: s.value for s in samples}
        self.assertEqual(by_name["retail_event_processing_seconds_count"], 6)
        self.assertEqual(by_name["retail_event_processing_seconds_sum"], 4000.25)

    def test_rows_become_samples_with_their_labels(self):
        snapshot = metrics.MetricsSnapshot(
            deliveries=[("retail.test.backend:1", "partner/upsert", "done", 12)],
            jobs=[("root.retail.inbound", "pending", 3)],
            freshness=[("retail.test.backend:1", "delivery", 42.5)],
            kpis=[("retail.test.backend:1", "orders_today", 9)],
        )
        _text, families = parse(snapshot)
        (delivery,) = families["retail_deliveries_last_24h"].samples
        self.assertEqual(
            delivery.labels,
            {
                "backend": "retail.test.backend:1",
                "topic": "partner/upsert",
                "outcome": "done",
            },
        )
        self.assertEqual(delivery.value, 12)
        (job,) = families["retail_jobs"].samples
        self.assertEqual(job.labels["channel"], "root.retail.inbound")
        (fresh,) = families["retail_flow_last_success_age_seconds"].samples
        self.assertEqual(fresh.value, 42.5)
        (kpi,) = families["retail_kpi"].samples
        self.assertEqual(kpi.labels["kpi"], "orders_today")

    def test_limiter_waits_are_counters_beside_the_tokens(self):
        snapshot = metrics.MetricsSnapshot(
            limiters=[("out:shopify.backend:1", 0.5), ("in:shopify.backend:1", 40)],
            limiter_waits=[
                ("out:shopify.backend:1", 7, 3.25),
                ("in:shopify.backend:1", 0, 0.0),
            ],
        )
        text, families = parse(snapshot)
        self.assertIn("# TYPE retail_limiter_waits_total counter", text)
        self.assertIn("# TYPE retail_limiter_wait_seconds_total counter", text)
        self.assertIn("# TYPE retail_limiter_tokens gauge", text)
        waits = {
            s.labels["limiter"]: s.value
            for s in families["retail_limiter_waits"].samples
        }
        self.assertEqual(waits, {"out:shopify.backend:1": 7, "in:shopify.backend:1": 0})
        (sample, _other) = families["retail_limiter_wait_seconds"].samples
        self.assertEqual(sample.name, "retail_limiter_wait_seconds_total")
        self.assertEqual(sample.value, 3.25)
        tokens = families["retail_limiter_tokens"].samples
        self.assertEqual([s.value for s in tokens], [0.5, 40])

    def test_no_process_wide_registry_is_used(self):
        first = metrics.render(
            metrics.MetricsSnapshot(jobs=[("root.retail", "failed", 1)])
        )
        second = metrics.render(metrics.MetricsSnapshot())
        self.assertIn(b"retail_jobs{", first)
        self.assertNotIn(b"retail_jobs{", second)

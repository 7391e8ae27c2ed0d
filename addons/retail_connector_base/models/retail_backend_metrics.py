import threading
import time

from odoo import api, models

from ..services import metrics

METRICS_CACHE_PARAM = "retail_connector_base.metrics_cache_seconds"
#: seconds a worker answers a scrape from the figures it computed last
METRICS_CACHE_SECONDS = 15
#: a flow silent for longer is not looked for (its age is not reported)
FRESHNESS_WINDOW_DAYS = 7
# per worker process: {database: (monotonic time, snapshot)}
_metrics_cache = {}
_metrics_cache_lock = threading.Lock()
PENDING = ("received", "queued", "processing")
#: the time of the scrape's statement (not of its transaction's start)
NOW = "statement_timestamp() AT TIME ZONE 'UTC'"


class RetailBackendMetrics(models.Model):
    """The figures of ``/retail/metrics`` (``services/metrics.py`` writes
    them): a few aggregate queries over what the suite stores (events,
    duplicates, jobs, exceptions, runs), never a payload."""

    _inherit = "retail.backend"

    @api.model
    def _metrics_snapshot_cached(self):
        """:meth:`_metrics_snapshot`, computed at most once per
        ``metrics_cache_seconds`` (15 by default) by each worker."""
        max_age = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(METRICS_CACHE_PARAM, METRICS_CACHE_SECONDS)
        )
        dbname = self.env.cr.dbname
        now = time.monotonic()
        with _metrics_cache_lock:
            cached = _metrics_cache.get(dbname)
        if cached and now - cached[0] < max_age:
            return cached[1]
        snapshot = self._metrics_snapshot()
        with _metrics_cache_lock:
            _metrics_cache[dbname] = (now, snapshot)
        return snapshot

    @api.model
    def _metrics_cache_clear(self):
        with _metrics_cache_lock:
            _metrics_cache.pop(self.env.cr.dbname, None)

    def _rows(self, query, params=()):
        self.env.cr.execute(query, params)
        return self.env.cr.fetchall()

    @api.model
    def _metrics_snapshot(self):
        """The figures of a scrape (:class:`~..services.metrics.MetricsSnapshot`)."""
        self.env.flush_all()
        cards = self.sudo().search([("active", "=", True)])
        snapshot = metrics.MetricsSnapshot(generated_at=time.time())
        for card in cards:
            snapshot.backends.append(
                {
                    "backend": f"{card.res_model}:{card.res_id}",
                    "type": card.res_model,
                    "name": card.name,
                    "state": card.state or "",
                    "circuit": card.circuit_state or "closed",
                }
            )
        day = f"{NOW} - interval '24 hours'"
        label = "backend_model || ':' || backend_id"
        snapshot.deliveries = self._rows(
            f"""SELECT {label}, topic, state, count(*) FROM retail_event
                 WHERE received_at > {day} AND origin = 'delivery'
                 GROUP BY backend_model, backend_id, topic, state
                 ORDER BY 1, 2, 3"""
        )
        snapshot.duplicates = self._rows(
            f"""SELECT e.backend_model || ':' || e.backend_id, e.topic, count(*)
                  FROM retail_event_duplicate d
                  JOIN retail_event e ON e.id = d.event_id
                 WHERE d.received_at > {day}
                 GROUP BY e.backend_model, e.backend_id, e.topic ORDER BY 1, 2"""
        )
        bounds = metrics.LATENCY_BUCKETS
        at_most = ", ".join(
            f"count(*) FILTER (WHERE seconds <= {float(bound)})" for bound in bounds
        )
        for row in self._rows(
            f"""SELECT backend, {at_most}, sum(seconds), count(*) FROM (
                    SELECT {label} AS backend, greatest(0, extract(epoch FROM
                           processed_at - received_at)) AS seconds
                      FROM retail_event
                     WHERE processed_at > {day} AND state IN ('done', 'ignored')
                ) processed GROUP BY backend ORDER BY backend"""
        ):
            backend, *counts, total, count = row
            snapshot.processing[backend] = metrics.Histogram.from_counts(
                bounds, counts, float(total or 0), count
            )
        snapshot.pending_events = self._rows(
            f"""SELECT {label}, count(*), greatest(0, extract(epoch FROM
                       {NOW} - min(received_at)))
                  FROM retail_event WHERE state IN %s
                 GROUP BY backend_model, backend_id ORDER BY 1""",
            (PENDING,),
        )
        snapshot.jobs = self._rows(
            """SELECT channel, state, count(*) FROM queue_job
                WHERE channel LIKE 'root.retail%%'
                  AND state NOT IN ('done', 'cancelled')
                GROUP BY channel, state ORDER BY 1, 2"""
        )
        snapshot.oldest_jobs = self._rows(
            f"""SELECT channel,
                      greatest(0, extract(epoch FROM {NOW} - min(date_created)))
                 FROM queue_job
                WHERE channel LIKE 'root.retail%%'
                  AND state IN ('pending', 'enqueued')
                GROUP BY channel ORDER BY 1"""
        )
        snapshot.exceptions = self._rows(
            """SELECT coalesce(backend_model || ':' || backend_id, '-'), category,
                      count(*)
                 FROM retail_sync_exception WHERE state = 'open'
                GROUP BY backend_model, backend_id, category ORDER BY 1, 2"""
        )
        buckets = self._rows(
            """SELECT key, tokens, coalesce(waits, 0), coalesce(wait_seconds, 0)
                 FROM retail_rate_bucket ORDER BY key"""
        )
        snapshot.limiters = [(key, tokens) for key, tokens, _w, _s in buckets]
        snapshot.limiter_waits = [
            (key, waits, seconds) for key, _tokens, waits, seconds in buckets
        ]
        for backend, kind, imported, unchanged, held, failed in self._rows(
            f"""SELECT {label}, kind, sum(imported), sum(unchanged), sum(held),
                       sum(failed)
                  FROM retail_sync_run WHERE started > {day}
                 GROUP BY backend_model, backend_id, kind ORDER BY 1, 2"""
        ):
            for outcome, value in (
                ("imported", imported),
                ("unchanged", unchanged),
                ("held", held),
                ("failed", failed),
            ):
                snapshot.sync_records.append((backend, kind, outcome, value or 0))
        snapshot.freshness = self._metrics_freshness(cards)
        for card in cards:
            backend = card._backend_record()
            if backend:
                snapshot.kpis += [
                    (f"{card.res_model}:{card.res_id}", name, value)
                    for name, value in backend._retail_metrics_kpis()
                ]
        return snapshot

    @api.model
    def _metrics_freshness(self, cards):
        """``(backend, flow, seconds)``: deliveries processed (``delivery``)
        and runs finished (their kind), within the last
        ``FRESHNESS_WINDOW_DAYS``, then what each connector adds."""
        window = f"{NOW} - interval '{FRESHNESS_WINDOW_DAYS} days'"
        age = f"greatest(0, extract(epoch FROM {NOW} - max({{}})))"
        rows = self._rows(
            f"""SELECT backend_model || ':' || backend_id, 'delivery',
                       {age.format("received_at")}
                  FROM retail_event
                 WHERE received_at > {window} AND origin = 'delivery'
                   AND state = 'done'
                 GROUP BY backend_model, backend_id"""
        )
        rows += self._rows(
            f"""SELECT backend_model || ':' || backend_id, kind,
                       {age.format("finished")}
                  FROM retail_sync_run
                 WHERE finished > {window} AND state = 'done'
                 GROUP BY backend_model, backend_id, kind"""
        )
        for model in sorted(set(cards.mapped("res_model"))):
            if model in self.env:
                backends = (
                    self.env[model]
                    .sudo()
                    .browse(
                        cards.filtered(lambda c, m=model: c.res_model == m).mapped(
                            "res_id"
                        )
                    )
                )
                rows += backends.exists()._retail_metrics_freshness()
        return sorted(rows)

    def _backend_record(self):
        self.ensure_one()
        if self.res_model not in self.env:
            return None
        return self.env[self.res_model].sudo().browse(self.res_id).exists()

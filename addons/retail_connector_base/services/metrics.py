"""The Prometheus exposition of the retail integration (``/retail/metrics``).

Plain Python: :class:`MetricsSnapshot` holds figures the database computed
(``retail.backend._metrics_snapshot``); :func:`render` writes them in the
Prometheus text format with ``prometheus_client``. Nothing is kept in a
per-process registry: every Odoo worker answers a scrape with the same
figures, whichever worker it is.

Windowed figures (``*_last_24h``, the processing histogram) are gauges over
the last 24 hours: the events they count are deleted by retention, so they
could not be counters that only grow. The limiters' waits are counters: the
bucket rows keep them (they start again at 0 when a row is deleted, which
Prometheus reads as a counter reset).
"""

from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.utils import floatToGoString

#: upper bounds (seconds) of the processing-latency histogram's buckets
LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass
class Histogram:
    """Counts of observations at or below each bound, their sum and count."""

    buckets: dict = field(default_factory=dict)  # bound -> cumulative count
    total: float = 0.0
    count: int = 0

    @classmethod
    def from_counts(cls, bounds, counts_at_most, total, count):
        """``counts_at_most[i]``: observations <= ``bounds[i]``."""
        return cls(dict(zip(bounds, counts_at_most, strict=True)), total, count)


@dataclass
class MetricsSnapshot:
    """What a scrape shows; every label value is a string.

    - ``backends``: ``{"backend", "type", "name", "state", "circuit"}`` each;
    - ``deliveries``: ``(backend, topic, outcome, count)``, last 24 h;
    - ``duplicates``: ``(backend, topic, count)``, last 24 h;
    - ``processing``: ``{backend: Histogram}`` (received to processed);
    - ``pending_events``: ``(backend, count, oldest age in seconds)``;
    - ``jobs``: ``(channel, state, count)``; ``oldest_jobs``: ``(channel,
      seconds)`` of the oldest job waiting to run;
    - ``exceptions``: ``(backend, category, count)`` open;
    - ``limiters``: ``(key, tokens available)``;
    - ``limiter_waits``: ``(key, calls refused, seconds they were told to
      wait)``, counted since the bucket was made;
    - ``sync_records``: ``(backend, kind, outcome, count)``, runs of the
      last 24 h (outcome: imported, unchanged, held, failed);
    - ``freshness``: ``(backend, flow, seconds since its last success)``;
    - ``kpis``: ``(backend, kpi, value)``, today's figures.
    """

    backends: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    processing: dict = field(default_factory=dict)
    pending_events: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    oldest_jobs: list = field(default_factory=list)
    exceptions: list = field(default_factory=list)
    limiters: list = field(default_factory=list)
    limiter_waits: list = field(default_factory=list)
    sync_records: list = field(default_factory=list)
    freshness: list = field(default_factory=list)
    kpis: list = field(default_factory=list)
    generated_at: float = 0.0


def _gauge(name, documentation, labels, rows):
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for row in rows:
        *values, value = row
        family.add_metric([str(v) for v in values], float(value))
    return family


def _counter(name, documentation, labels, rows):
    family = CounterMetricFamily(name, documentation, labels=labels)
    for row in rows:
        *values, value = row
        family.add_metric([str(v) for v in values], float(value))
    return family


def families(snapshot):
    """The metric families of ``snapshot``, in a stable order."""
    out = []
    info = GaugeMetricFamily(
        "retail_backend_info",
        "A backend of the retail integration (always 1), with its state.",
        labels=["backend", "type", "name", "state"],
    )
    circuit = GaugeMetricFamily(
        "retail_circuit_open",
        "1 when the backend's circuit breaker is open (remote calls stopped), "
        "0.5 when half-open, 0 when closed.",
        labels=["backend"],
    )
    circuit_value = {"open": 1.0, "half_open": 0.5}
    for backend in snapshot.backends:
        info.add_metric(
            [backend["backend"], backend["type"], backend["name"], backend["state"]],
            1.0,
        )
        circuit.add_metric(
            [backend["backend"]], circuit_value.get(backend["circuit"], 0.0)
        )
    out += [info, circuit]
    out.append(
        _gauge(
            "retail_deliveries_last_24h",
            "Deliveries stored in the last 24 hours, by outcome (the event's state).",
            ["backend", "topic", "outcome"],
            snapshot.deliveries,
        )
    )
    out.append(
        _gauge(
            "retail_duplicate_deliveries_last_24h",
            "Re-deliveries of an event already stored, answered without new "
            "work, in the last 24 hours.",
            ["backend", "topic"],
            snapshot.duplicates,
        )
    )
    histogram = HistogramMetricFamily(
        "retail_event_processing_seconds",
        "Time from a delivery's arrival to the end of its processing, for "
        "the events processed in the last 24 hours.",
        labels=["backend"],
    )
    for backend, hist in sorted(snapshot.processing.items()):
        buckets = [
            (floatToGoString(bound), float(count))
            for bound, count in sorted(hist.buckets.items())
        ]
        buckets.append(("+Inf", float(hist.count)))
        histogram.add_metric([backend], buckets, float(hist.total))
    out.append(histogram)
    out.append(
        _gauge(
            "retail_events_pending",
            "Deliveries stored and not processed yet.",
            ["backend"],
            [(backend, count) for backend, count, _age in snapshot.pending_events],
        )
    )
    out.append(
        _gauge(
            "retail_events_pending_oldest_seconds",
            "Age of the oldest delivery not processed yet.",
            ["backend"],
            [(backend, age) for backend, _count, age in snapshot.pending_events],
        )
    )
    out.append(
        _gauge(
            "retail_jobs",
            "Queued jobs of the retail channels, by state.",
            ["channel", "state"],
            snapshot.jobs,
        )
    )
    out.append(
        _gauge(
            "retail_jobs_oldest_waiting_seconds",
            "Age of the oldest job of the channel waiting to run (pending or "
            "enqueued).",
            ["channel"],
            snapshot.oldest_jobs,
        )
    )
    out.append(
        _gauge(
            "retail_exceptions_open",
            "Sync exceptions waiting for a person, by category.",
            ["backend", "category"],
            snapshot.exceptions,
        )
    )
    out.append(
        _gauge(
            "retail_limiter_tokens",
            "Calls the shared rate limiter allows at once now (0: callers wait).",
            ["limiter"],
            snapshot.limiters,
        )
    )
    out.append(
        _counter(
            "retail_limiter_waits",
            "Calls the shared rate limiter refused: the caller waited (or was "
            "postponed) for tokens.",
            ["limiter"],
            [(key, waits) for key, waits, _seconds in snapshot.limiter_waits],
        )
    )
    out.append(
        _counter(
            "retail_limiter_wait_seconds",
            "Seconds the refused calls were told to wait for the shared rate limiter.",
            ["limiter"],
            [(key, seconds) for key, _waits, seconds in snapshot.limiter_waits],
        )
    )
    out.append(
        _gauge(
            "retail_sync_records_last_24h",
            "Records found by the reconciliation and import runs of the last "
            "24 hours, by outcome (imported: drift found and corrected).",
            ["backend", "kind", "outcome"],
            snapshot.sync_records,
        )
    )
    out.append(
        _gauge(
            "retail_flow_last_success_age_seconds",
            "Seconds since the flow last succeeded (a delivery processed, a run "
            "finished).",
            ["backend", "flow"],
            snapshot.freshness,
        )
    )
    out.append(
        _gauge(
            "retail_kpi",
            "Today's business figures of the backend (see the KPI dashboard).",
            ["backend", "kpi"],
            snapshot.kpis,
        )
    )
    out.append(
        _gauge(
            "retail_metrics_generated_timestamp_seconds",
            "When these figures were computed (they are cached briefly).",
            [],
            [(snapshot.generated_at,)],
        )
    )
    return out


class _Snapshot:
    """A collector of one snapshot's families (no process-wide state)."""

    def __init__(self, snapshot):
        self.snapshot = snapshot

    def collect(self):
        return iter(families(self.snapshot))


def render(snapshot):
    """The Prometheus text exposition of ``snapshot`` (bytes)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(snapshot))
    return generate_latest(registry)

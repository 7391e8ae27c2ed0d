"""Business KPIs, freshness and alerts: the arithmetic, without the ORM.

The backends compute their figures from what the suite stores (events,
bindings, pickings, sessions, stock checks); this module turns lists of
durations into the figures of a day (``retail.kpi.daily``):

- :func:`percentile`: the nearest-rank percentile of a list of numbers;
- :func:`summarize`: count, p50 and p95 of durations;
- :func:`sla`: how many durations met a limit, how many breached it, the
  share that met it;
- :func:`share`: a percentage, None when there is nothing to count;
- :func:`day_bounds`: the UTC bounds of a calendar day in a time zone;
- :func:`parse_thresholds` / :func:`format_thresholds`: the per-flow
  freshness thresholds a backend overrides (``"order_import=120, ..."``);
- :func:`silent_flows`: the flows whose last success is older than their
  threshold.
"""

import datetime
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_FLOW_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def percentile(values, fraction):
    """Nearest-rank percentile (``fraction`` in ]0, 1]) of ``values``.

    The smallest value such that at least ``fraction`` of the values are
    at or below it: always one of the values, never an interpolation.
    None for an empty list.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"A percentile is a fraction in ]0, 1], not {fraction!r}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float | None
    p95: float | None


def summarize(durations):
    """Count, median and 95th percentile of ``durations`` (numbers)."""
    values = [float(d) for d in durations if d is not None]
    return Summary(len(values), percentile(values, 0.5), percentile(values, 0.95))


@dataclass(frozen=True)
class SlaResult:
    total: int
    met: int
    breached: int
    share: float | None  # percent met, None when nothing was measured


def sla(durations, limit):
    """The durations at or under ``limit`` met the SLA, the others breached it.

    ``limit`` <= 0 or None means no SLA: everything meets it.
    """
    values = [float(d) for d in durations if d is not None]
    if not limit or limit <= 0:
        met = len(values)
    else:
        met = sum(1 for value in values if value <= limit)
    return SlaResult(len(values), met, len(values) - met, share(met, len(values)))


def share(part, total):
    """``part`` of ``total`` in percent (one decimal), None when total is 0."""
    if not total:
        return None
    return round(100.0 * part / total, 1)


def day_bounds(day, tz_name=None):
    """``(start, end)``: naive UTC datetimes of ``day`` midnight to the next
    midnight in the time zone ``tz_name`` (UTC when empty or unknown)."""
    try:
        zone = ZoneInfo(tz_name) if tz_name else datetime.UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return (
        start.astimezone(datetime.UTC).replace(tzinfo=None),
        end.astimezone(datetime.UTC).replace(tzinfo=None),
    )


def parse_thresholds(text):
    """``"flow=minutes, flow=minutes"`` -> ``{flow: minutes}``.

    Separators: commas, semicolons or new lines; ``0`` switches the alert of
    a flow off. Raises ValueError naming the faulty part.
    """
    result = {}
    for part in re.split(r"[,;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        flow, sep, minutes = part.partition("=")
        flow, minutes = flow.strip(), minutes.strip()
        if not sep or not _FLOW_RE.match(flow):
            raise ValueError(f"{part!r} is not flow=minutes")
        try:
            value = int(minutes)
        except ValueError:
            raise ValueError(
                f"{part!r}: {minutes!r} is not a number of minutes"
            ) from None
        if value < 0:
            raise ValueError(f"{part!r}: minutes cannot be negative")
        result[flow] = value
    return result


def format_thresholds(thresholds):
    return ", ".join(
        f"{flow}={minutes}" for flow, minutes in sorted(thresholds.items())
    )


@dataclass(frozen=True)
class Freshness:
    flow: str
    label: str
    last: datetime.datetime | None
    threshold_minutes: int  # 0: no alert

    def age_seconds(self, now):
        if self.last is None:
            return None
        return max(0.0, (now - self.last).total_seconds())

    def is_silent(self, now):
        """Silent: it ran once, and not for longer than its threshold."""
        age = self.age_seconds(now)
        return bool(
            self.threshold_minutes
            and age is not None
            and age > self.threshold_minutes * 60
        )


def silent_flows(flows, now):
    """The :class:`Freshness` of ``flows`` silent at ``now``."""
    return [flow for flow in flows if flow.is_silent(now)]

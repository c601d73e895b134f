"""Series the metric detector watches, read per minute from the store (tenant-scoped).

RED per service and endpoint from server/consumer spans: request rate, error ratio and p50/p95/p99
latency. OTLP metrics: gauges (mean per minute), sums (per-minute sum of deltas, or increase of
cumulative counters), histograms (mean of the recorded values per minute).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from ..store import Store

RED = ("rate", "error_ratio", "p50_ms", "p95_ms", "p99_ms")


@dataclass(frozen=True)
class SeriesKey:
    source: str  # spans or metrics
    service: str
    name: str  # endpoint (span name) or metric name
    measure: str  # rate, error_ratio, p95_ms… or the metric kind
    attrs: str = ""

    def __str__(self) -> str:
        extra = f"{{{self.attrs}}}" if self.attrs else ""
        return f"{self.service}/{self.name}{extra}:{self.measure}"


Series = dict[SeriesKey, tuple[np.ndarray, np.ndarray]]


def _epoch(t: datetime) -> int:
    return int(t.timestamp())


def red_series(store: Store, tenant: str, start: datetime, end: datetime, min_rate: float = 1.0,
               min_rate_detail: float = 10.0) -> Series:  # fmt: skip
    """Rate, error ratio and latency percentiles per (service, endpoint) and minute.

    Endpoints averaging under `min_rate` requests a minute are left out, and error ratio and
    percentiles need `min_rate_detail`: with three requests a minute, one failure is a 33% error
    ratio and a p99 is one request, which says nothing.
    """
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT ServiceName, SpanName, toUnixTimestamp(toStartOfMinute(Timestamp)) AS m, count() AS n,
                   countIf(StatusCode = 'Error') / n, quantiles(0.5, 0.95, 0.99)(Duration)
            FROM {store.options.database}.otel_traces
            WHERE TenantId = {{tenant:String}} AND SpanKind IN ('Server', 'Consumer')
              AND Timestamp >= {{a:DateTime64(9)}} AND Timestamp < {{b:DateTime64(9)}}
            GROUP BY ServiceName, SpanName, m ORDER BY ServiceName, SpanName, m""",
            {"a": start, "b": end},
        )
        .result_rows
    )
    grouped: dict[tuple[str, str], list[tuple[int, int, float, list[float]]]] = defaultdict(list)
    for svc, span, m, n, err, q in rows:
        grouped[(svc, span)].append((int(m), int(n), float(err), q))
    out: Series = {}
    grid = np.arange(_epoch(start) // 60 * 60, _epoch(end), 60, dtype=np.int64)
    for (svc, span), pts in grouped.items():
        minutes = (pts[-1][0] - pts[0][0]) / 60 + 1  # since the endpoint was first seen in the window
        if sum(p[1] for p in pts) / minutes < min_rate:
            continue
        idx = np.searchsorted(grid, [p[0] for p in pts])
        rate = np.zeros(grid.size)  # a minute without requests is a rate of 0, not missing
        rate[idx] = [p[1] for p in pts]
        out[SeriesKey("spans", svc, span, "rate")] = (grid, rate)
        if sum(p[1] for p in pts) / minutes < min_rate_detail:
            continue
        for j, measure in enumerate(("error_ratio", "p50_ms", "p95_ms", "p99_ms")):
            vals = np.full(grid.size, np.nan)
            vals[idx] = [p[2] if j == 0 else p[3][j - 1] / 1e6 for p in pts]
            out[SeriesKey("spans", svc, span, measure)] = (grid, vals)
    return out


def metric_series(store: Store, tenant: str, start: datetime, end: datetime) -> Series:
    """Gauges, sums and histograms per (service, metric, attributes) and minute."""
    db = store.options.database
    scope = store.scope(tenant)
    params = {"a": start, "b": end}
    window = "TenantId = {tenant:String} AND TimeUnix >= {a:DateTime64(9)} AND TimeUnix < {b:DateTime64(9)}"
    queries = {
        "gauge": f"""SELECT ServiceName, MetricName, toString(Attributes), toUnixTimestamp(toStartOfMinute(TimeUnix)) m,
                            avg(Value) FROM {db}.otel_metrics_gauge WHERE {window} GROUP BY 1, 2, 3, m""",
        "sum": f"""SELECT ServiceName, MetricName, toString(Attributes), toUnixTimestamp(toStartOfMinute(TimeUnix)) m,
                          if(any(AggregationTemporality) = 2, max(Value) - min(Value), sum(Value))
                   FROM {db}.otel_metrics_sum WHERE {window} GROUP BY 1, 2, 3, m""",
        "histogram": f"""SELECT ServiceName, MetricName, toString(Attributes),
                                toUnixTimestamp(toStartOfMinute(TimeUnix)) m, sum(Sum) / greatest(sum(Count), 1)
                         FROM {db}.otel_metrics_histogram WHERE {window} GROUP BY 1, 2, 3, m""",
    }
    grid = np.arange(_epoch(start) // 60 * 60, _epoch(end), 60, dtype=np.int64)
    out: Series = {}
    for kind, sql in queries.items():
        grouped: dict[SeriesKey, list[tuple[int, float]]] = defaultdict(list)
        for svc, name, attrs, m, v in scope.query(sql, params).result_rows:
            grouped[SeriesKey("metrics", svc, name, kind, attrs if attrs != "{}" else "")].append((int(m), float(v)))
        for key, pts in grouped.items():
            vals = np.full(grid.size, np.nan)
            vals[np.searchsorted(grid, [p[0] for p in pts])] = [p[1] for p in pts]
            out[key] = (grid, vals)
    return out


def data_watermark(store: Store, tenant: str, since: datetime, until: datetime) -> datetime | None:
    """The newest span or metric point time in [since, until), or None when nothing arrived."""
    db = store.options.database
    span = "TenantId = {{tenant:String}} AND {col} >= {{a:DateTime64(9)}} AND {col} < {{b:DateTime64(9)}}"
    value = store.scope(tenant).scalar(
        f"""SELECT max(t) FROM (
                SELECT max(Timestamp) AS t FROM {db}.otel_traces WHERE {span.format(col="Timestamp")}
                UNION ALL SELECT max(TimeUnix) FROM {db}.otel_metrics_gauge WHERE {span.format(col="TimeUnix")}
                UNION ALL SELECT max(TimeUnix) FROM {db}.otel_metrics_sum WHERE {span.format(col="TimeUnix")})""",
        {"a": since, "b": until},
    )
    if value is None or value.year < 1971:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value

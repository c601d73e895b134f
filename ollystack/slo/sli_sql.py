"""SQL that turns telemetry into per-minute good/total counts for SLIs.

Every builder returns one SELECT whose columns are `MEASUREMENT_COLUMNS` (TenantId first, bound
as `{tenant:String}`), so the same text feeds `INSERT … SELECT` into `slo_measurements` and, for
the minute still in progress, a plain read. SLIs over spans share one scan: each SLO is a pair of
`countIf`s, so a hundred SLOs cost about one pass over the spans they touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .model import SLO, MetricSelector

MEASUREMENT_COLUMNS = (
    "SLOId", "SLIHash", "Timestamp", "TotalCount", "GoodCount", "BadCount", "SLIValue", "IsGood", "UpdatedAt",
)  # fmt: skip
_KIND = {"server": "Server", "client": "Client", "producer": "Producer", "consumer": "Consumer", "internal": "Internal"}
#: ms -> the histogram's unit, from MetricUnit (UCUM as OTel writes it)
_UNIT_PER_MS = "multiIf(MetricUnit IN ('s', 'sec', 'seconds'), 0.001, MetricUnit IN ('us', 'µs'), 1000, MetricUnit = 'ns', 1e6, MetricUnit = 'min', 1.0 / 60000, 1)"  # noqa: E501
SPANS_PER_QUERY = 50


@dataclass
class Params:
    """Bound parameters with unique names, so fragments for many SLOs can share one statement."""

    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any, type_: str, hint: str = "p") -> str:
        name = f"{hint}{len(self.values)}"
        self.values[name] = value
        return f"{{{name}:{type_}}}"


def _attr(col: str, key: str, p: Params) -> str:
    k = p.bind(key, "String", "k")
    return f"if(mapContains({col}, {k}), {col}[{k}], ResourceAttributes[{k}])"


def _span_match(slo: SLO, p: Params) -> str:
    sli = slo.sli
    parts = [f"ServiceName = {p.bind(slo.service, 'String', 's')}"]
    parts.append(f"SpanKind IN {p.bind([_KIND[k] for k in sli.span_kinds], 'Array(String)', 'sk')}")
    if sli.span_names:
        parts.append(f"SpanName IN {p.bind(sli.span_names, 'Array(String)', 'sn')}")
    if sli.route:
        parts.append(f"SpanAttributes['http.route'] = {p.bind(sli.route, 'String', 'r')}")
    for key, value in sorted(sli.attributes.items()):
        parts.append(f"{_attr('SpanAttributes', key, p)} = {p.bind(value, 'String', 'v')}")
    return " AND ".join(parts)


def _span_good(slo: SLO, p: Params) -> str:
    sli = slo.sli
    if sli.errors == "http_5xx":
        code = ("toUInt16OrZero(if(SpanAttributes['http.response.status_code'] != '', "
                "SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']))")  # fmt: skip
        ok = f"{code} < 500"
    else:
        ok = "StatusCode != 'Error'"
    if sli.type != "latency":
        return ok
    assert sli.threshold_ms is not None
    fast = f"Duration <= {p.bind(round(sli.threshold_ms * 1e6), 'UInt64', 'thr')}"
    return f"{fast} AND {ok}" if sli.errors_are_bad else fast


def _verdict_arrays(slos: list[SLO]) -> tuple[list[int], list[float]]:
    """Per SLO: 1 when a minute is judged by its latency percentile, else by its good ratio."""
    kinds, thresholds = [], []
    for slo in slos:
        if slo.sli.percentile is not None:
            kinds.append(1)
            thresholds.append(float(slo.sli.threshold_ms or 0))
        else:
            kinds.append(0)
            thresholds.append(slo.slice_target)
    return kinds, thresholds


def spans_select(db: str, slos: list[SLO], start: datetime, end: datetime) -> tuple[str, dict[str, Any]]:
    """Per-minute counts for span SLIs (one tenant, one time range), one scan for all of them."""
    p = Params()
    totals, goods, values = [], [], []
    for slo in slos:
        match = _span_match(slo, p)
        good = _span_good(slo, p)
        totals.append(f"countIf({match})")
        goods.append(f"countIf(({match}) AND ({good}))")
        q = slo.sli.percentile
        values.append(f"toFloat64(quantileIf({q / 100!r})(Duration, {match})) / 1e6" if q is not None else "0.")
    kinds, thresholds = _verdict_arrays(slos)
    ids = p.bind([str(s.slo_id) for s in slos], "Array(String)", "ids")
    hashes = p.bind([s.sli_hash for s in slos], "Array(UInt64)", "h")
    kind = p.bind(kinds, "Array(UInt8)", "vk")
    thr = p.bind(thresholds, "Array(Float64)", "vt")
    services = p.bind(sorted({s.service for s in slos}), "Array(String)", "svc")
    t0, t1 = p.bind(start, "DateTime64(9)", "t"), p.bind(end, "DateTime64(9)", "t")
    sql = f"""
SELECT {{tenant:String}}, toUUID({ids}[i]), {hashes}[i], m, t[i], g[i], t[i] - g[i],
       if({kind}[i] = 1, v[i], g[i] / t[i]),
       if({kind}[i] = 1, v[i] <= {thr}[i], g[i] >= {thr}[i] * t[i] - 1e-9),
       now64(3)
FROM (
    SELECT toStartOfMinute(Timestamp) AS m,
           [{", ".join(totals)}] AS t,
           [{", ".join(goods)}] AS g,
           [{", ".join(values)}] AS v
    FROM {db}.otel_traces
    WHERE TenantId = {{tenant:String}} AND ServiceName IN {services}
      AND Timestamp >= {t0} AND Timestamp < {t1}
    GROUP BY m
)
ARRAY JOIN arrayEnumerate(t) AS i
WHERE t[i] > 0"""
    return sql, p.values


def _selector_where(sel: MetricSelector, p: Params) -> str:
    parts = [f"MetricName = {p.bind(sel.name, 'String', 'mn')}"]
    for key, value in sorted(sel.attributes.items()):
        parts.append(_matcher(key, "=", value, p))
    for m in sel.matchers:
        parts.append(_matcher(m.key, m.op, m.value, p))
    return " AND ".join(parts)


def _matcher(key: str, op: str, value: str, p: Params) -> str:
    """A label matcher; `job`/`service.name` is the service, as Prometheus receivers map it."""
    col = "ServiceName" if key in ("job", "service.name", "service_name") else _attr("Attributes", key, p)
    v = p.bind(value, "String", "v")
    if op == "=":
        return f"{col} = {v}"
    if op == "!=":
        return f"{col} != {v}"
    anchored = f"concat('^(?:', {v}, ')$')"  # PromQL regexes match the whole value
    return f"{'' if op == '=~' else 'NOT '}match({col}, {anchored})"


def _increments(inner: str, value_cols: list[str]) -> str:
    """Per-point increments of delta or cumulative series (cumulative: difference to the previous
    point of the same series; a reset or a first point whose start we saw counts in full)."""
    lags = ", ".join(f"lagInFrame({c}, 1, 0.) OVER w AS prev_{c}" for c in value_cols)
    incs = ", ".join(
        f"if(AggregationTemporality != 2, {c}, if(rn = 1, if(StartTimeUnix >= {{look:DateTime64(9)}}, {c}, 0.),"
        f" if({c} >= prev_{c} AND StartTimeUnix = prev_start, {c} - prev_{c}, {c}))) AS inc_{c}"
        for c in value_cols
    )
    return f"""
SELECT TimeUnix, {incs}
FROM (
    SELECT *, {lags}, lagInFrame(StartTimeUnix, 1) OVER w AS prev_start, row_number() OVER w AS rn
    FROM ({inner})
    WINDOW w AS (PARTITION BY series ORDER BY TimeUnix ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
)"""


_SERIES = "cityHash64(ServiceName, MetricName, Attributes, ResourceAttributes)"


def _single(slo: SLO, inner: str, p: Params) -> str:
    _, thresholds = _verdict_arrays([slo])
    ids = p.bind(str(slo.slo_id), "String", "id")
    h = p.bind(slo.sli_hash, "UInt64", "h")
    thr = p.bind(thresholds[0], "Float64", "vt")
    return f"""
SELECT {{tenant:String}}, toUUID({ids}), {h}, m, total, good, total - good, good / total,
       good >= {thr} * total - 1e-9, now64(3)
FROM ({inner})
WHERE total > 0"""


def histogram_select(
    db: str, slo: SLO, start: datetime, end: datetime, lookback: datetime
) -> tuple[str, dict[str, Any]]:
    """Latency from a histogram: good = the buckets whose upper bound is at or under the threshold."""
    sel = slo.sli.metric
    assert sel is not None and slo.sli.threshold_ms is not None
    p = Params()
    thr = p.bind(slo.sli.threshold_ms, "Float64", "thr")
    points = f"""
        SELECT TimeUnix, StartTimeUnix, AggregationTemporality, {_SERIES} AS series, toFloat64(Count) AS c,
               toFloat64(arraySum(arraySlice(BucketCounts, 1,
                   arrayCount(b -> b <= {thr} * {_UNIT_PER_MS} * (1 + 1e-12), ExplicitBounds)))) AS gc
        FROM {db}.otel_metrics_histogram
        WHERE TenantId = {{tenant:String}} AND {_selector_where(sel, p)}
          AND TimeUnix >= {{look:DateTime64(9)}} AND TimeUnix < {{end:DateTime64(9)}}"""
    inner = f"""
        SELECT toStartOfMinute(TimeUnix) AS m, toUInt64(round(sum(inc_c))) AS total,
               toUInt64(round(sum(inc_gc))) AS good
        FROM ({_increments(points, ["c", "gc"])})
        WHERE TimeUnix >= {{start:DateTime64(9)}}
        GROUP BY m"""
    p.values.update(start=start, end=end, look=lookback)
    return _single(slo, inner, p), p.values


def _counter_points(db: str, sel: MetricSelector, role: str, p: Params) -> str:
    """A counter's points: a sum by that name, or a histogram's count for a `_count` name."""
    r = p.bind(role, "String", "role")
    where = _selector_where(sel, p)
    base = sel.name.removesuffix("_count")
    hist_where = _selector_where(MetricSelector(name=base, attributes=sel.attributes, matchers=sel.matchers), p)
    return f"""
        SELECT {r} AS role, TimeUnix, StartTimeUnix, AggregationTemporality,
               cityHash64({r}, {_SERIES}) AS series, Value AS c
        FROM {db}.otel_metrics_sum
        WHERE TenantId = {{tenant:String}} AND {where}
          AND TimeUnix >= {{look:DateTime64(9)}} AND TimeUnix < {{end:DateTime64(9)}}
        UNION ALL
        SELECT {r} AS role, TimeUnix, StartTimeUnix, AggregationTemporality,
               cityHash64({r}, {_SERIES}) AS series, toFloat64(Count) AS c
        FROM {db}.otel_metrics_histogram
        WHERE TenantId = {{tenant:String}} AND {hist_where} AND {p.bind(base != sel.name, "Bool", "isc")}
          AND TimeUnix >= {{look:DateTime64(9)}} AND TimeUnix < {{end:DateTime64(9)}}"""


def ratio_select(db: str, slo: SLO, start: datetime, end: datetime, lookback: datetime) -> tuple[str, dict[str, Any]]:
    """Availability or error rate from counters: good (or bad) over total per minute."""
    sli = slo.sli
    assert sli.total_metric is not None
    p = Params()
    part_sel, part_role = (sli.good_metric, "good") if sli.good_metric else (sli.bad_metric, "bad")
    assert part_sel is not None
    points = f"""
        SELECT role, TimeUnix, StartTimeUnix, AggregationTemporality, series, c FROM (
            {_counter_points(db, sli.total_metric, "total", p)}
            UNION ALL
            {_counter_points(db, part_sel, part_role, p)}
        )"""
    incs = _increments(points, ["c"]).replace("SELECT TimeUnix,", "SELECT role, TimeUnix,", 1)
    good = (
        "sumIf(inc_c, role = 'good')"
        if part_role == "good"
        else "greatest(0., sumIf(inc_c, role = 'total') - sumIf(inc_c, role = 'bad'))"
    )
    inner = f"""
        SELECT toStartOfMinute(TimeUnix) AS m, toUInt64(round(sumIf(inc_c, role = 'total'))) AS total,
               least(total, toUInt64(round({good}))) AS good
        FROM ({incs})
        WHERE TimeUnix >= {{start:DateTime64(9)}}
        GROUP BY m"""
    p.values.update(start=start, end=end, look=lookback)
    return _single(slo, inner, p), p.values


def synthetics_select(db: str, slo: SLO, start: datetime, end: datetime) -> tuple[str, dict[str, Any]]:
    """Availability (or latency) from synthetic check runs: each run is one event."""
    p = Params()
    good = "Success = 1"
    if slo.sli.type == "latency":
        good += f" AND Duration <= {p.bind(slo.sli.threshold_ms, 'Float64', 'thr')}"
    inner = f"""
        SELECT toStartOfMinute(Timestamp) AS m, count() AS total, countIf({good}) AS good
        FROM {db}.synthetics_runs
        WHERE TenantId = {{tenant:String}} AND CanaryName = {p.bind(slo.sli.check, "String", "chk")}
          AND Timestamp >= {{start:DateTime64(3)}} AND Timestamp < {{end:DateTime64(3)}}
        GROUP BY m"""
    p.values.update(start=start, end=end)
    return _single(slo, inner, p), p.values

"""The store on the embedded engine: migrations, schema fidelity, retention, tenant scoping, OTLP writes.

Why: every other package reads and writes telemetry through `ollystack.store`. These tests pin down
what it promises: the schema is the OpenTelemetry Collector ClickHouse exporter's plus a leading
TenantId, migrations are idempotent and refuse a newer schema, retention follows the settings,
a tenant scope sees only its tenant's rows even when the SQL forgets to filter, and OTLP writes land
under the tenant the service chose. The `check_*` helpers are shared with
tests/test_store_server_path.py, which runs the same assertions through clickhouse-connect's HTTP
client against a ClickHouse-HTTP-compatible server.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    ExponentialHistogramDataPoint,
    HistogramDataPoint,
    NumberDataPoint,
    SummaryDataPoint,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from bench.payloads import log_request, trace_request
from ollystack.store import SchemaTooNewError, Store, StoreBusy, TenantError
from ollystack.store import queries as q
from ollystack.store.client import embedded_in_use, make_client
from ollystack.store.migrate import VERSION_TABLE, available
from ollystack.store.otlp_schema import FRAMES, staging_table

# -- the exporter's schema, column for column (from the migration files, which follow the exporter) ----

LC = "LowCardinality(String)"
MAP = "Map(LowCardinality(String), String)"
DT9 = "DateTime64(9)"
TENANT = ("TenantId", LC)

TRACES_COLUMNS = [
    ("Timestamp", DT9), ("TraceId", "String"), ("SpanId", "String"), ("ParentSpanId", "String"),
    ("TraceState", "String"), ("SpanName", LC), ("SpanKind", LC), ("ServiceName", LC),
    ("ResourceAttributes", MAP), ("ScopeName", "String"), ("ScopeVersion", "String"), ("SpanAttributes", MAP),
    ("Duration", "UInt64"), ("StatusCode", LC), ("StatusMessage", "String"),
    ("Events.Timestamp", f"Array({DT9})"), ("Events.Name", f"Array({LC})"), ("Events.Attributes", f"Array({MAP})"),
    ("Links.TraceId", "Array(String)"), ("Links.SpanId", "Array(String)"), ("Links.TraceState", "Array(String)"),
    ("Links.Attributes", f"Array({MAP})"),
]  # fmt: skip
LOGS_COLUMNS = [
    ("Timestamp", DT9), ("TimestampTime", "DateTime"), ("TraceId", "String"), ("SpanId", "String"),
    ("TraceFlags", "UInt8"), ("SeverityText", LC), ("SeverityNumber", "UInt8"), ("ServiceName", LC),
    ("Body", "String"), ("ResourceSchemaUrl", LC), ("ResourceAttributes", MAP), ("ScopeSchemaUrl", LC),
    ("ScopeName", "String"), ("ScopeVersion", LC), ("ScopeAttributes", MAP), ("LogAttributes", MAP),
    ("EventName", "String"),
]  # fmt: skip
_METRIC_HEAD = [
    ("ResourceAttributes", MAP), ("ResourceSchemaUrl", "String"), ("ScopeName", "String"),
    ("ScopeVersion", "String"), ("ScopeAttributes", MAP), ("ScopeDroppedAttrCount", "UInt32"),
    ("ScopeSchemaUrl", "String"), ("ServiceName", LC), ("MetricName", "String"), ("MetricDescription", "String"),
    ("MetricUnit", "String"), ("Attributes", MAP), ("StartTimeUnix", DT9), ("TimeUnix", DT9),
]  # fmt: skip
_EXEMPLARS = [
    ("Exemplars.FilteredAttributes", f"Array({MAP})"), ("Exemplars.TimeUnix", f"Array({DT9})"),
    ("Exemplars.Value", "Array(Float64)"), ("Exemplars.SpanId", "Array(String)"),
    ("Exemplars.TraceId", "Array(String)"),
]  # fmt: skip
_GAUGE = [*_METRIC_HEAD, ("Value", "Float64"), ("Flags", "UInt32"), *_EXEMPLARS]
METRICS_COLUMNS = {
    "otel_metrics_gauge": _GAUGE,
    "otel_metrics_sum": [*_GAUGE, ("AggregationTemporality", "Int32"), ("IsMonotonic", "Bool")],
    "otel_metrics_histogram": [
        *_METRIC_HEAD, ("Count", "UInt64"), ("Sum", "Float64"), ("BucketCounts", "Array(UInt64)"),
        ("ExplicitBounds", "Array(Float64)"), *_EXEMPLARS, ("Flags", "UInt32"), ("Min", "Float64"),
        ("Max", "Float64"), ("AggregationTemporality", "Int32"),
    ],
    "otel_metrics_exponential_histogram": [
        *_METRIC_HEAD, ("Count", "UInt64"), ("Sum", "Float64"), ("Scale", "Int32"), ("ZeroCount", "UInt64"),
        ("PositiveOffset", "Int32"), ("PositiveBucketCounts", "Array(UInt64)"), ("NegativeOffset", "Int32"),
        ("NegativeBucketCounts", "Array(UInt64)"), *_EXEMPLARS, ("Flags", "UInt32"), ("Min", "Float64"),
        ("Max", "Float64"), ("AggregationTemporality", "Int32"),
    ],
    "otel_metrics_summary": [
        *_METRIC_HEAD, ("Count", "UInt64"), ("Sum", "Float64"), ("ValueAtQuantiles.Quantile", "Array(Float64)"),
        ("ValueAtQuantiles.Value", "Array(Float64)"), ("Flags", "UInt32"),
    ],
}  # fmt: skip
EXPORTER_COLUMNS = {"otel_traces": TRACES_COLUMNS, "otel_logs": LOGS_COLUMNS, **METRICS_COLUMNS}
TRACE_ID_TS_COLUMNS = [
    ("TraceId", "String"),
    ("Start", "SimpleAggregateFunction(min, DateTime)"),
    ("End", "SimpleAggregateFunction(max, DateTime)"),
]
TELEMETRY_TABLES = [*EXPORTER_COLUMNS, "otel_traces_trace_id_ts"]
METRIC_TABLES = list(METRICS_COLUMNS)

_BLOOM_MAPS = ("ResourceAttributes", "ScopeAttributes")
SKIP_INDEXES = {
    "otel_traces": {
        ("idx_trace_id", "bloom_filter", "TraceId"),
        ("idx_res_attr_key", "bloom_filter", "mapKeys(ResourceAttributes)"),
        ("idx_res_attr_value", "bloom_filter", "mapValues(ResourceAttributes)"),
        ("idx_span_attr_key", "bloom_filter", "mapKeys(SpanAttributes)"),
        ("idx_span_attr_value", "bloom_filter", "mapValues(SpanAttributes)"),
        ("idx_duration", "minmax", "Duration"),
    },
    "otel_logs": {
        ("idx_trace_id", "bloom_filter", "TraceId"),
        ("idx_res_attr_key", "bloom_filter", "mapKeys(ResourceAttributes)"),
        ("idx_res_attr_value", "bloom_filter", "mapValues(ResourceAttributes)"),
        ("idx_scope_attr_key", "bloom_filter", "mapKeys(ScopeAttributes)"),
        ("idx_scope_attr_value", "bloom_filter", "mapValues(ScopeAttributes)"),
        ("idx_log_attr_key", "bloom_filter", "mapKeys(LogAttributes)"),
        ("idx_log_attr_value", "bloom_filter", "mapValues(LogAttributes)"),
        ("idx_body", "tokenbf_v1", "Body"),
        ("idx_body_ngrambf", "ngrambf_v1", "Body"),
    },
    **{
        table: {
            ("idx_res_attr_key", "bloom_filter", "mapKeys(ResourceAttributes)"),
            ("idx_res_attr_value", "bloom_filter", "mapValues(ResourceAttributes)"),
            ("idx_scope_attr_key", "bloom_filter", "mapKeys(ScopeAttributes)"),
            ("idx_scope_attr_value", "bloom_filter", "mapValues(ScopeAttributes)"),
            ("idx_attr_key", "bloom_filter", "mapKeys(Attributes)"),
            ("idx_attr_value", "bloom_filter", "mapValues(Attributes)"),
        }
        for table in METRIC_TABLES
    },
}


def _rows(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """An operator's query (all tenants), in the store's database (bound as `{db:String}`)."""
    return store.client.query(sql, parameters={"db": store.options.database, **params}).result_rows


def _tables(store: Store) -> dict[str, str]:
    return dict(_rows(store, "SELECT name, engine FROM system.tables WHERE database = {db:String}"))


def _columns(store: Store, table: str) -> list[tuple[str, str]]:
    return [
        (name, typ)
        for name, typ in _rows(
            store,
            "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} "
            "ORDER BY position",
            t=table,
        )
    ]


def _schema_snapshot(store: Store) -> list[tuple[Any, ...]]:
    return _rows(
        store, "SELECT name, engine, create_table_query FROM system.tables WHERE database = {db:String} ORDER BY name"
    )


def _create_query(store: Store, table: str) -> str:
    return _rows(
        store,
        "SELECT create_table_query FROM system.tables WHERE database = {db:String} AND name = {t:String}",
        t=table,
    )[0][0]


# -- shared checks (also run over HTTP by tests/test_store_server_path.py) ---------------------------


def check_migrated_schema(store: Store) -> None:
    """Every table the store promises exists, with the engine it should have."""
    tables = _tables(store)
    for table in TELEMETRY_TABLES:
        assert "MergeTree" in tables.get(table, ""), f"{table} missing or not a MergeTree: {tables.get(table)}"
    assert tables["otel_traces_trace_id_ts"] == "AggregatingMergeTree"
    assert tables["otel_traces_trace_id_ts_mv"] == "MaterializedView"
    assert tables[VERSION_TABLE] == "ReplacingMergeTree"
    # the tables Store.insert_frames writes to, each a Null table feeding one view into a telemetry table
    telemetry_targets = set()
    for stage in FRAMES:
        staging = staging_table(stage)
        assert tables.get(staging) == "Null", f"staging table {staging} missing: {sorted(tables)}"
        deps = _rows(
            store,
            "SELECT dependencies_table FROM system.tables WHERE database = {db:String} AND name = {t:String}",
            t=staging,
        )[0][0]
        assert len(deps) == 1, f"{staging} should feed exactly one view, feeds {deps}"
        view_sql = _create_query(store, deps[0])
        target = view_sql.split(" TO ", 1)[1].split()[0].split(".")[-1]
        telemetry_targets.add(target)
    assert telemetry_targets == set(EXPORTER_COLUMNS), "every exporter table is fed by an OTLP staging view"
    # the trace-id lookup view reads spans and writes the lookup table
    mv = _create_query(store, "otel_traces_trace_id_ts_mv")
    db = store.options.database
    assert f"TO {db}.otel_traces_trace_id_ts" in mv
    assert f"FROM {db}.otel_traces" in mv


def check_migrations_recorded(store: Store) -> None:
    """One row per shipped migration, with its name and checksum, and the version is the code's."""
    recorded = _rows(store, f"SELECT Version, Name, Checksum FROM {store.options.database}.{VERSION_TABLE} FINAL")
    assert sorted(recorded) == [(m.version, m.name, m.checksum) for m in available()]
    assert store.schema_version() == Store.code_schema_version() == available()[-1].version


def check_exporter_columns(store: Store) -> None:
    for table, expected in EXPORTER_COLUMNS.items():
        assert _columns(store, table) == [TENANT, *expected], table
    assert _columns(store, "otel_traces_trace_id_ts") == [TENANT, *TRACE_ID_TS_COLUMNS]


def check_tenant_leads_every_telemetry_table(store: Store) -> None:
    for table in TELEMETRY_TABLES:
        (name, typ, kind, default, in_key), *_ = _rows(
            store,
            "SELECT name, type, default_kind, default_expression, is_in_sorting_key FROM system.columns "
            "WHERE database = {db:String} AND table = {t:String} ORDER BY position",
            t=table,
        )
        assert (name, typ, kind, default, in_key) == ("TenantId", LC, "DEFAULT", "'default'", 1), table
        sorting_key, primary_key = _rows(
            store,
            "SELECT sorting_key, primary_key FROM system.tables WHERE database = {db:String} AND name = {t:String}",
            t=table,
        )[0]
        assert sorting_key.split(",")[0].strip() == "TenantId", (table, sorting_key)
        assert primary_key.split(",")[0].strip() == "TenantId", (table, primary_key)


def check_skip_indexes(store: Store) -> None:
    for table, expected in SKIP_INDEXES.items():
        found = set(
            _rows(
                store,
                "SELECT name, type, expr FROM system.data_skipping_indices WHERE database = {db:String} "
                "AND table = {t:String}",
                t=table,
            )
        )
        assert found == expected, table


# -- a deterministic dataset for two tenants ----------------------------------------------------------


def _kv(key: str, value: Any) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _attrs(mapping: dict[str, Any]) -> list[KeyValue]:
    return [_kv(k, v) for k, v in mapping.items()]


MIN = 60 * 10**9
MS = 10**6


@dataclass
class Dataset:
    """What `populate` wrote: the hand-made rows the query tests look for, and per-tenant totals."""

    base: datetime
    base_ns: int
    trace_shared: bytes  # a trace id both tenants use (a trace crossing tenants, or a collision)
    trace_cart: bytes
    spans: dict[str, int] = field(default_factory=dict)
    trace_ids: dict[str, int] = field(default_factory=dict)
    logs: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, dict[str, int]] = field(default_factory=dict)

    def at(self, minutes: float) -> datetime:
        return self.base + timedelta(minutes=minutes)


def _span(trace_id: bytes, span_id: bytes, name: str, start: int, dur_ms: int, **kw: Any) -> Span:
    attrs = kw.pop("attrs", {})
    span = Span(trace_id=trace_id, span_id=span_id, name=name, start_time_unix_nano=start,
                end_time_unix_nano=start + dur_ms * MS, **kw)  # fmt: skip
    span.attributes.extend(_attrs(attrs))
    return span


def _traces(service_spans: list[tuple[str, dict[str, Any], list[Span]]]) -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    for service, resource, spans in service_spans:
        rs = req.resource_spans.add()
        rs.resource.attributes.extend(_attrs({"service.name": service, **resource}))
        ss = rs.scope_spans.add()
        ss.scope.name, ss.scope.version = "store-tests", "1.0"
        ss.spans.extend(spans)
    return req


def _logs(service_logs: list[tuple[str, dict[str, Any], list[LogRecord]]]) -> ExportLogsServiceRequest:
    req = ExportLogsServiceRequest()
    for service, resource, records in service_logs:
        rl = req.resource_logs.add()
        rl.resource.attributes.extend(_attrs({"service.name": service, **resource}))
        sl = rl.scope_logs.add()
        sl.scope.name = "store-tests"
        sl.log_records.extend(records)
    return req


def _log(t: int, severity: int, text: str, body: str, attrs: dict[str, Any] | None = None, **kw: Any) -> LogRecord:
    rec = LogRecord(time_unix_nano=t, severity_number=severity, severity_text=text, **kw)
    rec.body.string_value = body
    rec.attributes.extend(_attrs(attrs or {}))
    return rec


def metrics_request(service: str, base_ns: int, gauge_values: tuple[float, float]) -> ExportMetricsServiceRequest:
    """One metric of every kind for `service`: gauge (2 points), sum, histogram, exp. histogram, summary."""
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.extend(_attrs({"service.name": service, "deployment.environment": "prod"}))
    sm = rm.scope_metrics.add()
    sm.scope.name = "store-tests"
    gauge = sm.metrics.add(name="queue.depth", unit="1")
    for i, (queue, value) in enumerate(zip(("orders", "refunds"), gauge_values, strict=True)):
        dp = NumberDataPoint(time_unix_nano=base_ns + (10 + 10 * i) * MIN, as_double=value)
        dp.attributes.extend(_attrs({"queue": queue}))
        gauge.gauge.data_points.append(dp)
    total = sm.metrics.add(name="http.requests", unit="1")
    total.sum.aggregation_temporality, total.sum.is_monotonic = 2, True
    total.sum.data_points.append(NumberDataPoint(time_unix_nano=base_ns + 30 * MIN, as_int=42))
    hist = sm.metrics.add(name="http.duration", unit="ms")
    hist.histogram.aggregation_temporality = 2
    hist.histogram.data_points.append(
        HistogramDataPoint(time_unix_nano=base_ns + 40 * MIN, count=4, sum=10.0, bucket_counts=[1, 2, 1],
                           explicit_bounds=[1.0, 5.0])
    )  # fmt: skip
    exp = sm.metrics.add(name="http.duration.exp", unit="ms")
    exp.exponential_histogram.aggregation_temporality = 2
    point = ExponentialHistogramDataPoint(time_unix_nano=base_ns + 50 * MIN, count=2, sum=3.0, scale=0)
    point.positive.bucket_counts.extend([2])
    exp.exponential_histogram.data_points.append(point)
    summary = sm.metrics.add(name="rpc.latency", unit="ms")
    sp = SummaryDataPoint(time_unix_nano=base_ns + 60 * MIN, count=5, sum=10.0)
    sp.quantile_values.add(quantile=0.5, value=2.0)
    sp.quantile_values.add(quantile=0.99, value=4.0)
    summary.summary.data_points.append(sp)
    return req


def _count_spans(req: ExportTraceServiceRequest) -> tuple[int, set[bytes]]:
    spans = [s for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]
    return len(spans), {s.trace_id for s in spans}


def _count_logs(req: ExportLogsServiceRequest) -> int:
    return sum(len(sl.log_records) for rl in req.resource_logs for sl in rl.scope_logs)


def populate(store: Store, tenants: tuple[str, str] = ("acme", "globex")) -> Dataset:
    """Hand-made spans, logs and metrics for two tenants (same services, same attribute values, one
    shared trace id) plus bench payloads (other services, the last minute) for volume."""
    acme, globex = tenants
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    b = int(base.timestamp()) * 10**9
    shared, cart, other = os.urandom(16), os.urandom(16), os.urandom(16)
    ds = Dataset(base=base, base_ns=b, trace_shared=shared, trace_cart=cart)
    s1, s2, s3, g1, g2 = (os.urandom(8) for _ in range(5))
    prod, staging = {"deployment.environment": "prod"}, {"deployment.environment": "staging"}
    pay_attrs = {"http.route": "/pay", "http.response.status_code": 500}
    traces = {
        acme: _traces([
            ("storefront", prod, [_span(shared, s1, "GET /pay", b + 10 * MIN, 250, kind=2, attrs=pay_attrs,
                                        status=Status(code=2, message="card declined"))]),
            ("ledger", prod, [_span(shared, s2, "INSERT payments", b + 10 * MIN + 50 * MS, 40, kind=3,
                                    parent_span_id=s1, attrs={"db.system": "postgres"})]),
            ("storefront", staging, [_span(cart, s3, "GET /cart", b + 70 * MIN, 20, kind=2,
                                           attrs={"http.route": "/cart"})]),
        ]),
        globex: _traces([
            ("storefront", prod, [
                _span(shared, g1, "GET /pay", b + 10 * MIN, 90, kind=2, attrs=pay_attrs),
                _span(other, g2, "GET /admin", b + 20 * MIN, 10, kind=2, attrs={"http.route": "/admin"}),
            ]),
        ]),
    }  # fmt: skip
    logs = {
        acme: _logs([
            ("storefront", prod, [
                _log(b + 10 * MIN, 17, "ERROR", "Payment failed: card DECLINED for order 1234", {"order.id": "1234"},
                     trace_id=shared, span_id=s1),
                _log(b + 70 * MIN, 9, "INFO", "cart viewed"),
            ]),
            ("ledger", prod, [_log(b + 15 * MIN, 9, "INFO", "ledger balanced", {"db.system": "postgres"})]),
        ]),
        globex: _logs([
            ("storefront", prod, [_log(b + 10 * MIN, 17, "ERROR", "Payment failed: card declined for order 999",
                                       {"order.id": "999"})]),
        ]),
    }  # fmt: skip
    metrics = {acme: metrics_request("storefront", b, (3.0, 7.0)), globex: metrics_request("storefront", b, (99, 98))}
    bulk = {acme: (40, 30, 1), globex: (25, 12, 2)}
    for tenant in tenants:
        n_spans, n_logs, seed = bulk[tenant]
        tr = [traces[tenant], trace_request(n_spans, seed)]
        lg = [logs[tenant], log_request(n_logs, seed)]
        framed = store.insert_otlp("traces", tenant, [r.SerializeToString() for r in tr])
        counts = [_count_spans(r) for r in tr]
        ds.spans[tenant] = sum(n for n, _ in counts)
        ds.trace_ids[tenant] = len(set().union(*(ids for _, ids in counts)))
        assert (framed.accepted, framed.rejected) == (ds.spans[tenant], 0)
        store.insert_otlp("logs", tenant, [r.SerializeToString() for r in lg])
        ds.logs[tenant] = sum(_count_logs(r) for r in lg)
        store.insert_otlp("metrics", tenant, [metrics[tenant].SerializeToString()])
        ds.metrics[tenant] = {
            "otel_metrics_gauge": 2, "otel_metrics_sum": 1, "otel_metrics_histogram": 1,
            "otel_metrics_exponential_histogram": 1, "otel_metrics_summary": 1,
        }  # fmt: skip
    return ds


def check_scope_without_where(store: Store, ds: Dataset) -> None:
    """A query with no WHERE at all sees exactly its tenant's rows, in every telemetry table."""
    db = store.options.database
    for tenant in ds.spans:
        scope = store.scope(tenant)
        assert scope.scalar("SELECT count() FROM otel_traces") == ds.spans[tenant]
        assert scope.scalar(f"SELECT count() FROM {db}.otel_traces") == ds.spans[tenant]
        assert scope.scalar("SELECT count() FROM otel_logs") == ds.logs[tenant]
        assert scope.scalar("SELECT uniqExact(TraceId) FROM otel_traces_trace_id_ts") == ds.trace_ids[tenant]
        assert scope.scalar("SELECT count() FROM otel_traces_trace_id_ts FINAL") == ds.trace_ids[tenant]
        for table, n in ds.metrics[tenant].items():
            assert scope.scalar(f"SELECT count() FROM {table}") == n, table
        seen = scope.query(
            "SELECT groupUniqArray(TenantId) FROM ("
            + " UNION ALL ".join(f"SELECT TenantId FROM {t}" for t in TELEMETRY_TABLES)
            + ")"
        ).result_rows[0][0]
        assert seen == [tenant]
        assert scope.scalar("SELECT {tenant:String}") == tenant  # the scope binds its tenant for the SQL


def check_scope_through_joins_and_subqueries(store: Store, ds: Dataset) -> None:
    for tenant in ds.spans:
        scope = store.scope(tenant)
        # RIGHT JOIN keeps every lookup row: a lookup row of another tenant would show up here
        assert scope.scalar(
            "SELECT groupUniqArray(l.TenantId) FROM otel_traces AS t "
            "RIGHT JOIN otel_traces_trace_id_ts AS l ON t.TraceId = l.TraceId"
        ) == [tenant]
        assert scope.scalar(
            "SELECT count() FROM otel_logs AS lg INNER JOIN otel_traces AS sp ON lg.TraceId = sp.TraceId"
        ) == (2 if tenant == "acme" else 0)  # acme's error log joins its 2 spans of the shared trace, not globex's
        assert scope.scalar("SELECT count() FROM (SELECT TraceId FROM otel_traces)") == ds.spans[tenant]
        assert scope.scalar("WITH s AS (SELECT * FROM otel_traces) SELECT count() FROM s") == ds.spans[tenant]
        assert scope.query("SELECT (SELECT count() FROM otel_traces), (SELECT count() FROM otel_logs)").result_rows == [
            (ds.spans[tenant], ds.logs[tenant])
        ]
        assert (
            scope.scalar(
                "SELECT count() FROM otel_traces WHERE TraceId IN (SELECT TraceId FROM otel_traces_trace_id_ts)"
            )
            == ds.spans[tenant]
        )
        shared = ds.trace_shared.hex()
        assert (
            scope.scalar("SELECT uniqExact(TenantId) FROM otel_traces WHERE TraceId = {t:String}", {"t": shared}) == 1
        )


def check_scope_rejects_bad_tenants(store: Store) -> None:
    for bad in ["", " ", "a b", "a'b", "x' OR '1'='1", 'a"b', "a\\b", "a;b", "a\nb", "-lead", ".dot", "t/x",
                "é", "a" * 65, None, 7]:  # fmt: skip
        with pytest.raises(TenantError):
            store.scope(bad)  # type: ignore[arg-type]
    for good in ["a", "acme", "Tenant-1", "t_2.prod", "a" * 64]:
        assert store.scope(good).tenant == good
    scope = store.scope("acme")
    with pytest.raises(TenantError):
        scope.query("SELECT count() FROM otel_traces WHERE TenantId = {tenant:String}", {"tenant": "globex"})
    with pytest.raises(TenantError):
        scope.rows("SELECT 1", {"tenant": "acme"})
    with pytest.raises(TenantError):
        store.insert_otlp("traces", "bad tenant", [trace_request(1, 1).SerializeToString()])


def _span_names(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["ServiceName"], r["SpanName"]) for r in rows]


def check_query_helpers(store: Store, ds: Dataset) -> None:
    """queries.* read the scope's tenant only and honour service, time and attribute filters."""
    acme, globex = store.scope("acme"), store.scope("globex")
    f = q.Filters
    # traces
    rows = q.search_traces(acme, f(service="storefront"))
    assert _span_names(rows) == [("storefront", "GET /cart"), ("storefront", "GET /pay")]  # newest first
    pay = rows[1]
    assert pay["TraceId"] == ds.trace_shared.hex()
    assert pay["DurationMs"] == 250.0
    assert pay["StatusCode"] == "Error"
    assert pay["StatusMessage"] == "card declined"
    assert pay["SpanKind"] == "Server"
    assert pay["SpanAttributes"] == {"http.route": "/pay", "http.response.status_code": "500"}
    assert pay["ResourceAttributes"]["deployment.environment"] == "prod"
    assert _span_names(q.search_traces(globex, f(service="storefront"))) == [
        ("storefront", "GET /admin"),
        ("storefront", "GET /pay"),
    ]
    assert _span_names(q.search_traces(acme, f(start=ds.at(0), end=ds.at(60)))) == [
        ("ledger", "INSERT payments"),
        ("storefront", "GET /pay"),
    ]
    assert _span_names(q.search_traces(acme, f(start=ds.at(60), end=ds.at(120)))) == [("storefront", "GET /cart")]
    assert _span_names(q.search_traces(acme, f(attributes={"http.route": "/pay"}))) == [("storefront", "GET /pay")]
    assert _span_names(q.search_traces(acme, f(attributes={"http.response.status_code": "500"}))) == [
        ("storefront", "GET /pay")
    ]
    # an attribute filter falls back to resource attributes
    assert _span_names(q.search_traces(acme, f(attributes={"deployment.environment": "staging"}))) == [
        ("storefront", "GET /cart")
    ]
    assert q.search_traces(acme, f(attributes={"http.route": "/admin"})) == []  # globex's
    assert len(q.search_traces(acme, f(limit=5))) == 5
    assert len(q.search_traces(acme, f(limit=1000))) == ds.spans["acme"]
    # one trace: ordered by time, only the scope's spans of a trace id both tenants use
    trace = q.get_trace(acme, ds.trace_shared.hex().upper())
    assert _span_names(trace) == [("storefront", "GET /pay"), ("ledger", "INSERT payments")]
    assert trace[1]["ParentSpanId"] == trace[0]["SpanId"]
    assert _span_names(q.get_trace(globex, ds.trace_shared.hex())) == [("storefront", "GET /pay")]
    assert q.get_trace(globex, ds.trace_cart.hex()) == []
    assert q.get_trace(acme, "00" * 16) == []
    # logs
    logs = q.search_logs(acme, f(service="storefront"), contains="CARD declined")
    assert [r["Body"] for r in logs] == ["Payment failed: card DECLINED for order 1234"]
    assert (logs[0]["TraceId"], logs[0]["SeverityText"], logs[0]["SeverityNumber"]) == (
        ds.trace_shared.hex(),
        "ERROR",
        17,
    )
    assert [r["Body"] for r in q.search_logs(globex, f(), contains="card declined")] == [
        "Payment failed: card declined for order 999"
    ]
    assert [r["Body"] for r in q.search_logs(acme, f(start=ds.at(12), end=ds.at(120)))] == [
        "cart viewed",
        "ledger balanced",
    ]
    assert [r["Body"] for r in q.search_logs(acme, f(attributes={"db.system": "postgres"}))] == ["ledger balanced"]
    assert q.search_logs(acme, f(attributes={"order.id": "999"})) == []
    assert [r["ServiceName"] for r in q.search_logs(acme, f(service="ledger"))] == ["ledger"]
    # metrics: every kind, a value that fits each kind, newest first
    points = q.search_metrics(acme, f(service="storefront"))
    assert [(r["Kind"], r["MetricName"], r["Value"]) for r in points] == [
        ("summary", "rpc.latency", 2.0),
        ("exponential_histogram", "http.duration.exp", 1.5),
        ("histogram", "http.duration", 2.5),
        ("sum", "http.requests", 42.0),
        ("gauge", "queue.depth", 7.0),
        ("gauge", "queue.depth", 3.0),
    ]
    assert [r["Value"] for r in q.search_metrics(globex, f(), name="queue.depth")] == [98.0, 99.0]
    assert [r["Value"] for r in q.search_metrics(acme, f(attributes={"queue": "refunds"}))] == [7.0]
    assert len(q.search_metrics(acme, f(attributes={"deployment.environment": "prod"}))) == 6
    assert [r["Kind"] for r in q.search_metrics(acme, f(start=ds.at(15), end=ds.at(45)))] == [
        "histogram",
        "sum",
        "gauge",
    ]
    assert q.search_metrics(acme, f(service="ledger")) == []
    # filter values are bound, never spliced into the SQL
    injection = "x' OR '1'='1"
    assert q.search_traces(acme, f(service=injection)) == []
    assert q.search_traces(acme, f(attributes={"http.route": injection, injection: "y"})) == []
    assert q.search_logs(acme, f(), contains=injection) == []
    assert q.search_metrics(acme, f(), name=injection) == []
    assert q.get_trace(acme, injection) == []


def check_table_stats(store: Store, ds: Dataset) -> None:
    stats = {t.table: t for t in store.table_stats()}
    assert set(TELEMETRY_TABLES) | {VERSION_TABLE} <= set(stats)
    extra = dict.fromkeys(TELEMETRY_TABLES, 0)  # rows other tests wrote to a shared store
    for table in TELEMETRY_TABLES:
        extra[table] = _rows(store, f"SELECT count() FROM {store.options.database}.{table}")[0][0]
    assert stats["otel_traces"].rows == extra["otel_traces"] >= sum(ds.spans.values())
    assert stats["otel_logs"].rows == extra["otel_logs"] >= sum(ds.logs.values())
    for table in METRIC_TABLES:
        assert stats[table].rows == extra[table] >= sum(m[table] for m in ds.metrics.values())
    spans = stats["otel_traces"]
    assert spans.parts >= 1 and spans.bytes_on_disk > 0 and spans.uncompressed_bytes > 0
    assert spans.oldest is not None and spans.newest is not None
    assert spans.oldest.startswith(ds.base.strftime("%Y-%m-%d"))
    assert stats[VERSION_TABLE].rows >= len(available())


# -- insert_otlp: batches, and the service's tenant wins ---------------------------------------------


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field, built by hand (what a hostile client could append)."""

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    return varint((number << 3) | 2) + varint(len(payload)) + payload


def check_insert_batching(store: Store, good: str = "good", evil: str = "evil") -> None:
    """Several requests in one call all land under the call's tenant, whatever tenant-like fields the
    request bytes carry (field 1000 was the old wrapper's tenant, field 3 is the frame's)."""
    hostile = _field(1000, evil.encode()) + _field(3, evil.encode())
    traces = [trace_request(7, 11), trace_request(5, 12), trace_request(3, 13)]
    payloads = [r.SerializeToString() for r in traces]
    payloads[0] += hostile
    payloads[-1] += hostile
    framed = store.insert_otlp("traces", good, payloads)
    assert (framed.accepted, framed.rejected) == (15, 0)
    lone = trace_request(4, 14).SerializeToString() + hostile
    store.insert_otlp("traces", good, [lone])
    logs = [log_request(6, 21).SerializeToString() + hostile, log_request(4, 22).SerializeToString()]
    store.insert_otlp("logs", good, logs)
    hour_ago = time.time_ns() - 3600 * 10**9
    metrics = [metrics_request("batcher", hour_ago, (1.0, 2.0)), metrics_request("batcher", hour_ago, (3.0, 4.0))]
    store.insert_otlp("metrics", good, [m.SerializeToString() + hostile for m in metrics])
    scope = store.scope(good)
    assert scope.scalar("SELECT count() FROM otel_traces") == 19
    assert scope.scalar("SELECT count() FROM otel_logs") == 10
    assert scope.scalar("SELECT count() FROM otel_metrics_gauge") == 4
    assert scope.scalar("SELECT count() FROM otel_metrics_summary") == 2
    db = store.options.database
    for table in TELEMETRY_TABLES:
        assert _rows(store, f"SELECT count() FROM {db}.{table} WHERE TenantId = {{e:String}}", e=evil) == [(0,)]
    assert store.scope(evil).scalar("SELECT count() FROM otel_traces") == 0
    # a batch is decoded before anything is written: one bad request and nothing of the call lands
    with pytest.raises(DecodeError):
        store.insert_otlp("traces", good, [trace_request(2, 15).SerializeToString(), b"\xff\xff\xff"])
    assert scope.scalar("SELECT count() FROM otel_traces") == 19


# -- tests on the embedded engine ---------------------------------------------------------------------


def test_fresh_migrate_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    store = Store(f"chdb://{tmp_path / 'data'}")
    try:
        assert store.schema_version() == 0
        first = store.migrate()
        assert first.before == 0
        assert first.after == Store.code_schema_version()
        assert first.applied == [f"{m.version:04d}_{m.name}" for m in available()]
        check_migrated_schema(store)
        check_migrations_recorded(store)
        snapshot = _schema_snapshot(store)
        again = store.migrate()
        assert (again.before, again.after, again.applied, again.ttl_changed) == (
            Store.code_schema_version(),
            Store.code_schema_version(),
            [],
            [],
        )
        assert _schema_snapshot(store) == snapshot
        check_migrations_recorded(store)
    finally:
        store.close()
    reopened = Store(f"chdb://{tmp_path / 'data'}")  # survives a restart, and still nothing to apply
    try:
        assert reopened.migrate().applied == []
        assert reopened.schema_version() == Store.code_schema_version()
    finally:
        reopened.close()


def check_schema_too_new(store: Store) -> None:
    """A database migrated by a newer OllyStack is refused and left exactly as it was."""
    store.migrate()
    store.client.insert(
        f"{store.options.database}.{VERSION_TABLE}", [[999, "from_the_future", "x"]], ["Version", "Name", "Checksum"]
    )
    snapshot = _schema_snapshot(store)
    with pytest.raises(SchemaTooNewError, match="999"):
        store.migrate()
    # a different retention would ALTER tables: it must not happen either
    other = Store(store.url, client=store.client, ttl_days={"traces": 1, "logs": 1, "metrics": 1})
    with pytest.raises(SchemaTooNewError):
        other.migrate()
    assert _schema_snapshot(store) == snapshot
    assert store.schema_version() == 999


def test_schema_newer_than_the_code_is_refused(store: Store) -> None:
    check_schema_too_new(store)


def check_retention(url: str, client: Any = None) -> None:
    """TTLs follow ttl_days per signal; changing them ALTERs only the tables whose TTL differs."""

    def ttls(s: Store) -> dict[str, str]:
        out = {}
        for table in TELEMETRY_TABLES:
            sql = _create_query(s, table)
            out[table] = sql.split(" TTL ", 1)[1].split(" SETTINGS ")[0] if " TTL " in sql else ""
        return out

    first = Store(url, client=client, ttl_days={"traces": 7, "logs": 0, "metrics": 30})
    try:
        report = first.migrate()
        assert report.ttl_changed == []  # created with the right TTLs
        have = ttls(first)
        assert have["otel_traces"] == "toDateTime(Timestamp) + toIntervalDay(7)"
        assert have["otel_traces_trace_id_ts"] == "Start + toIntervalDay(7)"
        assert have["otel_logs"] == ""
        for table in METRIC_TABLES:
            assert have[table] == "toDateTime(TimeUnix) + toIntervalDay(30)", table
        assert "ttl_only_drop_parts = 1" in _create_query(first, "otel_traces")

        changed = Store(url, client=first.client, ttl_days={"traces": 3, "logs": 14, "metrics": 30})
        report = changed.migrate()
        assert report.applied == []
        assert report.ttl_changed == ["otel_traces", "otel_traces_trace_id_ts", "otel_logs"]
        have = ttls(changed)
        assert have["otel_traces"] == "toDateTime(Timestamp) + toIntervalDay(3)"
        assert have["otel_traces_trace_id_ts"] == "Start + toIntervalDay(3)"
        assert have["otel_logs"] == "TimestampTime + toIntervalDay(14)"
        assert have["otel_metrics_sum"] == "toDateTime(TimeUnix) + toIntervalDay(30)"
        assert changed.migrate().ttl_changed == []  # same settings again: nothing to do

        forever = Store(url, client=first.client, ttl_days={"traces": 0, "logs": 14, "metrics": 0})
        assert forever.migrate().ttl_changed == ["otel_traces", "otel_traces_trace_id_ts", *METRIC_TABLES]
        have = ttls(forever)
        assert have["otel_traces"] == have["otel_metrics_gauge"] == ""
        assert have["otel_logs"] == "TimestampTime + toIntervalDay(14)"
        assert forever.migrate().ttl_changed == []
    finally:
        if client is None:
            first.close()


def test_retention_follows_ttl_days(tmp_path: Path) -> None:
    check_retention(f"chdb://{tmp_path / 'data'}")


def test_insert_otlp_batches_and_the_services_tenant_wins(store: Store) -> None:
    check_insert_batching(store)


HOLDER = """
import sys, time
from ollystack.store import Store
store = Store(sys.argv[1])
print("open", flush=True)
time.sleep(120)
"""


def test_embedded_store_held_by_another_process_is_busy(tmp_path: Path) -> None:
    data = tmp_path / "held"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, f"chdb://{data}"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open", "the holder process could not open the store"
        assert embedded_in_use(data)
        started = time.monotonic()
        with pytest.raises(StoreBusy, match=re.escape(str(data))):
            make_client(f"chdb://{data}")
        with pytest.raises(StoreBusy):
            Store(f"chdb://{data}")
        assert time.monotonic() - started < 5  # answered from the lock, without starting the engine
    finally:
        holder.kill()  # a crash, not a clean close: the kernel drops the lock with the process
        holder.wait(30)
    assert not embedded_in_use(data)


@pytest.fixture(scope="class")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Dataset]]:
    """One migrated embedded store with two tenants' data (class scope: chDB opens one directory at a time)."""
    store = Store(f"chdb://{tmp_path_factory.mktemp('populated') / 'data'}")
    try:
        store.migrate()
        yield store, populate(store)
    finally:
        store.close()


class TestPopulatedStore:
    """Read-only checks sharing the `populated` store."""

    def test_schema_has_every_table(self, populated: tuple[Store, Dataset]) -> None:
        check_migrated_schema(populated[0])

    def test_columns_are_the_exporters_plus_tenant(self, populated: tuple[Store, Dataset]) -> None:
        check_exporter_columns(populated[0])

    def test_tenant_leads_columns_and_sorting_keys(self, populated: tuple[Store, Dataset]) -> None:
        check_tenant_leads_every_telemetry_table(populated[0])

    def test_skip_indexes(self, populated: tuple[Store, Dataset]) -> None:
        check_skip_indexes(populated[0])

    def test_scope_without_where_sees_one_tenant(self, populated: tuple[Store, Dataset]) -> None:
        check_scope_without_where(*populated)

    def test_scope_through_joins_and_subqueries(self, populated: tuple[Store, Dataset]) -> None:
        check_scope_through_joins_and_subqueries(*populated)

    def test_scope_rejects_bad_tenants_and_a_bound_tenant(self, populated: tuple[Store, Dataset]) -> None:
        check_scope_rejects_bad_tenants(populated[0])

    def test_query_helpers_are_scoped_and_filter(self, populated: tuple[Store, Dataset]) -> None:
        check_query_helpers(*populated)

    def test_table_stats(self, populated: tuple[Store, Dataset]) -> None:
        check_table_stats(*populated)


# -- a scope is read access for one tenant, whatever the SQL says -------------------------------------
#
# TenantScope's contract: "Scoping does not trust the caller's SQL" and "Read access for one tenant".
# Each statement below must either be refused (an error) or see only the scope's tenant, and must
# never change data. Today they are not: see the failing assertions.


@pytest.fixture
def two_tenants(store: Store) -> Store:
    store.insert_otlp("traces", "acme", [trace_request(6, 31).SerializeToString()])
    store.insert_otlp("traces", "globex", [trace_request(4, 32).SerializeToString()])
    store.insert_otlp("logs", "globex", [log_request(3, 33).SerializeToString()])
    return store


def _tenants_seen(store: Store, tenant: str, sql: str) -> list[str] | None:
    """The tenants a scoped query saw, or None when the store refused to run it."""
    try:
        return sorted(store.scope(tenant).scalar(sql))
    except (DatabaseError, TenantError):
        return None


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT groupUniqArray(TenantId) FROM otel_traces SETTINGS additional_table_filters = {}",
        "SELECT groupUniqArray(TenantId) FROM otel_traces SETTINGS additional_table_filters = {'otel_traces': '1'}",
    ],
    ids=["empty-filters", "true-filter"],
)
def test_scope_sql_cannot_replace_the_tenant_filter(two_tenants: Store, sql: str) -> None:
    assert _tenants_seen(two_tenants, "acme", sql) in (None, ["acme"])


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT groupUniqArray(TenantId) FROM merge('^otel_traces$')",
        "SELECT groupUniqArray(TenantId) FROM merge(currentDatabase(), '^otel_traces$')",
    ],
    ids=["merge", "merge-db"],
)
def test_scope_sql_cannot_read_around_the_filter_with_table_functions(two_tenants: Store, sql: str) -> None:
    assert _tenants_seen(two_tenants, "acme", sql) in (None, ["acme"])


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO otel_logs (TenantId, Body) VALUES ('globex', 'planted by acme')",
        "TRUNCATE TABLE otel_logs",
        "DELETE FROM otel_traces WHERE 1",
        "DROP TABLE otel_logs",
    ],
    ids=["insert", "truncate", "delete", "drop"],
)
def test_scope_cannot_write(two_tenants: Store, sql: str) -> None:
    def state() -> dict[str, list[tuple[Any, ...]] | None]:
        out: dict[str, list[tuple[Any, ...]] | None] = {}
        for table in ("otel_traces", "otel_logs"):
            exists = _rows(
                two_tenants,
                "SELECT count() FROM system.tables WHERE database = {db:String} AND name = {t:String}",
                t=table,
            )
            out[table] = (
                _rows(two_tenants, f"SELECT TenantId, count() FROM {table} GROUP BY TenantId ORDER BY TenantId")
                if exists[0][0]
                else None
            )
        return out

    before = state()
    with contextlib.suppress(DatabaseError, TenantError):
        two_tenants.scope("acme").query(sql)
    assert state() == before, f"scope('acme').query({sql!r}) changed the data"

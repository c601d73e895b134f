"""OTLP round trip: what real clients send is what lands in the telemetry tables, field by field.

Why: ingest hands the exporters' bytes to the engine, which flattens them with SQL views; a wrong
field number, enum mapping or number format would silently store wrong telemetry. These tests run
`ollystack serve` as a subprocess and send to it with

- the OpenTelemetry Python SDK exporters, OTLP/HTTP-protobuf and OTLP/gRPC (spans, log records,
  every metric kind the SDK makes) plus a hand-built Summary, compared with what the SDK exported;
- hand-written OTLP/JSON (int64 as strings and as numbers, enums as names and as integers), gzip
  and chunked bodies, each to its own tenant, compared row for row with the protobuf request;
- requests with invalid spans, which must be answered with partial success;

then stop the service with SIGTERM and read the data directory back with clickhouse-connect's chDB
backend: exactly the acknowledged rows must be there.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import clickhouse_connect
import grpc
import httpx
import orjson
import pytest
from grpc import Compression as GrpcCompression
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord as PbLogRecord
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pbm
from opentelemetry.proto.resource.v1.resource_pb2 import Resource as PbResource
from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan
from opentelemetry.proto.trace.v1.trace_pb2 import Status as PbStatus
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExportResult
from opentelemetry.sdk.metrics import (
    Counter as CounterInstrument,
)
from opentelemetry.sdk.metrics import (
    Histogram,
    MeterProvider,
    ObservableGauge,
    TraceBasedExemplarFilter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    ExponentialHistogram,
    Gauge,
    MetricExportResult,
    PeriodicExportingMetricReader,
    Sum,
)
from opentelemetry.sdk.metrics.export import Histogram as HistogramData
from opentelemetry.sdk.metrics.view import (
    ExplicitBucketHistogramAggregation,
    ExponentialBucketHistogramAggregation,
    View,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from tests.conftest import ServiceProc, start_service

PROTOCOLS = ("http", "grpc")
#: a recent second (retention drops old parts) with nanoseconds a datetime would lose
BASE_NS = (time.time_ns() // 1_000_000_000 - 600) * 1_000_000_000 + 123_456_789
PROTO_BASE = {"http": BASE_NS, "grpc": BASE_NS + 60_000_000_000}
TELEMETRY_TABLES = (
    "otel_traces",
    "otel_logs",
    "otel_metrics_gauge",
    "otel_metrics_sum",
    "otel_metrics_histogram",
    "otel_metrics_exponential_histogram",
    "otel_metrics_summary",
)
METRIC_TABLE = {
    Gauge: "otel_metrics_gauge",
    Sum: "otel_metrics_sum",
    HistogramData: "otel_metrics_histogram",
    ExponentialHistogram: "otel_metrics_exponential_histogram",
}


# -- how the store renders attribute values ---------------------------------------------------
def _num(v: float) -> str:
    """ClickHouse toString of a Float64, for the plain values these tests use (2.0 -> '2')."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _json_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _num(v)
    if isinstance(v, str):
        return orjson.dumps(v).decode()
    if isinstance(v, dict):
        return "{" + ",".join(f"{orjson.dumps(k).decode()}:{_json_value(x)}" for k, x in v.items()) + "}"
    return "[" + ",".join(_json_value(x) for x in v) + "]"


def _stored(v: Any) -> str:
    """The string a Map(String, String) attribute column holds for an SDK attribute value."""
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    return _json_value(v)


def _attrs(mapping: Any) -> dict[str, str]:
    return {k: _stored(v) for k, v in (mapping or {}).items()}


def _hex_trace(n: int | None) -> str:
    return f"{n:032x}" if n else ""


def _hex_span(n: int | None) -> str:
    return f"{n:016x}" if n else ""


# -- reading the data directory back ----------------------------------------------------------
def _read_table(client: Any, table: str) -> list[dict[str, Any]]:
    """Every row of a table as JSON values; DateTime64 columns as integer nanoseconds."""
    cols = client.query(
        "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String} "
        "ORDER BY position",
        parameters={"t": table},
    ).result_rows
    exprs = []
    for name, typ in cols:
        col = f"`{name}`"
        if typ.startswith("DateTime64"):
            exprs.append(f"toUnixTimestamp64Nano({col}) AS {col}")
        elif typ.startswith("Array(DateTime64"):
            exprs.append(f"arrayMap(x -> toUnixTimestamp64Nano(x), {col}) AS {col}")
        else:
            exprs.append(col)
    raw = client.raw_query(
        f"SELECT {', '.join(exprs)} FROM {table} FORMAT JSONEachRow",
        settings={"output_format_json_quote_64bit_integers": 0},
    )
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()]


def _read_all(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Open the stopped service's data directory the way a user would, read it, close it."""
    client = clickhouse_connect.get_client(interface="chdb", path=str(data_dir))
    try:
        return {table: _read_table(client, table) for table in TELEMETRY_TABLES}
    finally:
        client.close()


def _of(rows: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


# -- SDK side: exporters that remember what they sent and how it went ------------------------
def _recording(cls: type) -> type:
    class Recording(cls):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.exports: list[tuple[Any, Any]] = []

        def export(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
            result = super().export(batch, *args, **kwargs)
            self.exports.append((batch, result))
            return result

    Recording.__name__ = f"Recording{cls.__name__}"
    return Recording


def _exporters(proto: str, svc: ServiceProc) -> tuple[Any, Any, Any]:
    if proto == "http":
        return (
            _recording(HttpSpanExporter)(endpoint=f"{svc.http_url}/v1/traces", timeout=10),
            _recording(HttpLogExporter)(endpoint=f"{svc.http_url}/v1/logs", timeout=10),
            _recording(HttpMetricExporter)(endpoint=f"{svc.http_url}/v1/metrics", timeout=10),
        )
    endpoint = f"127.0.0.1:{svc.otlp_grpc}"
    delta = dict.fromkeys((CounterInstrument, UpDownCounter, Histogram, ObservableGauge), AggregationTemporality.DELTA)
    gz = {"insecure": True, "timeout": 10, "compression": GrpcCompression.Gzip}
    return (
        _recording(GrpcSpanExporter)(endpoint=endpoint, **gz),
        _recording(GrpcLogExporter)(endpoint=endpoint, **gz),
        _recording(GrpcMetricExporter)(endpoint=endpoint, preferred_temporality=delta, **gz),
    )


SPAN_ATTRS: dict[str, Any] = {
    "http.request.method": "POST",
    "http.response.status_code": 502,
    "big.negative": -(2**63),
    "retry.ratio": 0.25,
    "cart.total": 2.0,
    "cache.hit": False,
    "feature.on": True,
    "tags": ("fast", "eu"),
    "ports": [8080, -1],
    "weights": [1.5, 2.0],
    "flags": [True, False],
}
#: what a user reading SpanAttributes sees, written out so the format itself is pinned
SPAN_ATTRS_STORED = {
    "http.request.method": "POST",
    "http.response.status_code": "502",
    "big.negative": "-9223372036854775808",
    "retry.ratio": "0.25",
    "cart.total": "2",
    "cache.hit": "false",
    "feature.on": "true",
    "tags": '["fast","eu"]',
    "ports": "[8080,-1]",
    "weights": "[1.5,2]",
    "flags": "[true,false]",
}
LOG_ATTRS: dict[str, Any] = {"order.id": "o-1042", "attempt": 3, "amount": 19.5, "retryable": False, "codes": [4, 2]}
LOG_DICT_BODY = {
    "order": 1042,
    "items": ["sku-1", "sku-2"],
    "total": 19.5,
    "paid": False,
    "customer": {"id": "c-7", "vip": True},
}
LOG_DICT_BODY_STORED = (
    '{"order":1042,"items":["sku-1","sku-2"],"total":19.5,"paid":false,"customer":{"id":"c-7","vip":true}}'
)
RESOURCE_SCHEMA = "https://opentelemetry.io/schemas/1.26.0"
SCOPE_SCHEMA = "https://example.com/shop-scope/1.0"
FOREIGN = SpanContext(0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, is_remote=True, trace_flags=TraceFlags(1))


@dataclass
class SdkRun:
    """What one protocol's SDK providers produced and how their exports went."""

    proto: str
    spans: list[Any] = field(default_factory=list)
    logs: list[Any] = field(default_factory=list)
    metrics: list[Any] = field(default_factory=list)  # MetricsData of each successful export
    results: list[Any] = field(default_factory=list)
    root_trace_id: int = 0
    root_span_id: int = 0


def _emit_sdk(proto: str, svc: ServiceProc) -> SdkRun:
    base = PROTO_BASE[proto]
    span_exp, log_exp, metric_exp = _exporters(proto, svc)
    resource = Resource.create(
        {
            "service.name": f"shop-{proto}",
            "service.version": "2.3.1",
            "host.cpu.count": 8,
            "sampling.ratio": 0.5,
            "canary": True,
            "zones": ["eu-1", "eu-2"],
        },
        schema_url=RESOURCE_SCHEMA,
    )
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exp, schedule_delay_millis=60_000))
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exp, schedule_delay_millis=60_000))

    def cpu(options: CallbackOptions) -> list[Observation]:
        return [Observation(0.75, {"cpu": "0"}), Observation(0.5, {"cpu": "1"})]

    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[PeriodicExportingMetricReader(metric_exp, export_interval_millis=3_600_000)],
        views=[
            View(
                instrument_name="shop.latency",
                aggregation=ExplicitBucketHistogramAggregation(boundaries=[0.0, 10.0, 100.0, 1000.0]),
                attribute_keys={"route"},
            ),
            View(instrument_name="shop.payload.size", aggregation=ExponentialBucketHistogramAggregation(max_size=40)),
        ],
        exemplar_filter=TraceBasedExemplarFilter(),  # the SDK default, made explicit: spans give exemplars
    )
    tracer = tracer_provider.get_tracer("shop.tracer", "1.4.0")
    logger = logger_provider.get_logger("shop.logs", "0.9.0", SCOPE_SCHEMA, {"scope.kind": "app", "scope.n": 2})
    meter = meter_provider.get_meter("shop.meter", "3.0.0", SCOPE_SCHEMA, {"scope.kind": "app", "scope.n": 2})
    orders = meter.create_counter("shop.orders", unit="{order}", description="Orders placed")
    revenue = meter.create_counter("shop.revenue", unit="EUR", description="Money taken")
    queue = meter.create_up_down_counter("shop.queue.depth", unit="{message}", description="Queued messages")
    latency = meter.create_histogram("shop.latency", unit="ms", description="Checkout latency")
    payload = meter.create_histogram("shop.payload.size", unit="By", description="Request size")
    meter.create_observable_gauge("shop.cpu.utilization", callbacks=[cpu], unit="1", description="CPU busy")

    run = SdkRun(proto)
    root = tracer.start_span("POST /checkout", kind=SpanKind.SERVER, start_time=base, attributes=SPAN_ATTRS)
    run.root_trace_id, run.root_span_id = root.get_span_context().trace_id, root.get_span_context().span_id
    with trace.use_span(root, end_on_exit=False):
        root.add_event("cart.validated", {"items": 3, "coupon": "SAVE10", "ratio": 0.5}, timestamp=base + 1_000_001)
        root.add_event("retrying", timestamp=base + 2)
        child = tracer.start_span(
            "POST payments/charge",
            kind=SpanKind.CLIENT,
            start_time=base + 10,
            links=[Link(FOREIGN, {"link.reason": "retry-of", "attempt": 2})],
        )
        child.set_status(Status(StatusCode.OK))
        child.end(end_time=base + 200_000_010)
        producer = tracer.start_span("orders publish", kind=SpanKind.PRODUCER, start_time=base + 20)
        producer.set_attribute("messaging.system", "kafka")
        producer.end(end_time=base + 30)
        consumer = tracer.start_span(
            "orders process",
            kind=SpanKind.CONSUMER,
            start_time=base + 40,
            links=[Link(producer.get_span_context())],
        )
        consumer.end(end_time=base + 90_000)
        internal = tracer.start_span("compute total", kind=SpanKind.INTERNAL, start_time=base + 50)
        internal.end(end_time=base + 51)
        # measurements and a log inside the sampled root span carry its trace and span ids
        orders.add(3, {"route": "/checkout", "tier": 1})
        orders.add(2, {"route": "/checkout", "tier": 1})
        revenue.add(19.5)
        for value in (5, 50, 50, 5000):
            latency.record(value, {"route": "/checkout", "user.id": "u-1"})
        for value in (0, 1, 2, 4, 1024):
            payload.record(value, {"route": "/checkout"})
        logger.emit(
            timestamp=base + 5,
            observed_timestamp=base + 6,
            context=otel_context.get_current(),
            severity_number=SeverityNumber.ERROR,
            severity_text="ERROR",
            body="payment declined for order 1042",
            attributes=LOG_ATTRS,
            event_name="payment.declined",
        )
    root.set_status(Status(StatusCode.ERROR, "payment declined"))
    root.end(end_time=base + 250_000_123)
    orders.add(1, {"route": "/cart", "tier": 2})
    queue.add(10, {"queue": "emails"})
    queue.add(-4, {"queue": "emails"})
    logger.emit(
        observed_timestamp=base + 7,
        severity_number=SeverityNumber.INFO,
        severity_text="INFO",
        body=LOG_DICT_BODY,
    )
    unsampled = SpanContext(0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(0))
    logger.emit(
        timestamp=base + 8,
        observed_timestamp=base + 9,
        context=trace.set_span_in_context(NonRecordingSpan(unsampled)),
        severity_number=SeverityNumber.WARN,
        severity_text="WARN",
        body=[1, "two", 3.5, True],
        attributes={"component": "queue"},
    )

    for provider in (tracer_provider, logger_provider, meter_provider):
        assert provider.force_flush(), f"{proto}: {type(provider).__name__} did not flush"
        provider.shutdown()

    for batch, result in span_exp.exports:
        run.results.append(result)
        if result is SpanExportResult.SUCCESS:
            run.spans.extend(batch)
    for batch, result in log_exp.exports:
        run.results.append(result)
        if result is LogRecordExportResult.SUCCESS:
            run.logs.extend(batch)
    for batch, result in metric_exp.exports:
        run.results.append(result)
        if result is MetricExportResult.SUCCESS:
            run.metrics.append(batch)
    return run


def _metric_points(run: SdkRun) -> Iterator[tuple[str, Any, Any, Any]]:
    """(table, resource/scope record, metric, point) of every exported data point."""
    for data in run.metrics:
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    for dp in metric.data.data_points:
                        yield METRIC_TABLE[type(metric.data)], (rm, sm), metric, dp


#: every SDK attribute type, for the places that hold attributes besides spans: events, links, exemplars
RICH_ATTRS: dict[str, Any] = {
    "s": "x", "i": 7, "f": 1.5, "b": True,
    "strs": ["x", "y"], "ints": [1, 2], "floats": [0.5, 2.0], "bools": [False, True],
}  # fmt: skip
RICH_ATTRS_STORED = {
    "s": "x", "i": "7", "f": "1.5", "b": "true", "strs": '["x","y"]', "ints": "[1,2]", "floats": "[0.5,2]",
    "bools": "[false,true]",
}  # fmt: skip


@dataclass
class RichRun:
    span: Any = None
    exemplars: list[Any] = field(default_factory=list)
    spans_acked: int = 0
    points_acked: int = 0


def _emit_rich_attributes(svc: ServiceProc) -> RichRun:
    """A span event, a span link and an exemplar whose attributes hold arrays, through the SDK."""
    span_exp = _recording(HttpSpanExporter)(endpoint=f"{svc.http_url}/v1/traces", timeout=10)
    metric_exp = _recording(HttpMetricExporter)(endpoint=f"{svc.http_url}/v1/metrics", timeout=10)
    resource = Resource.create({"service.name": "rich-attributes"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exp, schedule_delay_millis=60_000))
    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[PeriodicExportingMetricReader(metric_exp, export_interval_millis=3_600_000)],
        views=[View(instrument_name="rich.latency", attribute_keys={"route"})],  # the rest become filtered attributes
        exemplar_filter=TraceBasedExemplarFilter(),
    )
    histogram = meter_provider.get_meter("rich").create_histogram("rich.latency")
    span = tracer_provider.get_tracer("rich").start_span("rich", links=[Link(FOREIGN, RICH_ATTRS)])
    with trace.use_span(span, end_on_exit=True):
        span.add_event("rich.event", RICH_ATTRS)
        histogram.record(12.5, {"route": "/r", **RICH_ATTRS})
    meter_provider.shutdown()
    tracer_provider.shutdown()
    run = RichRun()
    for batch, result in span_exp.exports:
        if result is SpanExportResult.SUCCESS:
            run.span, run.spans_acked = batch[0], run.spans_acked + len(batch)
    for data, result in metric_exp.exports:
        if result is MetricExportResult.SUCCESS:
            for rm in data.resource_metrics:
                for sm in rm.scope_metrics:
                    for metric in sm.metrics:
                        run.points_acked += len(metric.data.data_points)
                        run.exemplars += [e for dp in metric.data.data_points for e in dp.exemplars]
    return run


def _slash_requests(t: int) -> tuple[ExportTraceServiceRequest, ExportLogsServiceRequest]:
    """A URL path inside a structured log body and inside an array attribute."""
    traces = ExportTraceServiceRequest()
    rs = traces.resource_spans.add()
    rs.resource.attributes.extend(_pb_attrs({"service.name": "slashes"}))
    span = rs.scope_spans.add().spans.add(
        trace_id=bytes(range(5, 21)), span_id=b"\x05" * 8, name="GET /api/checkout",
        start_time_unix_nano=t, end_time_unix_nano=t + 1,
    )  # fmt: skip
    span.attributes.extend(_pb_attrs({"http.routes": ["/api/checkout", "/api/cart"]}))
    logs = ExportLogsServiceRequest()
    rl = logs.resource_logs.add()
    rl.resource.attributes.extend(_pb_attrs({"service.name": "slashes"}))
    rl.scope_logs.add().log_records.add(
        time_unix_nano=t, severity_text="INFO", body=_pb_any({"msg": "request done", "url": "/api/checkout?id=7"})
    )
    return traces, logs


# -- hand-built protobuf requests -------------------------------------------------------------
def _pb_kv(key: str, value: Any) -> KeyValue:
    return KeyValue(key=key, value=_pb_any(value))


def _pb_any(value: Any) -> AnyValue:
    if value is None:
        return AnyValue()
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, dict):
        return AnyValue(kvlist_value=KeyValueList(values=[_pb_kv(k, v) for k, v in value.items()]))
    if isinstance(value, list):
        return AnyValue(array_value=ArrayValue(values=[_pb_any(v) for v in value]))
    return AnyValue(string_value=value)


def _pb_attrs(mapping: dict[str, Any]) -> list[KeyValue]:
    return [_pb_kv(k, v) for k, v in mapping.items()]


def _summary_request(service: str, t: int) -> ExportMetricsServiceRequest:
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.extend(_pb_attrs({"service.name": service}))
    sm = rm.scope_metrics.add()
    sm.scope.name, sm.scope.version = "prometheus.receiver", "0.1"
    metric = sm.metrics.add(name="rpc.duration", description="RPC latency quantiles", unit="s")
    dp = metric.summary.data_points.add(
        start_time_unix_nano=t - 60_000_000_000, time_unix_nano=t, count=42, sum=1234.5, flags=0
    )
    dp.attributes.extend(_pb_attrs({"endpoint": "/api", "code": 200}))
    for q, v in ((0.0, 1.5), (0.5, 12.0), (0.99, 250.25), (1.0, 300.0)):
        dp.quantile_values.add(quantile=q, value=v)
    return req


def _partial_request(service: str, t: int) -> tuple[ExportTraceServiceRequest, list[str], list[str]]:
    """Spans with valid ids and spans with broken trace ids, mixed in one scope; and a clean scope."""
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend(_pb_attrs({"service.name": service}))
    mixed = rs.scope_spans.add()
    mixed.scope.name = "mixed"
    good, bad = [], []
    for i, trace_id in enumerate([bytes(range(1, 17)), b"\x01\x02\x03\x04\x05", bytes(range(2, 18)), b"\0" * 16]):
        name = f"{service}-{'good' if len(trace_id) == 16 and any(trace_id) else 'bad'}-{i}"
        (good if "good" in name else bad).append(name)
        mixed.spans.append(
            PbSpan(
                trace_id=trace_id,
                span_id=bytes([i + 1] * 8),
                name=name,
                kind=PbSpan.SPAN_KIND_SERVER,
                start_time_unix_nano=t + i,
                end_time_unix_nano=t + 1000 + i,
            )
        )
    clean = rs.scope_spans.add()
    clean.scope.name = "clean"
    name = f"{service}-good-clean"
    good.append(name)
    clean.spans.append(
        PbSpan(
            trace_id=bytes(range(3, 19)),
            span_id=b"\x09" * 8,
            name=name,
            start_time_unix_nano=t,
            end_time_unix_nano=t + 5,
        )
    )
    return req, good, bad


# -- the SIGTERM-under-load part ----------------------------------------------------------------
@dataclass
class Storm:
    acked: list[str] = field(default_factory=list)  # request names answered 200
    refused: list[str] = field(default_factory=list)  # answered with an error status, or never connected
    unknown: list[str] = field(default_factory=list)  # sent, but the connection broke before an answer
    spans_per_request: int = 5


def _storm_request(name: str, n: int, t: int) -> bytes:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend(_pb_attrs({"service.name": "storm"}))
    ss = rs.scope_spans.add()
    for i in range(n):
        ss.spans.append(
            PbSpan(
                trace_id=hashlib.blake2b(name.encode(), digest_size=16).digest(),
                span_id=(i + 1).to_bytes(8, "big"),
                name=name,
                start_time_unix_nano=t + i,
                end_time_unix_nano=t + i + 10,
            )
        )
    return req.SerializeToString()


def _stop_during_ingest(svc: ServiceProc, storm: Storm, threads: int = 3) -> None:
    """Several clients keep exporting while the service gets SIGTERM."""
    lock = threading.Lock()
    started = threading.Event()

    def sender(k: int) -> None:
        with httpx.Client(timeout=30) as client:
            for i in range(10_000):
                name = f"storm-{k}-{i}"
                try:
                    resp = client.post(
                        f"{svc.http_url}/v1/traces",
                        content=_storm_request(name, storm.spans_per_request, BASE_NS + i),
                        headers={"Content-Type": "application/x-protobuf"},
                    )
                except httpx.ConnectError:
                    with lock:
                        storm.refused.append(name)
                    return
                except httpx.TransportError:
                    with lock:
                        storm.unknown.append(name)
                    return
                with lock:
                    (storm.acked if resp.status_code == 200 else storm.refused).append(name)
                    if len(storm.acked) >= 6:
                        started.set()
                if resp.status_code != 200:
                    return

    workers = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(threads)]
    for w in workers:
        w.start()
    started.wait(30)
    assert svc.stop() == 0, "".join(svc.output)
    for w in workers:
        w.join(30)


# -- fixture: one service for the SDK, the summary, partial success and SIGTERM ----------------
@dataclass
class RoundTrip:
    runs: dict[str, SdkRun]
    rich: RichRun
    rows: dict[str, list[dict[str, Any]]]
    acked: Counter[str]
    summary_time: int
    partial: dict[str, tuple[Any, list[str], list[str]]]  # proto -> (response, good, bad)
    storm: Storm
    output: str


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    svc = start_service(tmp_path_factory.mktemp("roundtrip"))
    try:
        runs = {proto: _emit_sdk(proto, svc) for proto in PROTOCOLS}
        acked: Counter[str] = Counter()
        for run in runs.values():
            acked["otel_traces"] += len(run.spans)
            acked["otel_logs"] += len(run.logs)
            for table, *_ in _metric_points(run):
                acked[table] += 1

        rich = _emit_rich_attributes(svc)
        acked["otel_traces"] += rich.spans_acked
        acked["otel_metrics_histogram"] += rich.points_acked

        for signal, req in zip(("traces", "logs"), _slash_requests(BASE_NS), strict=True):
            resp = httpx.post(
                f"{svc.http_url}/v1/{signal}",
                content=req.SerializeToString(),
                headers={"Content-Type": "application/x-protobuf"},
                timeout=30,
            )
            assert resp.status_code == 200, resp.content
            acked[f"otel_{signal}"] += 1

        summary_time = BASE_NS + 3_000_000_017
        resp = httpx.post(
            f"{svc.http_url}/v1/metrics",
            content=_summary_request("summary-svc", summary_time).SerializeToString(),
            headers={"Content-Type": "application/x-protobuf"},
            timeout=30,
        )
        assert resp.status_code == 200, resp.content
        assert not ExportMetricsServiceResponse.FromString(resp.content).HasField("partial_success")
        acked["otel_metrics_summary"] += 1

        partial = {}
        req, good, bad = _partial_request("partial-http", BASE_NS)
        resp = httpx.post(
            f"{svc.http_url}/v1/traces",
            content=req.SerializeToString(),
            headers={"Content-Type": "application/x-protobuf"},
            timeout=30,
        )
        assert resp.status_code == 200, resp.content
        assert resp.headers["content-type"].startswith("application/x-protobuf")
        partial["http"] = (ExportTraceServiceResponse.FromString(resp.content), good, bad)
        acked["otel_traces"] += len(good)
        req, good, bad = _partial_request("partial-grpc", BASE_NS)
        with grpc.insecure_channel(f"127.0.0.1:{svc.otlp_grpc}") as channel:
            partial["grpc"] = (TraceServiceStub(channel).Export(req, timeout=30), good, bad)
        acked["otel_traces"] += len(good)

        storm = Storm()
        _stop_during_ingest(svc, storm)
        acked["otel_traces"] += len(storm.acked) * storm.spans_per_request
    finally:
        svc.kill()
    return RoundTrip(runs, rich, _read_all(svc.data_dir), acked, summary_time, partial, storm, "".join(svc.output))


# -- 1. the SDK exporters -----------------------------------------------------------------------
@pytest.mark.parametrize("proto", PROTOCOLS)
def test_sdk_spans_are_stored_field_by_field(roundtrip: RoundTrip, proto: str) -> None:
    run = roundtrip.runs[proto]
    assert run.results and all(r in (SpanExportResult.SUCCESS, LogRecordExportResult.SUCCESS,
                                     MetricExportResult.SUCCESS) for r in run.results)  # fmt: skip
    assert len(run.spans) == 5
    stored = {r["SpanId"]: r for r in _of(roundtrip.rows["otel_traces"], ServiceName=f"shop-{proto}")}
    assert len(stored) == len(run.spans)
    for span in run.spans:
        ctx = span.get_span_context()
        row = stored[_hex_span(ctx.span_id)]
        assert row["TenantId"] == "default"
        assert row["TraceId"] == _hex_trace(ctx.trace_id)
        assert row["ParentSpanId"] == (_hex_span(span.parent.span_id) if span.parent else "")
        assert row["SpanName"] == span.name
        assert row["SpanKind"] == span.kind.name.capitalize()
        assert row["Timestamp"] == span.start_time
        assert row["Duration"] == span.end_time - span.start_time
        assert row["StatusCode"] == span.status.status_code.name.capitalize()
        assert row["StatusMessage"] == (span.status.description or "")
        assert row["SpanAttributes"] == _attrs(span.attributes)
        assert row["ResourceAttributes"] == _attrs(span.resource.attributes)
        assert row["ServiceName"] == f"shop-{proto}"
        assert (row["ScopeName"], row["ScopeVersion"]) == ("shop.tracer", "1.4.0")
        assert row["Events.Name"] == [e.name for e in span.events]
        assert row["Events.Timestamp"] == [e.timestamp for e in span.events]
        assert row["Events.Attributes"] == [_attrs(e.attributes) for e in span.events]
        assert row["Links.TraceId"] == [_hex_trace(link.context.trace_id) for link in span.links]
        assert row["Links.SpanId"] == [_hex_span(link.context.span_id) for link in span.links]
        assert row["Links.Attributes"] == [_attrs(link.attributes) for link in span.links]

    # the same facts, spelled out as a user reading the table sees them
    base = PROTO_BASE[proto]
    root = stored[_hex_span(run.root_span_id)]
    assert root["SpanAttributes"] == SPAN_ATTRS_STORED
    assert (root["Timestamp"], root["Duration"]) == (base, 250_000_123)
    assert (root["SpanKind"], root["StatusCode"], root["StatusMessage"]) == ("Server", "Error", "payment declined")
    assert root["Events.Timestamp"] == [base + 1_000_001, base + 2]
    assert root["Events.Attributes"] == [{"items": "3", "coupon": "SAVE10", "ratio": "0.5"}, {}]
    by_name = {r["SpanName"]: r for r in stored.values()}
    assert {n: r["SpanKind"] for n, r in by_name.items()} == {
        "POST /checkout": "Server", "POST payments/charge": "Client", "orders publish": "Producer",
        "orders process": "Consumer", "compute total": "Internal",
    }  # fmt: skip
    client = by_name["POST payments/charge"]
    assert (client["StatusCode"], client["ParentSpanId"]) == ("Ok", root["SpanId"])
    assert client["Links.TraceId"] == ["0af7651916cd43dd8448eb211c80319c"]
    assert client["Links.SpanId"] == ["b7ad6b7169203331"]
    assert client["Links.Attributes"] == [{"link.reason": "retry-of", "attempt": "2"}]
    assert by_name["orders process"]["Links.SpanId"] == [by_name["orders publish"]["SpanId"]]
    assert by_name["compute total"]["StatusCode"] == "Unset"
    res = root["ResourceAttributes"]
    assert {k: res[k] for k in ("host.cpu.count", "sampling.ratio", "canary", "zones")} == {
        "host.cpu.count": "8", "sampling.ratio": "0.5", "canary": "true", "zones": '["eu-1","eu-2"]',
    }  # fmt: skip


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_sdk_log_records_are_stored_field_by_field(roundtrip: RoundTrip, proto: str) -> None:
    run = roundtrip.runs[proto]
    assert len(run.logs) == 3
    stored = sorted(_of(roundtrip.rows["otel_logs"], ServiceName=f"shop-{proto}"), key=lambda r: r["Timestamp"])
    expected = sorted(run.logs, key=lambda r: r.log_record.timestamp or r.log_record.observed_timestamp)
    assert len(stored) == len(expected)
    for row, readable in zip(stored, expected, strict=True):
        rec = readable.log_record
        assert row["TenantId"] == "default"
        assert row["Timestamp"] == (rec.timestamp or rec.observed_timestamp)
        assert row["TraceId"] == _hex_trace(rec.trace_id)
        assert row["SpanId"] == _hex_span(rec.span_id)
        assert row["TraceFlags"] == int(rec.trace_flags or 0)
        assert row["SeverityText"] == rec.severity_text
        assert row["SeverityNumber"] == rec.severity_number.value
        assert row["LogAttributes"] == _attrs(rec.attributes)
        assert row["ResourceAttributes"] == _attrs(readable.resource.attributes)
        assert (row["ScopeName"], row["ScopeVersion"]) == ("shop.logs", "0.9.0")
        assert row["ScopeAttributes"] == {"scope.kind": "app", "scope.n": "2"}
        assert (row["ResourceSchemaUrl"], row["ScopeSchemaUrl"]) == (RESOURCE_SCHEMA, SCOPE_SCHEMA)
        assert row["EventName"] == (rec.event_name or "")
        assert row["Body"] == (rec.body if isinstance(rec.body, str) else _json_value(rec.body))

    base = PROTO_BASE[proto]
    error, info, warn = stored  # by time: base+5, base+7 (observed: no timestamp given), base+8
    assert (error["Timestamp"], error["SeverityText"], error["SeverityNumber"]) == (base + 5, "ERROR", 17)
    assert (error["TraceId"], error["SpanId"]) == (_hex_trace(run.root_trace_id), _hex_span(run.root_span_id))
    assert error["TraceFlags"] & 0x01 == 0x01  # sampled (the SDK may also set W3C's "random" bit)
    assert error["Body"] == "payment declined for order 1042"
    assert error["EventName"] == "payment.declined"
    assert error["LogAttributes"] == {
        "order.id": "o-1042", "attempt": "3", "amount": "19.5", "retryable": "false", "codes": "[4,2]",
    }  # fmt: skip
    assert (info["Timestamp"], info["TraceId"], info["SpanId"], info["TraceFlags"]) == (base + 7, "", "", 0)
    assert info["Body"] == LOG_DICT_BODY_STORED
    assert (warn["TraceId"], warn["SpanId"], warn["TraceFlags"]) == (f"{0x1234:032x}", f"{0x5678:016x}", 0)
    assert warn["Body"] == '[1,"two",3.5,true]'


def _expected_metric_row(table: str, scope: Any, metric: Any, dp: Any) -> dict[str, Any]:
    rm, sm = scope
    exemplars = list(getattr(dp, "exemplars", None) or [])
    row: dict[str, Any] = {
        "TenantId": "default",
        "ServiceName": rm.resource.attributes["service.name"],
        "ResourceAttributes": _attrs(rm.resource.attributes),
        "ScopeName": sm.scope.name,
        "ScopeVersion": sm.scope.version,
        "ScopeAttributes": _attrs(sm.scope.attributes),
        "ResourceSchemaUrl": rm.schema_url or "",
        "ScopeSchemaUrl": sm.schema_url or "",
        "MetricName": metric.name,
        "MetricDescription": metric.description,
        "MetricUnit": metric.unit,
        "Attributes": _attrs(dp.attributes),
        "StartTimeUnix": dp.start_time_unix_nano or 0,
        "TimeUnix": dp.time_unix_nano,
        "Exemplars.FilteredAttributes": [_attrs(e.filtered_attributes) for e in exemplars],
        "Exemplars.TimeUnix": [e.time_unix_nano for e in exemplars],
        "Exemplars.Value": [float(e.value) for e in exemplars],
        "Exemplars.SpanId": [_hex_span(e.span_id) for e in exemplars],
        "Exemplars.TraceId": [_hex_trace(e.trace_id) for e in exemplars],
    }
    if table in ("otel_metrics_gauge", "otel_metrics_sum"):
        row["Value"] = float(dp.value)
    if table == "otel_metrics_sum":
        row["AggregationTemporality"] = int(metric.data.aggregation_temporality)
        row["IsMonotonic"] = metric.data.is_monotonic
    if table in ("otel_metrics_histogram", "otel_metrics_exponential_histogram"):
        row |= {
            "Count": dp.count, "Sum": float(dp.sum), "Min": float(dp.min), "Max": float(dp.max),
            "AggregationTemporality": int(metric.data.aggregation_temporality),
        }  # fmt: skip
    if table == "otel_metrics_histogram":
        row["BucketCounts"] = list(dp.bucket_counts)
        row["ExplicitBounds"] = [float(b) for b in dp.explicit_bounds]
    if table == "otel_metrics_exponential_histogram":
        row |= {
            "Scale": dp.scale, "ZeroCount": dp.zero_count,
            "PositiveOffset": dp.positive.offset, "PositiveBucketCounts": list(dp.positive.bucket_counts),
            "NegativeOffset": dp.negative.offset, "NegativeBucketCounts": list(dp.negative.bucket_counts),
        }  # fmt: skip
    return row


def _point_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["MetricName"], tuple(sorted(row["Attributes"].items())), row["TimeUnix"]


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_sdk_metrics_of_every_kind_are_stored_field_by_field(roundtrip: RoundTrip, proto: str) -> None:
    run = roundtrip.runs[proto]
    service = f"shop-{proto}"
    expected: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    for table, scope, metric, dp in _metric_points(run):
        row = _expected_metric_row(table, scope, metric, dp)
        expected.setdefault(table, {})[_point_key(row)] = row
    assert set(expected) == set(METRIC_TABLE.values()), "the SDK should have produced every kind"
    for table, points in expected.items():
        stored = {_point_key(r): r for r in _of(roundtrip.rows[table], ServiceName=service)}
        assert set(stored) == set(points), table
        for key, want in points.items():
            got = {k: stored[key][k] for k in want}
            assert got == want, (table, key)

    # what a user looking for each metric finds, stated independently of the SDK objects
    rows = roundtrip.rows
    cumulative = proto == "http"
    temporality = 2 if cumulative else 1
    sums: dict[str, dict[str, Any]] = {}  # the first export of each series (cumulative ones repeat)
    for r in sorted(_of(rows["otel_metrics_sum"], ServiceName=service), key=lambda r: -r["TimeUnix"]):
        sums[r["MetricName"] + str(r["Attributes"])] = r
    checkout = sums["shop.orders" + str({"route": "/checkout", "tier": "1"})]
    assert (checkout["Value"], checkout["IsMonotonic"], checkout["AggregationTemporality"]) == (5.0, True, temporality)
    assert (checkout["MetricUnit"], checkout["MetricDescription"]) == ("{order}", "Orders placed")
    assert checkout["ScopeAttributes"] == {"scope.kind": "app", "scope.n": "2"}
    assert (checkout["ResourceSchemaUrl"], checkout["ScopeSchemaUrl"]) == (RESOURCE_SCHEMA, SCOPE_SCHEMA)
    assert checkout["Exemplars.TraceId"] and set(checkout["Exemplars.TraceId"]) == {_hex_trace(run.root_trace_id)}
    assert sums["shop.revenue{}"]["Value"] == 19.5
    depth = sums["shop.queue.depth" + str({"queue": "emails"})]
    assert (depth["Value"], depth["IsMonotonic"], depth["AggregationTemporality"]) == (6.0, False, temporality)

    # cumulative temporality exports the same totals again at shutdown; the first point has the exemplars
    hist, *again = sorted(_of(rows["otel_metrics_histogram"], ServiceName=service), key=lambda r: r["TimeUnix"])
    assert len(again) == (1 if cumulative else 0)
    assert all((r["Count"], r["BucketCounts"]) == (hist["Count"], hist["BucketCounts"]) for r in again)
    assert hist["Attributes"] == {"route": "/checkout"}
    assert (hist["Count"], hist["Sum"], hist["Min"], hist["Max"]) == (4, 5105.0, 5.0, 5000.0)
    assert hist["ExplicitBounds"] == [0.0, 10.0, 100.0, 1000.0]
    assert hist["BucketCounts"] == [0, 1, 2, 0, 1]
    assert hist["AggregationTemporality"] == temporality
    assert sorted(hist["Exemplars.Value"]) == [5.0, 50.0, 5000.0]  # one per bucket that saw a value
    assert set(hist["Exemplars.TraceId"]) == {_hex_trace(run.root_trace_id)}
    assert set(hist["Exemplars.SpanId"]) == {_hex_span(run.root_span_id)}
    assert hist["Exemplars.FilteredAttributes"] == [{"user.id": "u-1"}] * 3  # dropped by the view, kept here
    assert all(PROTO_BASE[proto] < t < time.time_ns() for t in hist["Exemplars.TimeUnix"])

    exp = min(_of(rows["otel_metrics_exponential_histogram"], ServiceName=service), key=lambda r: r["TimeUnix"])
    assert (exp["Count"], exp["Sum"], exp["ZeroCount"], exp["Min"], exp["Max"]) == (5, 1031.0, 1, 0.0, 1024.0)
    assert sum(exp["PositiveBucketCounts"]) == 4 and not any(exp["NegativeBucketCounts"])
    assert exp["Exemplars.TraceId"] and set(exp["Exemplars.TraceId"]) == {_hex_trace(run.root_trace_id)}

    gauges = _of(rows["otel_metrics_gauge"], ServiceName=service, MetricName="shop.cpu.utilization")
    assert {(r["Attributes"]["cpu"], r["Value"]) for r in gauges} == {("0", 0.75), ("1", 0.5)}


def test_event_link_and_exemplar_attributes_keep_array_values(roundtrip: RoundTrip) -> None:
    """An SDK user's array attribute on an event, a link or an exemplar is stored as JSON, as on spans.

    The SDK accepts sequences there like anywhere else; the request is acknowledged without any
    partial-success rejection, so losing the arrays would be silent data loss.
    """
    rich = roundtrip.rich
    assert rich.span is not None and rich.exemplars, "the SDK should have exported the span and an exemplar"
    (row,) = _of(roundtrip.rows["otel_traces"], ServiceName="rich-attributes")
    assert row["Events.Attributes"] == [_attrs(rich.span.events[0].attributes)] == [RICH_ATTRS_STORED]
    assert row["Links.Attributes"] == [_attrs(rich.span.links[0].attributes)] == [RICH_ATTRS_STORED]
    (point,) = _of(roundtrip.rows["otel_metrics_histogram"], ServiceName="rich-attributes")
    assert point["Attributes"] == {"route": "/r"}
    assert point["Exemplars.FilteredAttributes"] == [_attrs(rich.exemplars[0].filtered_attributes)]
    assert point["Exemplars.FilteredAttributes"] == [RICH_ATTRS_STORED]


def test_json_rendered_values_keep_forward_slashes_searchable(roundtrip: RoundTrip) -> None:
    """Arrays and maps are stored as JSON the way the Collector's exporter writes them: a '/' stays '/'.

    `ollystack query logs --contains /api/checkout` (positionCaseInsensitive on Body) must find a
    structured log whose body holds that URL; an escaped '\\/' makes the substring search miss it.
    """
    (log,) = _of(roundtrip.rows["otel_logs"], ServiceName="slashes")
    assert log["Body"] == '{"msg":"request done","url":"/api/checkout?id=7"}'
    assert "/api/checkout" in log["Body"]
    (span,) = _of(roundtrip.rows["otel_traces"], ServiceName="slashes")
    assert span["SpanAttributes"] == {"http.routes": '["/api/checkout","/api/cart"]'}


def test_summary_quantiles_are_stored(roundtrip: RoundTrip) -> None:
    (row,) = _of(roundtrip.rows["otel_metrics_summary"], ServiceName="summary-svc")
    assert row["TenantId"] == "default"
    assert (row["MetricName"], row["MetricDescription"], row["MetricUnit"]) == (
        "rpc.duration", "RPC latency quantiles", "s",
    )  # fmt: skip
    assert (row["ScopeName"], row["ScopeVersion"]) == ("prometheus.receiver", "0.1")
    assert row["Attributes"] == {"endpoint": "/api", "code": "200"}
    assert (row["StartTimeUnix"], row["TimeUnix"]) == (roundtrip.summary_time - 60_000_000_000, roundtrip.summary_time)
    assert (row["Count"], row["Sum"]) == (42, 1234.5)
    assert row["ValueAtQuantiles.Quantile"] == [0.0, 0.5, 0.99, 1.0]
    assert row["ValueAtQuantiles.Value"] == [1.5, 12.0, 250.25, 300.0]


# -- 3. partial success ---------------------------------------------------------------------------
@pytest.mark.parametrize("proto", PROTOCOLS)
def test_invalid_spans_are_rejected_with_partial_success(roundtrip: RoundTrip, proto: str) -> None:
    response, good, bad = roundtrip.partial[proto]
    assert response.partial_success.rejected_spans == len(bad) == 2
    assert "trace_id" in response.partial_success.error_message
    stored = Counter(r["SpanName"] for r in _of(roundtrip.rows["otel_traces"], ServiceName=f"partial-{proto}"))
    assert stored == Counter(good), "only the valid spans are stored, each once"


# -- 4. durability --------------------------------------------------------------------------------
def test_stored_rows_are_exactly_the_acknowledged_ones(roundtrip: RoundTrip) -> None:
    stored = Counter({table: len(rows) for table, rows in roundtrip.rows.items()})
    assert +roundtrip.acked == +stored
    for table, rows in roundtrip.rows.items():
        assert {r["TenantId"] for r in rows} <= {"default"}, table
    assert "every acknowledged item is committed" in roundtrip.output


def test_sigterm_while_clients_export_keeps_every_acknowledged_request(roundtrip: RoundTrip) -> None:
    storm = roundtrip.storm
    assert len(storm.acked) >= 6, storm
    per_request = Counter(r["SpanName"] for r in _of(roundtrip.rows["otel_traces"], ServiceName="storm"))
    assert {name: per_request[name] for name in storm.acked} == dict.fromkeys(storm.acked, storm.spans_per_request)
    assert not [n for n in storm.refused if per_request[n]], "a refused request must store nothing"
    assert not [n for n in storm.unknown if per_request[n]], "a stored request must have been answered"
    assert set(per_request) == set(storm.acked)


# -- 2. OTLP/JSON lands exactly like protobuf -----------------------------------------------------
J_TIME = BASE_NS + 120_000_000_000
J_TRACE, J_SPAN, J_CHILD, J_PARENT = (
    "5b8efff798038103d269b633813fc60c",
    "eee19b7ec3c1b174",
    "eee19b7ec3c1b175",
    "eee19b7ec3c1b173",
)
J_LINK_TRACE, J_LINK_SPAN = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
SCHEMA = "https://opentelemetry.io/schemas/1.26.0"
#: one value of every AnyValue kind, as protobuf input and as what SpanAttributes/LogAttributes show
J_ATTRS: dict[str, Any] = {
    "str": "hello",
    "int": 9007199254740993,  # 2**53 + 1: a JSON number that a float64 parser would round
    "neg": -42,
    "double": 3.25,
    "whole.double": 2.0,
    "bool": True,
    "bytes": b"\x01\x02\x03\xff",
    "array": ["a", 1, 1.5, False],
    "kvlist": {"k": "v", "n": 7},
    "empty": None,
}
J_ATTRS_STORED = {
    "str": "hello",
    "int": "9007199254740993",
    "neg": "-42",
    "double": "3.25",
    "whole.double": "2",
    "bool": "true",
    "bytes": "AQID/w==",
    "array": '["a",1,1.5,false]',
    "kvlist": '{"k":"v","n":7}',
    "empty": "",
}


@dataclass(frozen=True)
class JsonStyle:
    """The choices OTLP/JSON senders make differently."""

    numbers: bool  # int64/fixed64 as JSON numbers (the JS SDK) instead of decimal strings (the spec)
    enum_ints: bool  # enums as integers instead of names
    upper_hex: bool  # ids in upper-case hex (the spec says case-insensitive)

    def i64(self, v: int) -> int | str:
        return v if self.numbers else str(v)

    def enum(self, name: str, value: int) -> int | str:
        return value if self.enum_ints else name

    def id(self, hex_id: str) -> str:
        return hex_id.upper() if self.upper_hex else hex_id


def _j_attrs(s: JsonStyle) -> list[dict[str, Any]]:
    return [
        {"key": "str", "value": {"stringValue": "hello"}},
        {"key": "int", "value": {"intValue": s.i64(9007199254740993)}},
        {"key": "neg", "value": {"intValue": s.i64(-42)}},
        {"key": "double", "value": {"doubleValue": 3.25}},
        {"key": "whole.double", "value": {"doubleValue": 2.0}},
        {"key": "bool", "value": {"boolValue": True}},
        {"key": "bytes", "value": {"bytesValue": "AQID/w=="}},
        {
            "key": "array",
            "value": {
                "arrayValue": {
                    "values": [{"stringValue": "a"}, {"intValue": s.i64(1)}, {"doubleValue": 1.5}, {"boolValue": False}]
                }
            },
        },
        {
            "key": "kvlist",
            "value": {
                "kvlistValue": {
                    "values": [
                        {"key": "k", "value": {"stringValue": "v"}},
                        {"key": "n", "value": {"intValue": s.i64(7)}},
                    ]
                }
            },
        },
        {"key": "empty", "value": {}},
    ]


def _j_kv(key: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "value": value}


def _j_resource() -> dict[str, Any]:
    return {"attributes": [_j_kv("service.name", {"stringValue": "json-shop"}), _j_kv("env", {"stringValue": "qa"})]}


def json_traces(s: JsonStyle) -> dict[str, Any]:
    t = J_TIME
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_j_kv("service.name", {"stringValue": "json-shop"}), *_j_attrs(s)]},
                "schemaUrl": SCHEMA,
                "scopeSpans": [
                    {
                        "scope": {"name": "json.tracer", "version": "1.0.0"},
                        "spans": [
                            {
                                "traceId": s.id(J_TRACE),
                                "spanId": s.id(J_SPAN),
                                "parentSpanId": s.id(J_PARENT),
                                "traceState": "rojo=00f067aa0ba902b7",
                                "name": "GET /json",
                                "kind": s.enum("SPAN_KIND_SERVER", 2),
                                "startTimeUnixNano": s.i64(t),
                                "endTimeUnixNano": s.i64(t + 1_000_000_001),
                                "attributes": _j_attrs(s),
                                "events": [
                                    {
                                        "timeUnixNano": s.i64(t + 5),
                                        "name": "cache.miss",
                                        "attributes": [_j_kv("key", {"stringValue": "user:1"})],
                                    }
                                ],
                                "links": [
                                    {
                                        "traceId": s.id(J_LINK_TRACE),
                                        "spanId": s.id(J_LINK_SPAN),
                                        "traceState": "k=v",
                                        "attributes": [_j_kv("attempt", {"intValue": s.i64(2)})],
                                    }
                                ],
                                "status": {"code": s.enum("STATUS_CODE_ERROR", 2), "message": "upstream failed"},
                                "someFutureField": {"receivers": "must ignore it"},
                            },
                            {
                                "traceId": s.id(J_TRACE),
                                "spanId": s.id(J_CHILD),
                                "parentSpanId": s.id(J_SPAN),
                                "name": "SELECT users",
                                "kind": s.enum("SPAN_KIND_CLIENT", 3),
                                "startTimeUnixNano": s.i64(t + 10),
                                "endTimeUnixNano": s.i64(t + 20),
                                "status": {"code": s.enum("STATUS_CODE_OK", 1)},
                            },
                        ],
                    }
                ],
            }
        ]
    }


def pb_traces() -> ExportTraceServiceRequest:
    t = J_TIME
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add(schema_url=SCHEMA)
    rs.resource.attributes.extend(_pb_attrs({"service.name": "json-shop", **J_ATTRS}))
    ss = rs.scope_spans.add(scope=InstrumentationScope(name="json.tracer", version="1.0.0"))
    span = ss.spans.add(
        trace_id=bytes.fromhex(J_TRACE), span_id=bytes.fromhex(J_SPAN), parent_span_id=bytes.fromhex(J_PARENT),
        trace_state="rojo=00f067aa0ba902b7", name="GET /json", kind=PbSpan.SPAN_KIND_SERVER,
        start_time_unix_nano=t, end_time_unix_nano=t + 1_000_000_001,
        status=PbStatus(code=PbStatus.STATUS_CODE_ERROR, message="upstream failed"),
    )  # fmt: skip
    span.attributes.extend(_pb_attrs(J_ATTRS))
    span.events.add(time_unix_nano=t + 5, name="cache.miss", attributes=_pb_attrs({"key": "user:1"}))
    span.links.add(
        trace_id=bytes.fromhex(J_LINK_TRACE), span_id=bytes.fromhex(J_LINK_SPAN), trace_state="k=v",
        attributes=_pb_attrs({"attempt": 2}),
    )  # fmt: skip
    ss.spans.add(
        trace_id=bytes.fromhex(J_TRACE), span_id=bytes.fromhex(J_CHILD), parent_span_id=bytes.fromhex(J_SPAN),
        name="SELECT users", kind=PbSpan.SPAN_KIND_CLIENT, start_time_unix_nano=t + 10, end_time_unix_nano=t + 20,
        status=PbStatus(code=PbStatus.STATUS_CODE_OK),
    )  # fmt: skip
    return req


J_LOG_BODY_STORED = '{"msg":"slow query","ms":1250.5,"rows":3,"tags":["db",true],"ctx":{"user":"u-1"}}'


def json_logs(s: JsonStyle) -> dict[str, Any]:
    t = J_TIME
    body = {
        "kvlistValue": {
            "values": [
                _j_kv("msg", {"stringValue": "slow query"}),
                _j_kv("ms", {"doubleValue": 1250.5}),
                _j_kv("rows", {"intValue": s.i64(3)}),
                _j_kv("tags", {"arrayValue": {"values": [{"stringValue": "db"}, {"boolValue": True}]}}),
                _j_kv("ctx", {"kvlistValue": {"values": [_j_kv("user", {"stringValue": "u-1"})]}}),
            ]
        }
    }
    array_body = {
        "arrayValue": {
            "values": [{"intValue": s.i64(1)}, {"kvlistValue": {"values": [_j_kv("a", {"doubleValue": 0.5})]}}]
        }
    }
    return {
        "resourceLogs": [
            {
                "resource": _j_resource(),
                "schemaUrl": SCHEMA,
                "scopeLogs": [
                    {
                        "scope": {
                            "name": "json.logger",
                            "version": "2.0",
                            "attributes": [_j_kv("scope.attr", {"boolValue": True})],
                        },
                        "schemaUrl": "https://example.com/scope-schema",
                        "logRecords": [
                            {
                                "timeUnixNano": s.i64(t + 100),
                                "observedTimeUnixNano": s.i64(t + 101),
                                "severityNumber": s.enum("SEVERITY_NUMBER_WARN", 13),
                                "severityText": "WARN",
                                "body": body,
                                "attributes": _j_attrs(s),
                                "flags": 1,
                                "traceId": s.id(J_TRACE),
                                "spanId": s.id(J_SPAN),
                                "eventName": "db.slow",
                            },
                            {
                                "observedTimeUnixNano": s.i64(t + 200),
                                "severityNumber": s.enum("SEVERITY_NUMBER_FATAL", 21),
                                "severityText": "FATAL",
                                "body": {"stringValue": "out of memory"},
                            },
                            {
                                "timeUnixNano": s.i64(t + 300),
                                "severityNumber": s.enum("SEVERITY_NUMBER_DEBUG", 5),
                                "body": {"bytesValue": "3q2+7w=="},
                            },
                            {"timeUnixNano": s.i64(t + 400), "body": array_body},
                        ],
                    }
                ],
            }
        ]
    }


def pb_logs() -> ExportLogsServiceRequest:
    t = J_TIME
    req = ExportLogsServiceRequest()
    rl = req.resource_logs.add(schema_url=SCHEMA)
    rl.resource.CopyFrom(PbResource(attributes=_pb_attrs({"service.name": "json-shop", "env": "qa"})))
    sl = rl.scope_logs.add(schema_url="https://example.com/scope-schema")
    sl.scope.CopyFrom(
        InstrumentationScope(name="json.logger", version="2.0", attributes=_pb_attrs({"scope.attr": True}))
    )
    body = {"msg": "slow query", "ms": 1250.5, "rows": 3, "tags": ["db", True], "ctx": {"user": "u-1"}}
    sl.log_records.extend(
        [
            PbLogRecord(
                time_unix_nano=t + 100,
                observed_time_unix_nano=t + 101,
                severity_number=13,
                severity_text="WARN",
                body=_pb_any(body),
                attributes=_pb_attrs(J_ATTRS),
                flags=1,
                trace_id=bytes.fromhex(J_TRACE),
                span_id=bytes.fromhex(J_SPAN),
                event_name="db.slow",
            ),
            PbLogRecord(
                observed_time_unix_nano=t + 200,
                severity_number=21,
                severity_text="FATAL",
                body=_pb_any("out of memory"),
            ),
            PbLogRecord(time_unix_nano=t + 300, severity_number=5, body=_pb_any(bytes.fromhex("deadbeef"))),
            PbLogRecord(time_unix_nano=t + 400, body=_pb_any([1, {"a": 0.5}])),
        ]
    )
    return req


def _j_exemplar(s: JsonStyle, t: int, value: dict[str, Any], filtered: bool = False) -> dict[str, Any]:
    ex = {"timeUnixNano": s.i64(t), **value, "spanId": s.id(J_SPAN), "traceId": s.id(J_TRACE)}
    if filtered:
        ex["filteredAttributes"] = [_j_kv("sensor", {"stringValue": "s1"})]
    return ex


def json_metrics(s: JsonStyle) -> dict[str, Any]:
    t = J_TIME
    route = [_j_kv("route", {"stringValue": "/a"})]
    cumulative = s.enum("AGGREGATION_TEMPORALITY_CUMULATIVE", 2)
    delta = s.enum("AGGREGATION_TEMPORALITY_DELTA", 1)
    metrics = [
        {
            "name": "room.temperature",
            "description": "Room temperature",
            "unit": "Cel",
            "gauge": {
                "dataPoints": [
                    {
                        "attributes": [_j_kv("room", {"stringValue": "a"})],
                        "startTimeUnixNano": s.i64(t),
                        "timeUnixNano": s.i64(t + 1_000),
                        "asDouble": 21.5,
                        "exemplars": [_j_exemplar(s, t + 500, {"asDouble": 21.75}, filtered=True)],
                    },
                    {
                        "attributes": [_j_kv("room", {"stringValue": "b"})],
                        "timeUnixNano": s.i64(t + 1_000),
                        "asInt": s.i64(-3),
                    },
                ]
            },
        },
        {
            "name": "http.requests",
            "unit": "{request}",
            "sum": {
                "dataPoints": [
                    {
                        "attributes": route,
                        "startTimeUnixNano": s.i64(t),
                        "timeUnixNano": s.i64(t + 2_000),
                        "asInt": s.i64(12345678901234),
                        "exemplars": [_j_exemplar(s, t + 1_500, {"asInt": s.i64(7)})],
                    }
                ],
                "aggregationTemporality": cumulative,
                "isMonotonic": True,
            },
        },
        {
            "name": "inflight",
            "sum": {
                "dataPoints": [{"timeUnixNano": s.i64(t + 2_000), "asDouble": -2.5}],
                "aggregationTemporality": delta,
            },
        },
        {
            "name": "http.duration",
            "unit": "ms",
            "histogram": {
                "dataPoints": [
                    {
                        "attributes": route,
                        "startTimeUnixNano": s.i64(t),
                        "timeUnixNano": s.i64(t + 3_000),
                        "count": s.i64(6),
                        "sum": 123.5,
                        "bucketCounts": [s.i64(1), s.i64(2), s.i64(3)],
                        "explicitBounds": [1.0, 10.0],
                        "min": 0.5,
                        "max": 99.0,
                        "exemplars": [_j_exemplar(s, t + 2_500, {"asDouble": 42.0})],
                    },
                    {"timeUnixNano": s.i64(t + 3_000), "count": s.i64(0), "flags": 1},
                ],
                "aggregationTemporality": delta,
            },
        },
        {
            "name": "payload.size",
            "unit": "By",
            "exponentialHistogram": {
                "dataPoints": [
                    {
                        "attributes": route,
                        "startTimeUnixNano": s.i64(t),
                        "timeUnixNano": s.i64(t + 4_000),
                        "count": s.i64(10),
                        "sum": 55.5,
                        "scale": -2,
                        "zeroCount": s.i64(1),
                        "positive": {"offset": -3, "bucketCounts": [s.i64(1), s.i64(2), s.i64(3)]},
                        "negative": {"offset": 2, "bucketCounts": [s.i64(1), s.i64(2)]},
                        "min": -20.0,
                        "max": 40.0,
                        "exemplars": [_j_exemplar(s, t + 3_500, {"asDouble": -7.5})],
                    }
                ],
                "aggregationTemporality": cumulative,
            },
        },
        {
            "name": "rpc.latency",
            "unit": "s",
            "summary": {
                "dataPoints": [
                    {
                        "attributes": route,
                        "startTimeUnixNano": s.i64(t),
                        "timeUnixNano": s.i64(t + 5_000),
                        "count": s.i64(4),
                        "sum": 10.0,
                        "quantileValues": [{"quantile": 0.5, "value": 2.0}, {"quantile": 0.99, "value": 4.0}],
                    }
                ]
            },
        },
    ]
    return {
        "resourceMetrics": [
            {
                "resource": _j_resource(),
                "schemaUrl": SCHEMA,
                "scopeMetrics": [
                    {
                        "scope": {
                            "name": "json.meter",
                            "version": "3.0",
                            "attributes": [_j_kv("lib", {"stringValue": "x"})],
                            "droppedAttributesCount": 2,
                        },
                        "schemaUrl": "https://example.com/scope-schema",
                        "metrics": metrics,
                    }
                ],
            }
        ]
    }


def _pb_exemplar(t: int, filtered: bool = False, **value: Any) -> pbm.Exemplar:
    ex = pbm.Exemplar(time_unix_nano=t, span_id=bytes.fromhex(J_SPAN), trace_id=bytes.fromhex(J_TRACE), **value)
    if filtered:
        ex.filtered_attributes.extend(_pb_attrs({"sensor": "s1"}))
    return ex


def pb_metrics() -> ExportMetricsServiceRequest:
    t = J_TIME
    route = _pb_attrs({"route": "/a"})
    cumulative, delta = pbm.AGGREGATION_TEMPORALITY_CUMULATIVE, pbm.AGGREGATION_TEMPORALITY_DELTA
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add(schema_url=SCHEMA)
    rm.resource.attributes.extend(_pb_attrs({"service.name": "json-shop", "env": "qa"}))
    sm = rm.scope_metrics.add(schema_url="https://example.com/scope-schema")
    sm.scope.CopyFrom(
        InstrumentationScope(
            name="json.meter", version="3.0", attributes=_pb_attrs({"lib": "x"}), dropped_attributes_count=2
        )
    )
    gauge = sm.metrics.add(name="room.temperature", description="Room temperature", unit="Cel").gauge
    gauge.data_points.add(
        attributes=_pb_attrs({"room": "a"}), start_time_unix_nano=t, time_unix_nano=t + 1_000, as_double=21.5,
        exemplars=[_pb_exemplar(t + 500, filtered=True, as_double=21.75)],
    )  # fmt: skip
    gauge.data_points.add(attributes=_pb_attrs({"room": "b"}), time_unix_nano=t + 1_000, as_int=-3)
    requests = sm.metrics.add(name="http.requests", unit="{request}").sum
    requests.aggregation_temporality, requests.is_monotonic = cumulative, True
    requests.data_points.add(
        attributes=route, start_time_unix_nano=t, time_unix_nano=t + 2_000, as_int=12345678901234,
        exemplars=[_pb_exemplar(t + 1_500, as_int=7)],
    )  # fmt: skip
    inflight = sm.metrics.add(name="inflight").sum
    inflight.aggregation_temporality = delta
    inflight.data_points.add(time_unix_nano=t + 2_000, as_double=-2.5)
    hist = sm.metrics.add(name="http.duration", unit="ms").histogram
    hist.aggregation_temporality = delta
    hist.data_points.add(
        attributes=route, start_time_unix_nano=t, time_unix_nano=t + 3_000, count=6, sum=123.5,
        bucket_counts=[1, 2, 3], explicit_bounds=[1.0, 10.0], min=0.5, max=99.0,
        exemplars=[_pb_exemplar(t + 2_500, as_double=42.0)],
    )  # fmt: skip
    hist.data_points.add(time_unix_nano=t + 3_000, count=0, flags=1)
    exp = sm.metrics.add(name="payload.size", unit="By").exponential_histogram
    exp.aggregation_temporality = cumulative
    exp.data_points.add(
        attributes=route, start_time_unix_nano=t, time_unix_nano=t + 4_000, count=10, sum=55.5, scale=-2,
        zero_count=1, positive=pbm.ExponentialHistogramDataPoint.Buckets(offset=-3, bucket_counts=[1, 2, 3]),
        negative=pbm.ExponentialHistogramDataPoint.Buckets(offset=2, bucket_counts=[1, 2]), min=-20.0, max=40.0,
        exemplars=[_pb_exemplar(t + 3_500, as_double=-7.5)],
    )  # fmt: skip
    summary = sm.metrics.add(name="rpc.latency", unit="s").summary
    summary.data_points.add(
        attributes=route, start_time_unix_nano=t, time_unix_nano=t + 5_000, count=4, sum=10.0,
        quantile_values=[
            pbm.SummaryDataPoint.ValueAtQuantile(quantile=0.5, value=2.0),
            pbm.SummaryDataPoint.ValueAtQuantile(quantile=0.99, value=4.0),
        ],
    )  # fmt: skip
    return req


JSON_BODIES = {"traces": json_traces, "logs": json_logs, "metrics": json_metrics}
PB_BODIES = {"traces": pb_traces, "logs": pb_logs, "metrics": pb_metrics}
RESPONSES = {
    "traces": ExportTraceServiceResponse,
    "logs": ExportLogsServiceResponse,
    "metrics": ExportMetricsServiceResponse,
}


@dataclass(frozen=True)
class Variant:
    tenant: str
    key: str
    header: str  # "bearer" or "x-key"
    json: JsonStyle | None  # None: protobuf
    gzip: bool = False
    chunked: bool = False


VARIANTS = [
    Variant("tenant-a", "keyA", "bearer", None),
    Variant("tenant-b", "keyB", "x-key", JsonStyle(numbers=False, enum_ints=False, upper_hex=False)),
    Variant("tenant-c", "keyC", "bearer", JsonStyle(numbers=True, enum_ints=True, upper_hex=True), gzip=True),
    Variant("tenant-d", "keyD", "x-key", None, gzip=True),
    Variant("tenant-e", "keyE", "bearer", JsonStyle(numbers=True, enum_ints=False, upper_hex=False), chunked=True),
]


def _send(client: httpx.Client, url: str, signal: str, v: Variant) -> httpx.Response:
    if v.json is None:
        body, ctype = PB_BODIES[signal]().SerializeToString(), "application/x-protobuf"
    else:
        body, ctype = orjson.dumps(JSON_BODIES[signal](v.json)), "application/json"
    headers = {"Content-Type": ctype}
    headers |= {"Authorization": f"Bearer {v.key}"} if v.header == "bearer" else {"x-ollystack-api-key": v.key}
    if v.gzip:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    content: Any = body
    if v.chunked:
        content = iter([body[i : i + 97] for i in range(0, len(body), 97)])  # no Content-Length: chunked
    return client.post(f"{url}/v1/{signal}", content=content, headers=headers)


@dataclass
class Encodings:
    responses: dict[tuple[str, str], httpx.Response]  # (tenant, signal) -> response
    rows: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def encodings(tmp_path_factory: pytest.TempPathFactory) -> Encodings:
    keys = ",".join(f"{v.key}={v.tenant}" for v in VARIANTS)
    svc = start_service(tmp_path_factory.mktemp("encodings"), env={"OLLYSTACK_API_KEYS": keys})
    try:
        responses = {}
        with httpx.Client(timeout=30) as client:
            for v in VARIANTS:
                for signal in JSON_BODIES:
                    responses[v.tenant, signal] = _send(client, svc.http_url, signal, v)
        assert svc.stop() == 0, "".join(svc.output)
    finally:
        svc.kill()
    return Encodings(responses, _read_all(svc.data_dir))


def _canonical(rows: list[dict[str, Any]], tenant: str) -> list[str]:
    out = []
    for row in rows:
        if row["TenantId"] == tenant:
            rest = {k: v for k, v in row.items() if k != "TenantId"}
            out.append(orjson.dumps(rest, option=orjson.OPT_SORT_KEYS).decode())
    return sorted(out)


def test_every_encoding_is_acknowledged_in_its_own_encoding(encodings: Encodings) -> None:
    for (tenant, signal), resp in encodings.responses.items():
        variant = next(v for v in VARIANTS if v.tenant == tenant)
        assert resp.status_code == 200, (tenant, signal, resp.content)
        if variant.json is None:
            assert resp.headers["content-type"].startswith("application/x-protobuf")
            assert not RESPONSES[signal].FromString(resp.content).HasField("partial_success")
        else:
            assert resp.headers["content-type"].startswith("application/json")
            assert resp.json() == {}, (tenant, signal)
        sent = resp.request.headers
        assert (sent.get("content-encoding") == "gzip") is variant.gzip
        assert ("content-length" not in sent and sent.get("transfer-encoding") == "chunked") is variant.chunked


def test_protobuf_request_is_stored_as_written(encodings: Encodings) -> None:
    rows = {table: [r for r in rs if r["TenantId"] == "tenant-a"] for table, rs in encodings.rows.items()}
    spans = {r["SpanName"]: r for r in rows["otel_traces"]}
    assert set(spans) == {"GET /json", "SELECT users"}
    server = spans["GET /json"]
    assert (server["TraceId"], server["SpanId"], server["ParentSpanId"]) == (J_TRACE, J_SPAN, J_PARENT)
    assert (server["Timestamp"], server["Duration"]) == (J_TIME, 1_000_000_001)
    assert (server["SpanKind"], server["StatusCode"], server["StatusMessage"]) == ("Server", "Error", "upstream failed")
    assert server["TraceState"] == "rojo=00f067aa0ba902b7"
    assert server["SpanAttributes"] == J_ATTRS_STORED
    assert server["ResourceAttributes"] == {"service.name": "json-shop", **J_ATTRS_STORED}
    assert (server["Events.Timestamp"], server["Events.Attributes"]) == ([J_TIME + 5], [{"key": "user:1"}])
    assert (server["Links.TraceId"], server["Links.SpanId"]) == ([J_LINK_TRACE], [J_LINK_SPAN])
    assert (server["Links.TraceState"], server["Links.Attributes"]) == (["k=v"], [{"attempt": "2"}])
    assert (spans["SELECT users"]["SpanKind"], spans["SELECT users"]["StatusCode"]) == ("Client", "Ok")

    logs = sorted(rows["otel_logs"], key=lambda r: r["Timestamp"])
    assert [r["Timestamp"] for r in logs] == [J_TIME + 100, J_TIME + 200, J_TIME + 300, J_TIME + 400]
    assert [r["Body"] for r in logs] == [J_LOG_BODY_STORED, "out of memory", "3q2+7w==", '[1,{"a":0.5}]']
    assert [(r["SeverityText"], r["SeverityNumber"]) for r in logs] == [("WARN", 13), ("FATAL", 21), ("", 5), ("", 0)]
    warn = logs[0]
    assert (warn["TraceId"], warn["SpanId"], warn["TraceFlags"], warn["EventName"]) == (J_TRACE, J_SPAN, 1, "db.slow")
    assert warn["LogAttributes"] == J_ATTRS_STORED
    assert (warn["ScopeName"], warn["ScopeVersion"], warn["ScopeAttributes"]) == (
        "json.logger",
        "2.0",
        {"scope.attr": "true"},
    )
    assert (warn["ResourceSchemaUrl"], warn["ScopeSchemaUrl"]) == (SCHEMA, "https://example.com/scope-schema")

    gauges = {r["Attributes"]["room"]: r for r in rows["otel_metrics_gauge"]}
    assert (gauges["a"]["Value"], gauges["b"]["Value"]) == (21.5, -3.0)
    assert gauges["a"]["Exemplars.FilteredAttributes"] == [{"sensor": "s1"}]
    assert (gauges["a"]["Exemplars.TraceId"], gauges["a"]["Exemplars.SpanId"]) == ([J_TRACE], [J_SPAN])
    assert (gauges["a"]["Exemplars.TimeUnix"], gauges["a"]["Exemplars.Value"]) == ([J_TIME + 500], [21.75])
    assert (gauges["a"]["ScopeAttributes"], gauges["a"]["ScopeDroppedAttrCount"]) == ({"lib": "x"}, 2)
    sums = {r["MetricName"]: r for r in rows["otel_metrics_sum"]}
    assert (sums["http.requests"]["Value"], sums["http.requests"]["Exemplars.Value"]) == (12345678901234.0, [7.0])
    assert (sums["http.requests"]["AggregationTemporality"], sums["http.requests"]["IsMonotonic"]) == (2, True)
    assert (sums["inflight"]["Value"], sums["inflight"]["AggregationTemporality"]) == (-2.5, 1)
    assert sums["inflight"]["IsMonotonic"] is False
    hist = max(rows["otel_metrics_histogram"], key=lambda r: r["Count"])
    assert (hist["Count"], hist["Sum"], hist["BucketCounts"], hist["ExplicitBounds"]) == (
        6,
        123.5,
        [1, 2, 3],
        [1.0, 10.0],
    )
    assert (hist["Min"], hist["Max"], hist["AggregationTemporality"], hist["Flags"]) == (0.5, 99.0, 1, 0)
    assert sorted(r["Flags"] for r in rows["otel_metrics_histogram"]) == [0, 1]  # 1 = no recorded value
    (exp,) = rows["otel_metrics_exponential_histogram"]
    assert (exp["Count"], exp["Sum"], exp["Scale"], exp["ZeroCount"]) == (10, 55.5, -2, 1)
    assert (exp["PositiveOffset"], exp["PositiveBucketCounts"]) == (-3, [1, 2, 3])
    assert (exp["NegativeOffset"], exp["NegativeBucketCounts"]) == (2, [1, 2])
    assert (exp["Min"], exp["Max"], exp["Exemplars.Value"]) == (-20.0, 40.0, [-7.5])
    (summary,) = rows["otel_metrics_summary"]
    assert (summary["Count"], summary["Sum"]) == (4, 10.0)
    assert (summary["ValueAtQuantiles.Quantile"], summary["ValueAtQuantiles.Value"]) == ([0.5, 0.99], [2.0, 4.0])


@pytest.mark.parametrize("variant", VARIANTS[1:], ids=lambda v: v.tenant)
def test_json_gzip_and_chunked_bodies_land_exactly_like_protobuf(encodings: Encodings, variant: Variant) -> None:
    for table in TELEMETRY_TABLES:
        reference = _canonical(encodings.rows[table], "tenant-a")
        assert reference, f"{table}: the protobuf request stored nothing"
        assert _canonical(encodings.rows[table], variant.tenant) == reference, table

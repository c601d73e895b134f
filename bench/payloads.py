"""Realistic pre-encoded OTLP requests for the benchmarks (deterministic for a seed)."""

from __future__ import annotations

import os
import random
import time

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

SERVICES = ["checkout", "payments", "cart", "search", "auth", "inventory", "shipping", "frontend"]
ROUTES = ["/api/cart", "/api/checkout", "/api/search", "/api/login", "/api/items/{id}", "/api/pay"]


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def _resource(rs: object, service: str) -> None:
    rs.resource.attributes.extend(  # type: ignore[attr-defined]
        [_kv("service.name", service), _kv("service.version", "1.4.2"), _kv("host.name", f"{service}-7f9c"),
         _kv("deployment.environment", "prod"), _kv("telemetry.sdk.language", "python")]
    )  # fmt: skip


def trace_request(n_spans: int, seed: int) -> ExportTraceServiceRequest:
    """`n_spans` spans spread over a few services, with HTTP/DB attributes and some events."""
    rnd = random.Random(seed)
    req = ExportTraceServiceRequest()
    now = time.time_ns()
    per_service = max(1, n_spans // 4)
    made = 0
    while made < n_spans:
        rs = req.resource_spans.add()
        _resource(rs, rnd.choice(SERVICES))
        ss = rs.scope_spans.add()
        ss.scope.name, ss.scope.version = "opentelemetry.instrumentation.flask", "0.50b0"
        for _ in range(min(per_service, n_spans - made)):
            start = now - rnd.randrange(10**9, 60 * 10**9)
            route = rnd.choice(ROUTES)
            sp = Span(
                trace_id=os.urandom(16), span_id=os.urandom(8), parent_span_id=os.urandom(8),
                name=f"GET {route}", kind=rnd.choice([2, 3]), start_time_unix_nano=start,
                end_time_unix_nano=start + int(rnd.lognormvariate(16, 1)),
                status=Status(code=2 if rnd.random() < 0.02 else 0),
            )  # fmt: skip
            sp.attributes.extend(
                [_kv("http.request.method", "GET"), _kv("http.route", route), _kv("url.path", route),
                 _kv("http.response.status_code", 200), _kv("server.address", "10.0.3.7"),
                 _kv("user_agent.original", "Mozilla/5.0"), _kv("net.peer.port", 44312)]
            )  # fmt: skip
            if rnd.random() < 0.1:
                ev = sp.events.add(time_unix_nano=start + 1000, name="exception")
                ev.attributes.extend([_kv("exception.type", "TimeoutError"), _kv("exception.message", "timed out")])
            ss.spans.append(sp)
            made += 1
    return req


def log_request(n_logs: int, seed: int) -> ExportLogsServiceRequest:
    rnd = random.Random(seed)
    req = ExportLogsServiceRequest()
    now = time.time_ns()
    made = 0
    while made < n_logs:
        rl = req.resource_logs.add()
        _resource(rl, rnd.choice(SERVICES))
        sl = rl.scope_logs.add()
        sl.scope.name = "app.logger"
        for _ in range(min(128, n_logs - made)):
            rec = LogRecord(
                time_unix_nano=now - rnd.randrange(10**9, 60 * 10**9), severity_number=9, severity_text="INFO",
                trace_id=os.urandom(16), span_id=os.urandom(8),
            )  # fmt: skip
            rec.body.string_value = (
                f"GET {rnd.choice(ROUTES)} user={rnd.randrange(10**6)} took {rnd.randrange(2, 900)}ms "
                f"status=200 ip=10.1.{rnd.randrange(255)}.{rnd.randrange(255)}"
            )
            rec.attributes.extend([_kv("code.function", "handle"), _kv("thread.id", rnd.randrange(64))])
            sl.log_records.append(rec)
            made += 1
    return req

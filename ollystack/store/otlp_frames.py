"""Turn decoded OTLP export requests into the per-item protobuf frames the staging tables read.

Each span, log record or metric point becomes one length-prefixed frame: its own serialized
bytes beside its resource's and scope's bytes and the tenant (see otlp_schema). Items that the
OTLP spec calls invalid, or that the engine could not store faithfully, are dropped here one by
one and counted, so a receiver can answer with partial success.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from .otlp_schema import (
    F_ITEM,
    F_METRIC_DESCRIPTION,
    F_METRIC_NAME,
    F_METRIC_UNIT,
    F_MONOTONIC,
    F_RESOURCE,
    F_RESOURCE_URL,
    F_SCOPE,
    F_SCOPE_URL,
    F_TEMPORALITY,
    F_TENANT,
    delimited,
    field_bytes,
    field_varint,
)

_ZERO_TRACE = b"\0" * 16
_MAX_REASONS = 5


@dataclass
class Framed:
    """Frames per staging table, and what a partial-success answer must report."""

    frames: dict[str, list[bytes]] = field(default_factory=dict)
    accepted: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, why: str) -> None:
        self.rejected += 1
        if len(self.reasons) < _MAX_REASONS and why not in self.reasons:
            self.reasons.append(why)

    def payloads(self) -> dict[str, bytes]:
        return {stage: b"".join(parts) for stage, parts in self.frames.items() if parts}


def _head(resource: Any, resource_url: str, scope: Any, scope_url: str, tenant: bytes) -> bytes:
    head = field_bytes(F_RESOURCE, resource.SerializeToString()) + field_bytes(F_SCOPE, scope.SerializeToString())
    head += field_bytes(F_TENANT, tenant)
    if resource_url:
        head += field_bytes(F_RESOURCE_URL, resource_url.encode())
    if scope_url:
        head += field_bytes(F_SCOPE_URL, scope_url.encode())
    return head


def _span_problem(span: Any) -> str | None:
    tid, sid, parent = span.trace_id, span.span_id, span.parent_span_id
    if len(tid) != 16 or tid == _ZERO_TRACE:
        return f"span {span.name!r}: trace_id must be 16 bytes and not all zero"
    if len(sid) != 8:
        return f"span {span.name!r}: span_id must be 8 bytes"
    if len(parent) not in (0, 8):
        return f"span {span.name!r}: parent_span_id must be empty or 8 bytes"
    return None


def _too_old(not_before: int) -> str:
    return f"timestamp older than the retention period (before {not_before // 1_000_000_000} s since the epoch)"


def frame_traces(msg: Any, tenant: str, not_before: int = 0) -> Framed:
    out = Framed()
    frames: list[bytes] = []
    t = tenant.encode()
    for rs in msg.resource_spans:
        for ss in rs.scope_spans:
            head = _head(rs.resource, rs.schema_url, ss.scope, ss.schema_url, t)
            for span in ss.spans:
                problem = _span_problem(span)
                if problem:
                    out.reject(problem)
                    continue
                if span.start_time_unix_nano < not_before:
                    out.reject(_too_old(not_before))
                    continue
                frames.append(delimited(head + field_bytes(F_ITEM, span.SerializeToString())))
    out.accepted = len(frames)
    out.frames["spans"] = frames
    return out


def frame_logs(msg: Any, tenant: str, not_before: int = 0) -> Framed:
    out = Framed()
    frames: list[bytes] = []
    t = tenant.encode()
    for rl in msg.resource_logs:
        for sl in rl.scope_logs:
            head = _head(rl.resource, rl.schema_url, sl.scope, sl.schema_url, t)
            for rec in sl.log_records:
                if len(rec.trace_id) not in (0, 16) or len(rec.span_id) not in (0, 8):
                    out.reject("log record: trace_id must be empty or 16 bytes, span_id empty or 8 bytes")
                    continue
                if (rec.time_unix_nano or rec.observed_time_unix_nano) < not_before:
                    out.reject(_too_old(not_before))
                    continue
                frames.append(delimited(head + field_bytes(F_ITEM, rec.SerializeToString())))
    out.accepted = len(frames)
    out.frames["logs"] = frames
    return out


def _metric_head(metric: Any, data: Any, kind: str) -> bytes:
    head = field_bytes(F_METRIC_NAME, metric.name.encode())
    if metric.description:
        head += field_bytes(F_METRIC_DESCRIPTION, metric.description.encode())
    if metric.unit:
        head += field_bytes(F_METRIC_UNIT, metric.unit.encode())
    if kind in ("sum", "histogram", "exponential_histogram") and data.aggregation_temporality:
        head += field_varint(F_TEMPORALITY, int(data.aggregation_temporality))
    if kind == "sum" and data.is_monotonic:
        head += field_varint(F_MONOTONIC, 1)
    return head


def _point_problem(kind: str, name: str, dp: Any) -> str | None:
    if kind == "histogram":
        n_counts, n_bounds = len(dp.bucket_counts), len(dp.explicit_bounds)
        if n_counts and n_counts != n_bounds + 1:
            return f"histogram {name!r}: {n_counts} bucket counts for {n_bounds} bounds (must be bounds + 1)"
    return None


def frame_metrics(msg: Any, tenant: str, not_before: int = 0) -> Framed:
    out = Framed()
    t = tenant.encode()
    for rm in msg.resource_metrics:
        for sm in rm.scope_metrics:
            head = _head(rm.resource, rm.schema_url, sm.scope, sm.schema_url, t)
            for metric in sm.metrics:
                kind = metric.WhichOneof("data")
                if kind is None:
                    continue  # a metric with no data has no point to store or reject
                data = getattr(metric, kind)
                mhead = head + _metric_head(metric, data, kind)
                frames = out.frames.setdefault(kind, [])
                for dp in data.data_points:
                    problem = _point_problem(kind, metric.name, dp)
                    if problem is None and dp.time_unix_nano < not_before:
                        problem = _too_old(not_before)
                    if problem:
                        out.reject(problem)
                        continue
                    frames.append(delimited(mhead + field_bytes(F_ITEM, dp.SerializeToString())))
                    out.accepted += 1
    return out


REQUEST_TYPES: dict[str, Any] = {
    "traces": ExportTraceServiceRequest,
    "logs": ExportLogsServiceRequest,
    "metrics": ExportMetricsServiceRequest,
}
FRAMERS = {"traces": frame_traces, "logs": frame_logs, "metrics": frame_metrics}


def frame(signal: str, msg: Any, tenant: str, not_before: int = 0) -> Framed:
    """Frames for a decoded Export{Trace,Logs,Metrics}ServiceRequest of `signal`.

    Items timestamped before `not_before` (ns) are rejected: retention would drop them unseen.
    """
    msg.DiscardUnknownFields()
    return FRAMERS[signal](msg, tenant, not_before)

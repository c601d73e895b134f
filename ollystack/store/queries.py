"""Tenant-scoped reads of the telemetry tables: the quick look behind `ollystack query`.

Filters are bound as parameters; attribute filters match span/log/point attributes or, failing
that, resource attributes, as a user typing `--attr k=v` expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .scope import TenantScope
from .tables import METRIC_KINDS


@dataclass
class Filters:
    service: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    limit: int = 100


def parse_attrs(values: list[str] | None) -> dict[str, str]:
    """`key=value` filters, as the CLI and the API take them."""
    out = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"attribute filter {item!r} must be key=value")
        out[key] = value
    return out


def _where(f: Filters, time_col: str, attr_col: str, params: dict[str, Any]) -> str:
    clauses = ["TenantId = {tenant:String}"]
    if f.service:
        clauses.append("ServiceName = {service:String}")
        params["service"] = f.service
    if f.start:
        clauses.append(f"{time_col} >= {{start:DateTime64(9)}}")
        params["start"] = f.start
    if f.end:
        clauses.append(f"{time_col} < {{end:DateTime64(9)}}")
        params["end"] = f.end
    for i, (name, value) in enumerate(sorted(f.attributes.items())):
        params[f"ak{i}"], params[f"av{i}"] = name, value
        key, val = f"{{ak{i}:String}}", f"{{av{i}:String}}"
        clauses.append(f"({attr_col}[{key}] = {val} OR ResourceAttributes[{key}] = {val})")
    return " AND ".join(clauses)


def search_traces(scope: TenantScope, f: Filters) -> list[dict[str, Any]]:
    """Spans, newest first."""
    params: dict[str, Any] = {"limit": f.limit}
    where = _where(f, "Timestamp", "SpanAttributes", params)
    return scope.rows(
        f"""
        SELECT Timestamp, TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind,
               Duration / 1e6 AS DurationMs, StatusCode, StatusMessage, SpanAttributes, ResourceAttributes,
               `Events.Name` AS EventNames, `Links.TraceId` AS LinkedTraces
        FROM otel_traces WHERE {where}
        ORDER BY Timestamp DESC LIMIT {{limit:UInt32}}
        """,
        params,
    )


def get_trace(scope: TenantScope, trace_id: str) -> list[dict[str, Any]]:
    """All spans of one trace, using the trace-id lookup table to prune partitions."""
    return scope.rows(
        """
        WITH (SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts
              WHERE TenantId = {tenant:String} AND TraceId = {trace_id:String}) AS bounds
        SELECT Timestamp, TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind,
               Duration / 1e6 AS DurationMs, StatusCode, SpanAttributes
        FROM otel_traces
        WHERE TenantId = {tenant:String} AND TraceId = {trace_id:String}
          AND Timestamp >= bounds.1 AND Timestamp <= bounds.2 + 1
        ORDER BY Timestamp
        """,
        {"trace_id": trace_id.lower()},
    )


def search_logs(scope: TenantScope, f: Filters, contains: str | None = None) -> list[dict[str, Any]]:
    """Log records, newest first; `contains` is a case-insensitive substring of the body."""
    params: dict[str, Any] = {"limit": f.limit}
    where = _where(f, "Timestamp", "LogAttributes", params)
    if contains:
        where += " AND positionCaseInsensitive(Body, {contains:String}) > 0"
        params["contains"] = contains
    return scope.rows(
        f"""
        SELECT Timestamp, ServiceName, SeverityText, SeverityNumber, Body, TraceId, SpanId, LogAttributes
        FROM otel_logs WHERE {where}
        ORDER BY Timestamp DESC LIMIT {{limit:UInt32}}
        """,
        params,
    )


def search_metrics(scope: TenantScope, f: Filters, name: str | None = None) -> list[dict[str, Any]]:
    """Metric points of every kind, newest first, with a value column that fits each kind."""
    value_expr = {
        "gauge": "Value",
        "sum": "Value",
        "histogram": "if(Count > 0, Sum / Count, 0)",
        "exponential_histogram": "if(Count > 0, Sum / Count, 0)",
        "summary": "if(Count > 0, Sum / Count, 0)",
    }
    params: dict[str, Any] = {"limit": f.limit}
    where = _where(f, "TimeUnix", "Attributes", params)
    if name:
        where += " AND MetricName = {name:String}"
        params["name"] = name
    parts = [
        f"SELECT TimeUnix, ServiceName, MetricName, '{kind}' AS Kind, toFloat64({value_expr[kind]}) AS Value, "
        f"MetricUnit, Attributes FROM otel_metrics_{kind} WHERE {where}"
        for kind in METRIC_KINDS
    ]
    return scope.rows(
        f"SELECT * FROM ({' UNION ALL '.join(parts)}) ORDER BY TimeUnix DESC LIMIT {{limit:UInt32}}", params
    )

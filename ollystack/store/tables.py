"""Names of the telemetry tables and the signal each belongs to."""

from __future__ import annotations

TRACES = "otel_traces"
TRACE_ID_TS = "otel_traces_trace_id_ts"
LOGS = "otel_logs"
METRIC_KINDS = ("gauge", "sum", "histogram", "exponential_histogram", "summary")
METRICS = {kind: f"otel_metrics_{kind}" for kind in METRIC_KINDS}

#: signal -> tables that hold it (retention is configured per signal)
SIGNAL_TABLES: dict[str, tuple[str, ...]] = {
    "traces": (TRACES, TRACE_ID_TS),
    "logs": (LOGS,),
    "metrics": tuple(METRICS.values()),
}

#: table -> the time expression its TTL is measured from
TTL_COLUMN: dict[str, str] = {
    TRACES: "toDateTime(Timestamp)",
    TRACE_ID_TS: "Start",
    LOGS: "TimestampTime",
    **dict.fromkeys(METRICS.values(), "toDateTime(TimeUnix)"),
}

#: OllyStack's own state (SLOs, signals, ...): table -> shard key in a cluster
STATE_TABLES: dict[str, str] = {
    "slos": "cityHash64(TenantId)",
    "slo_measurements": "cityHash64(SLOId)",
    "slo_watermarks": "cityHash64(SLOId)",
    "slo_alert_events": "cityHash64(SLOId)",
    "signals": "cityHash64(TenantId)",
    "synthetics_runs": "cityHash64(CanaryName)",
    "slo_source_counts": "cityHash64(Key)",
    "detector_suppressions": "cityHash64(TenantId)",
    "incidents": "cityHash64(IncidentId)",
    "incident_events": "cityHash64(IncidentId)",
    "log_templates": "cityHash64(ServiceName)",
    "log_pattern_minutes": "cityHash64(ServiceName)",
    "log_miner_state": "cityHash64(TenantId)",
    "topology_edge_minutes": "cityHash64(TenantId)",
    "topology_node_minutes": "cityHash64(TenantId)",
    "topology_watermarks": "cityHash64(TenantId)",
    "topology_span_counts": "cityHash64(TenantId)",
}

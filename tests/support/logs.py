"""Log records written into `otel_logs`: straight into the table as a Collector's ClickHouse
exporter writes them (days of minute-exact history, fast), or through the real OTLP path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from ollystack.store import Store

COLUMNS = ["TenantId", "Timestamp", "ServiceName", "SeverityText", "SeverityNumber", "Body", "ResourceAttributes"]
SEVERITY = {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}


@dataclass(frozen=True)
class Line:
    at: datetime
    body: str
    severity: str = "INFO"
    service: str = "checkout"


def insert_lines(store: Store, lines: Iterable[Line], tenant: str = "default") -> int:
    batch: list[list[object]] = []
    n = 0
    for ln in lines:
        batch.append([tenant, ln.at, ln.service, ln.severity, SEVERITY[ln.severity], ln.body,
                      {"service.name": ln.service}])  # fmt: skip
        if len(batch) >= 100_000:
            store.client.insert("otel_logs", batch, column_names=COLUMNS)
            n, batch = n + len(batch), []
    if batch:
        store.client.insert("otel_logs", batch, column_names=COLUMNS)
        n += len(batch)
    return n


def otlp_request(lines: Iterable[Line]) -> bytes:
    """One ExportLogsServiceRequest holding `lines`, grouped by service as an SDK sends them."""
    by_service: dict[str, list[Line]] = {}
    for ln in lines:
        by_service.setdefault(ln.service, []).append(ln)
    req = ExportLogsServiceRequest()
    for service, group in by_service.items():
        res = Resource(attributes=[KeyValue(key="service.name", value=AnyValue(string_value=service))])
        records = [
            LogRecord(time_unix_nano=int(ln.at.timestamp() * 1e9), severity_number=SEVERITY[ln.severity],  # type: ignore[arg-type]
                      severity_text=ln.severity, body=AnyValue(string_value=ln.body))
            for ln in group
        ]  # fmt: skip
        req.resource_logs.append(ResourceLogs(resource=res, scope_logs=[ScopeLogs(log_records=records)]))
    return req.SerializeToString()

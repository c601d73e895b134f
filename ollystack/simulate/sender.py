"""Ship produced telemetry to an OTLP endpoint with the OpenTelemetry SDK's own exporters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs.export import LogRecordExportResult
from opentelemetry.sdk.metrics.export import MetricExportResult
from opentelemetry.sdk.trace.export import SpanExportResult

from .generator import Produced


class SendFailed(RuntimeError):
    """The endpoint refused telemetry after the exporter's own retries."""


@dataclass
class OtlpSender:
    """OTLP/HTTP protobuf to `endpoint` (e.g. http://127.0.0.1:4318), in chunks of `chunk` items."""

    endpoint: str
    chunk: int = 16_384
    headers: dict[str, str] | None = None
    timeout: float = 60.0

    def __post_init__(self) -> None:
        base = self.endpoint.rstrip("/")
        self._spans = OTLPSpanExporter(endpoint=f"{base}/v1/traces", headers=self.headers, timeout=self.timeout)
        self._logs = OTLPLogExporter(endpoint=f"{base}/v1/logs", headers=self.headers, timeout=self.timeout)
        self._metrics = OTLPMetricExporter(endpoint=f"{base}/v1/metrics", headers=self.headers, timeout=self.timeout)

    def send(self, produced: Produced) -> None:
        self._ship(self._spans, produced.spans, SpanExportResult.SUCCESS, "spans")
        self._ship(self._logs, produced.logs, LogRecordExportResult.SUCCESS, "log records")
        if produced.metrics is not None and self._metrics.export(produced.metrics) != MetricExportResult.SUCCESS:
            raise SendFailed(f"the OTLP endpoint {self.endpoint} refused metrics")

    def _ship(self, exporter: Any, items: Sequence[Any], ok: Any, what: str) -> None:
        for lo in range(0, len(items), self.chunk):
            if exporter.export(items[lo : lo + self.chunk]) != ok:
                raise SendFailed(f"the OTLP endpoint {self.endpoint} refused {what}")

    def clone(self) -> OtlpSender:
        """Another sender to the same endpoint (exporters are not shared between threads)."""
        return OtlpSender(self.endpoint, self.chunk, self.headers, self.timeout)

    def close(self) -> None:
        self._spans.shutdown()
        self._logs.shutdown()
        self._metrics.shutdown()

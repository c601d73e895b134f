"""`ollystack demo`: the service on the embedded store, fed by a small instrumented shop.

It starts `ollystack serve` as a child process (the embedded store belongs to one process),
sends traces, logs and metrics with the real OpenTelemetry SDK over OTLP/HTTP, then shows what
was stored. Capabilities that have not landed yet are listed as not available.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from .launch import launch

SHOP = {
    "web-frontend": ["GET /", "GET /product/{id}", "POST /cart"],
    "checkout": ["POST /checkout"],
    "payments": ["POST /charge"],
    "inventory": ["GET /stock/{sku}"],
}
NOT_YET = [
    ("SLOs and burn-rate alerts", "issue 4"),
    ("seasonal anomaly detection and automatic incidents", "issue 5"),
    ("log pattern mining", "issue 6"),
    ("service map", "issue 7"),
    ("shop simulator with fault injection, AI investigation, runbooks, chat", "issue 3 and later"),
]


def _start(data_dir: Path, console: Console) -> tuple[subprocess.Popen[str], int, int]:
    env = {k: os.environ[k] for k in ("OLLYSTACK_OTLP_HTTP_PORT", "OLLYSTACK_OTLP_GRPC_PORT", "OLLYSTACK_API_PORT")
           if k in os.environ}  # fmt: skip
    child = launch(data_dir, env)
    console.print(f"[green]service up[/green]: OTLP/HTTP :{child.otlp_http}, OTLP/gRPC :{child.otlp_grpc}, "
                  f"API :{child.api}, store {data_dir}")  # fmt: skip
    return child.proc, child.otlp_http, child.api


def _send(otlp_port: int, seconds: float, console: Console) -> int:
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

    base = f"http://127.0.0.1:{otlp_port}/v1"
    providers = []
    tracers, loggers, latency = {}, {}, {}
    for service in SHOP:
        res = Resource.create({"service.name": service, "service.version": "1.0.0", "deployment.environment": "demo"})
        tp = TracerProvider(resource=res)
        tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/traces")))
        lp = LoggerProvider(resource=res)
        lp.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=f"{base}/logs")))
        reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/metrics"), 1000)
        mp = MeterProvider(resource=res, metric_readers=[reader])
        providers += [tp, lp, mp]
        tracers[service], loggers[service] = tp.get_tracer("demo"), lp.get_logger("demo")
        latency[service] = mp.get_meter("demo").create_histogram("http.server.request.duration", unit="s")
    rnd = random.Random(7)
    sent, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        # spans carry simulated timings (a real shop would spend them working), so the
        # latencies below look like a shop's, while the demo sends hundreds of requests a second
        route = rnd.choice(SHOP["web-frontend"])
        start = time.time_ns()
        root = tracers["web-frontend"].start_span(route, kind=SpanKind.SERVER, start_time=start,
                                                  attributes={"http.route": route})  # fmt: skip
        ctx, cursor = set_span_in_context(root), start + 1_000_000
        for service in ("checkout", "payments", "inventory") if route == "POST /cart" else ("inventory",):
            took = rnd.lognormvariate(-3.5, 0.6)  # seconds, median about 30 ms
            name = rnd.choice(SHOP[service])
            span = tracers[service].start_span(name, context=ctx, kind=SpanKind.SERVER, start_time=cursor)
            latency[service].record(took, {"http.route": name})
            if service == "payments" and rnd.random() < 0.05:
                span.set_status(Status(StatusCode.ERROR, "card declined"))
                loggers[service].emit(body=f"charge failed: card declined after {took * 1000:.0f} ms",
                                      severity_number=SeverityNumber.ERROR, severity_text="ERROR")  # fmt: skip
            cursor += int(took * 1e9)
            span.end(end_time=cursor)
            sent += 1
        root.end(end_time=cursor + 2_000_000)
        loggers["web-frontend"].emit(body=f"{route} served", severity_number=SeverityNumber.INFO,
                                     severity_text="INFO")  # fmt: skip
        sent += 1
        time.sleep(0.01)
    for p in providers:
        p.shutdown()
    console.print(f"sent {sent} spans plus logs and metrics over OTLP/HTTP with the OpenTelemetry SDK")
    return sent


def run(data_dir: Path, seconds: float = 5.0) -> None:
    console = Console()
    console.rule("OllyStack demo")
    proc, otlp_port, api_port = _start(data_dir, console)
    try:
        _send(otlp_port, seconds, console)
        api = f"http://127.0.0.1:{api_port}/api/v1"
        rows = httpx.get(f"{api}/traces", params={"limit": 10_000, "from": "2000-01-01T00:00:00Z"}, timeout=30).json()
        by_service: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        for r in rows["rows"]:
            by_service.setdefault(r["ServiceName"], []).append(r["DurationMs"])
            errors[r["ServiceName"]] = errors.get(r["ServiceName"], 0) + (r["StatusCode"] == "Error")
        table = Table("service", "spans", "errors", "p95 ms", title="what OllyStack stored")
        for service, durations in sorted(by_service.items()):
            durations.sort()
            p95 = durations[int(0.95 * (len(durations) - 1))]
            table.add_row(service, str(len(durations)), str(errors[service]), f"{p95:.1f}")
        console.print(table)
        logs = httpx.get(f"{api}/logs", params={"limit": 5, "from": "2000-01-01T00:00:00Z"}, timeout=30).json()
        for r in logs["rows"]:
            console.print(f"  [dim]{r['Timestamp']}[/dim] {r['ServiceName']:12s} {r['SeverityText']:5s} {r['Body']}")
        for what, where in NOT_YET:
            console.print(f"[yellow]not available yet[/yellow]: {what} ({where})")
    finally:
        proc.terminate()
        proc.wait(60)
    console.rule("next")
    console.print(
        f"The demo's data stays in {data_dir}; look at it with\n"
        f"  OLLYSTACK_CLICKHOUSE_URL=chdb://{data_dir} .venv/bin/ollystack query traces --since 1h\n"
        "Run `.venv/bin/ollystack serve` and point your own OpenTelemetry SDKs or Collector at "
        "http://localhost:4318 (HTTP) or localhost:4317 (gRPC)."
    )

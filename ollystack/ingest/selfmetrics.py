"""OllyStack's own ingest counters, exposed in Prometheus text format on /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest

disable_created_metrics()


class IngestMetrics:
    """One registry per service instance, so tests running several services do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.items = Counter(
            "ollystack_ingest_items",
            "Telemetry items received, by signal and outcome (accepted, rejected)",
            ["signal", "outcome"],
            registry=self.registry,
        )
        self.requests = Counter(
            "ollystack_ingest_requests",
            "Export requests by signal, protocol and result (ok, or the rejection reason)",
            ["signal", "protocol", "result"],
            registry=self.registry,
        )
        self.batch_items = Histogram(
            "ollystack_ingest_batch_items",
            "Items per committed batch",
            ["signal"],
            buckets=(10, 100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000),
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "ollystack_ingest_commit_seconds",
            "Time to commit one batch to the store",
            ["signal"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.queue_items = Gauge(
            "ollystack_ingest_queue_items", "Items waiting for or in a commit", registry=self.registry
        )
        self.commit_failures = Counter(
            "ollystack_ingest_commit_failures", "Batches whose commit failed", ["signal"], registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

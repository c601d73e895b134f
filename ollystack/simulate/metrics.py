"""Metrics the shop's services report each minute: request durations from the spans they served,
and runtime gauges (CPU, memory, connection pool, queue depth) that saturation faults move.

Built from the SDK's own metric data classes with explicit timestamps (the SDK's instruments
read the wall clock, which backfill cannot use) and exported by the SDK's OTLP metric exporter.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricsData,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanKind

if TYPE_CHECKING:
    from .generator import ShopSimulator

STEP = 60  # seconds between metric points
NS = 1_000_000_000
#: the OpenTelemetry semantic conventions' advised buckets for http.server.request.duration (s)
DURATION_BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
SCOPE = InstrumentationScope("ollystack.simulate", "1")


def _histogram_point(attrs: dict[str, Any], start: int, end: int, durations: list[float]) -> HistogramDataPoint:
    counts = [0] * (len(DURATION_BOUNDS) + 1)
    for d in durations:
        counts[bisect_left(DURATION_BOUNDS, d)] += 1
    return HistogramDataPoint(
        attributes=attrs, start_time_unix_nano=start, time_unix_nano=end, count=len(durations),
        sum=sum(durations), bucket_counts=counts, explicit_bounds=DURATION_BOUNDS,
        min=min(durations), max=max(durations),
    )  # fmt: skip


def window_metrics(sim: ShopSimulator, start: float, end: float, spans: list[Any]) -> MetricsData | None:
    """One point per service (and route) for every minute that starts before `end`.

    A request counts in the minute it started in; each point covers [minute, minute + 60 s).
    Windows that start and end on whole minutes give every minute exactly one point.
    """
    first = math.floor(start / STEP) * STEP
    minutes = list(range(int(first), math.ceil(end), STEP))
    if not minutes:
        return None
    served: dict[tuple[str, str, int], list[float]] = defaultdict(list)  # (role, route, minute) -> seconds
    served_kinds = (SpanKind.SERVER, SpanKind.CONSUMER)
    for s in spans:
        if s.kind not in served_kinds:
            continue
        minute = int(s.start_time // NS) // STEP * STEP
        role = sim.shop.role_of(s.resource.attributes["service.name"])
        served[(role, s.attributes.get("http.route", s.name), minute)].append((s.end_time - s.start_time) / NS)
    # queue: messages published and consumed per minute, for the consumer's lag gauge
    published: dict[int, int] = defaultdict(int)
    consumed: dict[int, int] = defaultdict(int)
    for s in spans:
        if s.kind is SpanKind.PRODUCER and s.attributes.get("messaging.destination.name") in sim.shop.consumers:
            published[int(s.start_time // NS) // STEP * STEP] += 1
        elif s.kind is SpanKind.CONSUMER:
            consumed[int(s.start_time // NS) // STEP * STEP] += 1
    per_minute: dict[tuple[str, int], list[tuple[str, list[float]]]] = defaultdict(list)
    for (role, route, minute), durations in served.items():
        per_minute[(role, minute)].append((route, durations))
    rnd = random.Random(int(start))
    by_resource: dict[Any, list[Metric]] = defaultdict(list)
    effects = {minute: sim.effects(minute) for minute in minutes}
    for role, service in sim.shop.services.items():
        for minute in minutes:
            fx = effects[minute]
            resource = sim.resource(service, sim.version_at(role, minute))
            t_start, t_end = minute * NS, (minute + STEP) * NS
            routes = per_minute.get((role, minute), [])
            load = sum(len(d) for _, d in routes) / STEP
            cpu = min(1.0, 0.08 + 0.02 * load + fx.cpu.get(role, 0.0) + rnd.gauss(0, 0.01))
            memory = service.memory_mb * 2**20 * fx.memory_growth.get(role, 0.45 + rnd.gauss(0, 0.01))
            pool = service.pool_size * fx.pool_in_use.get(role, min(0.9, 0.1 + 0.05 * load))
            gauges: list[tuple[str, str, float, dict[str, str]]] = [
                ("process.cpu.utilization", "1", max(cpu, 0.0), {}),
                ("process.memory.usage", "By", memory, {}),
                ("db.client.connection.count", "{connection}", round(pool), {"db.client.connection.state": "used"}),
            ]
            if service.kind == "worker":  # the queue's consumer reports how far behind it is
                sim.queue_lag = max(0, sim.queue_lag + published.get(minute, 0) - consumed.get(minute, 0))
                gauges.append(("messaging.kafka.consumer.lag", "{message}", sim.queue_lag,
                               {"messaging.destination.name": "order.created"}))  # fmt: skip
            for name, unit, value, attrs in gauges:
                point = NumberDataPoint(
                    attributes=attrs, start_time_unix_nano=t_start, time_unix_nano=t_end, value=value
                )
                by_resource[resource].append(Metric(name, None, unit, Gauge([point])))
            # a cumulative counter, as SDKs send them by default: requests served since start-up
            served_total = sim.counters.get(role, 0) + sum(len(d) for _, d in routes)
            sim.counters[role] = served_total
            started = int(sim.started_at * NS)
            counter = NumberDataPoint(
                attributes={}, start_time_unix_nano=started, time_unix_nano=t_end, value=served_total
            )
            by_resource[resource].append(
                Metric(
                    "app.requests.served", None, "{request}", Sum([counter], AggregationTemporality.CUMULATIVE, True)
                )
            )
            points = [_histogram_point({"http.route": route}, t_start, t_end, d) for route, d in routes]
            if points:
                data = Histogram(points, AggregationTemporality.DELTA)
                by_resource[resource].append(Metric("http.server.request.duration", None, "s", data))
    return MetricsData(
        [ResourceMetrics(res, [ScopeMetrics(SCOPE, metrics, "")], "") for res, metrics in by_resource.items()]
    )

"""Spans written straight into `otel_traces`, as a Collector's ClickHouse exporter writes them.

SLO tests need exact control of counts per minute over days; building OTLP for that would only
slow them down, and the table is the same one ingest writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from ollystack.store import Store

COLUMNS = ["TenantId", "Timestamp", "ServiceName", "SpanName", "SpanKind", "StatusCode", "Duration",
           "SpanAttributes", "ResourceAttributes", "TraceId", "SpanId"]  # fmt: skip
_ids = count(1)


@dataclass
class Minute:
    """Traffic of one minute: `total` requests, `errors` of them failed, `slow` of them took `slow_ms`."""

    total: int
    errors: int = 0
    slow: int = 0
    fast_ms: float = 50.0
    slow_ms: float = 900.0
    service: str = "checkout"
    span_name: str = "POST /api/checkout"
    route: str = "/api/checkout"
    kind: str = "Server"
    attributes: dict[str, str] = field(default_factory=dict)
    spread: bool = False  # errors spread evenly over the minute instead of its first requests


def rows_for(start: datetime, minute: Minute, tenant: str = "default") -> list[list[object]]:
    rows = []
    for i in range(minute.total):
        ts = start + timedelta(seconds=60 * (i + 0.5) / minute.total)
        err = (
            (i * minute.errors) // minute.total != ((i + 1) * minute.errors) // minute.total
            if minute.spread
            else i < minute.errors
        )
        slow = minute.total - i <= minute.slow
        n = next(_ids)
        rows.append([tenant, ts, minute.service, minute.span_name, minute.kind, "Error" if err else "Ok",
                     round((minute.slow_ms if slow else minute.fast_ms) * 1e6),
                     {"http.route": minute.route, **minute.attributes}, {"service.name": minute.service},
                     f"{n:032x}", f"{n:016x}"])  # fmt: skip
    return rows


def insert_minutes(store: Store, start: datetime, minutes: Iterable[Minute] | int,
                   per_minute: Callable[[int], Minute] | None = None, tenant: str = "default") -> int:  # fmt: skip
    """Insert traffic minute by minute from `start`; `minutes` is a list, or a count with `per_minute(i)`."""
    if isinstance(minutes, int):
        assert per_minute is not None
        items: Iterable[Minute] = (per_minute(i) for i in range(minutes))
    else:
        items = minutes
    batch: list[list[object]] = []
    n = 0
    for i, m in enumerate(items):
        batch += rows_for(start + timedelta(minutes=i), m, tenant)
        if len(batch) >= 200_000:
            store.client.insert("otel_traces", batch, column_names=COLUMNS)
            n += len(batch)
            batch = []
    if batch:
        store.client.insert("otel_traces", batch, column_names=COLUMNS)
        n += len(batch)
    return n

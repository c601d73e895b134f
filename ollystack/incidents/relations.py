"""Which services are related, so signals of a caller and its callee become one incident.

`SpanDependencies` derives caller→callee pairs from the last hour of spans; the service map
(`topology/`, later) will replace it behind the same `Relations` protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from ..store import Store
from ..store.tables import TRACES


class Clock(Protocol):
    def now(self) -> float: ...


class Relations(Protocol):
    def related(self, tenant: str, service_a: str, service_b: str) -> bool:
        """True when one of the two services calls the other (either direction)."""
        ...


@runtime_checkable
class Directed(Protocol):
    """Relations that also know the direction; with it, incidents name a suspected cause."""

    def calls(self, tenant: str, caller: str, callee: str) -> bool: ...


class StaticRelations:
    """Fixed caller→callee pairs (declared dependencies, or a topology snapshot)."""

    def __init__(self, edges: Iterable[tuple[str, str]]) -> None:
        self.edges = frozenset(edges)

    def calls(self, tenant: str, caller: str, callee: str) -> bool:
        return (caller, callee) in self.edges

    def related(self, tenant: str, service_a: str, service_b: str) -> bool:
        return self.calls(tenant, service_a, service_b) or self.calls(tenant, service_b, service_a)


@dataclass
class SpanDependencies:
    """Caller→callee service pairs seen in `otel_traces` over the last `lookback`.

    A client or producer span of one service whose server or consumer child span belongs to
    another service is a call between them. Each side of the self-join reads at most `max_spans`
    rows, so a busy hour costs a bounded query (pairs seen only in the spans left out are missed);
    the pairs are cached per tenant for `ttl` of the clock.
    """

    store: Store
    clock: Clock
    lookback: timedelta = timedelta(hours=1)
    ttl: timedelta = timedelta(minutes=1)
    max_spans: int = 500_000
    _cache: dict[str, tuple[float, frozenset[tuple[str, str]]]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def edges(self, tenant: str) -> frozenset[tuple[str, str]]:
        now = self.clock.now()
        with self._lock:
            hit = self._cache.get(tenant)
            if hit is not None and 0 <= now - hit[0] < self.ttl.total_seconds():
                return hit[1]
        until = datetime.fromtimestamp(now, UTC)
        table = f"{self.store.options.database}.{TRACES}"
        window = (
            "TenantId = {tenant:String} AND Timestamp >= {since:DateTime64(9)} AND Timestamp < {until:DateTime64(9)}"
        )
        rows = (
            self.store.scope(tenant)
            .query(
                f"""SELECT DISTINCT p.ServiceName, c.ServiceName
                FROM (SELECT TraceId, SpanId, ServiceName FROM {table}
                      WHERE {window} AND SpanKind IN ('Client', 'Producer') LIMIT {{n:UInt32}}) AS p
                INNER JOIN (SELECT TraceId, ParentSpanId, ServiceName FROM {table}
                      WHERE {window} AND SpanKind IN ('Server', 'Consumer') AND ParentSpanId != ''
                      LIMIT {{n:UInt32}}) AS c
                ON p.TraceId = c.TraceId AND p.SpanId = c.ParentSpanId
                WHERE p.ServiceName != c.ServiceName""",
                {"since": until - self.lookback, "until": until, "n": self.max_spans},
            )
            .result_rows
        )
        found = frozenset((str(a), str(b)) for a, b in rows)
        with self._lock:
            self._cache[tenant] = (now, found)
        return found

    def calls(self, tenant: str, caller: str, callee: str) -> bool:
        return (caller, callee) in self.edges(tenant)

    def related(self, tenant: str, service_a: str, service_b: str) -> bool:
        pairs = self.edges(tenant)
        return (service_a, service_b) in pairs or (service_b, service_a) in pairs

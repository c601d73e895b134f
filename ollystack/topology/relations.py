"""Caller → callee relations from the service map, for grouping signals into incidents.

Why a class here: the incident engine asks "does A call B?" for every signal it groups. This
answers from the map of the last `lookback` (stored minutes plus the newest spans), cached per
tenant for `ttl` of the engine's clock. It satisfies `incidents.Relations` and `Directed` by
shape, so `incidents/` never imports `topology/`; the composition root passes it in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..store import Store
from .stored import edge_stats


class Clock(Protocol):
    def now(self) -> float: ...


@dataclass
class TopologyRelations:
    store: Store
    clock: Clock
    lookback: timedelta = timedelta(hours=1)
    ttl: timedelta = timedelta(minutes=1)
    _cache: dict[str, tuple[float, frozenset[tuple[str, str]]]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def edges(self, tenant: str) -> frozenset[tuple[str, str]]:
        """(caller, callee) pairs with calls in the last `lookback`, databases and APIs included."""
        now = self.clock.now()
        with self._lock:
            hit = self._cache.get(tenant)
            if hit is not None and 0 <= now - hit[0] < self.ttl.total_seconds():
                return hit[1]
        until = datetime.fromtimestamp(now, UTC)
        found = frozenset(
            (s.key[0], s.key[1])
            for s in edge_stats(self.store, tenant, until - self.lookback, until, group=("Source", "Target"))
        )
        with self._lock:
            self._cache[tenant] = (now, found)
        return found

    def calls(self, tenant: str, caller: str, callee: str) -> bool:
        return (caller, callee) in self.edges(tenant)

    def related(self, tenant: str, service_a: str, service_b: str) -> bool:
        pairs = self.edges(tenant)
        return (service_a, service_b) in pairs or (service_b, service_a) in pairs

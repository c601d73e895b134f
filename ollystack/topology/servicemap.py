"""The service map over a window: nodes and edges with their RED metrics and example traces."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from ..store import Store
from .model import Edge, Node, Operation, ServiceMap, TraceLink, health, ratio
from .stored import Stat, edge_stats, node_stats


def _minutes(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds() / 60, 1e-9)


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _edge(s: Stat, minutes: float) -> Edge:
    source, target, kind, target_kind = s.key
    return Edge(source=source, target=target, kind=kind, target_kind=target_kind, calls=s.calls, errors=s.errors,  # type: ignore[arg-type]
                error_ratio=ratio(s.errors, s.calls), rate_per_min=round(s.calls / minutes, 3), p50_ms=s.p50_ms,
                p95_ms=s.p95_ms, p99_ms=s.p99_ms, health=health(s.calls, s.errors),
                traces=TraceLink.of(s.sample_trace, s.error_trace, s.slow_trace))  # fmt: skip


def _node(name: str, kind: str, s: Stat | None, minutes: float, entry: bool = False) -> Node:
    calls, errors = (s.calls, s.errors) if s else (0, 0)
    return Node(name=name, kind=kind, requests=calls, errors=errors, error_ratio=ratio(errors, calls),  # type: ignore[arg-type]
                rate_per_min=round(calls / minutes, 3), p50_ms=s.p50_ms if s else 0.0,
                p95_ms=s.p95_ms if s else 0.0, p99_ms=s.p99_ms if s else 0.0, health=health(calls, errors),
                entry=entry, traces=TraceLink.of(s.sample_trace, s.error_trace, s.slow_trace) if s else [])  # fmt: skip


def neighbourhood(edges: list[Edge], service: str, depth: int) -> list[Edge]:
    """Edges within `depth` calls of `service`, in either direction."""
    adjacent: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        adjacent[e.source].add(e.target)
        adjacent[e.target].add(e.source)
    dist = {service: 0}
    frontier = [service]
    for d in range(1, depth):
        frontier = [n for f in frontier for n in adjacent[f] if n not in dist]
        for n in frontier:
            dist.setdefault(n, d)
    return [e for e in edges if e.source in dist or e.target in dist]


def build_map(store: Store, tenant: str, start: datetime, end: datetime, service: str | None = None,
              depth: int = 1) -> ServiceMap:  # fmt: skip
    """Every edge and node seen in [start, end); with `service`, its neighbourhood `depth` calls
    deep and its operations."""
    start, end = _utc(start), _utc(end)
    minutes = _minutes(start, end)
    edges = [_edge(s, minutes) for s in edge_stats(store, tenant, start, end)]
    if service is not None:
        edges = neighbourhood(edges, service, depth)
    served = {s.key[0]: s for s in node_stats(store, tenant, start, end)}
    external = {s.key[0]: s for s in edge_stats(store, tenant, start, end, group=("Target",),
                                                where="TargetKind != 'service'")}  # fmt: skip
    kinds: dict[str, str] = {}
    for e in edges:
        kinds.setdefault(e.source, "service")
        kinds[e.target] = e.target_kind
    if service is None:
        kinds.update(dict.fromkeys(served, "service"))
    else:
        kinds.setdefault(service, "service")
    operations = node_stats(store, tenant, start, end, by_operation=True) if service in served else []
    entries = {name for name, s in served.items() if s.roots}
    nodes = []
    for name, kind in sorted(kinds.items()):
        stat = served.get(name) if kind == "service" else external.get(name)
        node = _node(name, kind, stat, minutes, entry=name in entries)
        if name == service:
            node.operations = [
                Operation(name=o.key[1], span_kind=o.key[2], requests=o.calls, errors=o.errors,
                          error_ratio=ratio(o.errors, o.calls), entry_requests=o.roots, p50_ms=o.p50_ms,
                          p95_ms=o.p95_ms, p99_ms=o.p99_ms,
                          traces=TraceLink.of(o.sample_trace, o.error_trace, o.slow_trace))
                for o in sorted(operations, key=lambda o: -o.calls) if o.key[0] == name
            ]  # fmt: skip
        nodes.append(node)
    return ServiceMap(tenant=tenant, start=start, end=end, service=service,
                      depth=depth if service else None, nodes=nodes, edges=edges)  # fmt: skip

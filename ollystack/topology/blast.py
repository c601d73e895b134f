"""Blast radius: who is hurt when a service, a database or one call between two of them is in trouble.

Why traces and not only the graph: the graph says *who could* be affected (every service that
reaches the trouble through calls); the traces of the window say *how much*: the share of each
entry point's requests, each upstream service's traffic and each endpoint's requests whose trace
actually reached the trouble. Upstream services come from the map (reverse reachability); the
shares from one pass over the window's spans grouped by trace.

Async hops are cut: a consumer's trace starts at the message, so a failing consumer's own entry
point is the queue consumer, not the web request that published the message (that request does
not wait for it). For an async edge the affected traces are those in which the producer published.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..store import Store
from ..store.tables import TRACES
from .derive import EXTERNAL_NAME
from .model import AffectedOperation, BlastRadius, EntryPoint, SLOAtRisk, UpstreamService, WatchedSLO, ratio
from .servicemap import build_map

_SYNTHETICS = "synthetics_runs"
_CLIENT = "SpanKind IN ('Client', 'Producer')"


def _hit_sql(target: str, edge: tuple[str, str, str] | None) -> tuple[str, str]:
    """(hit, hit with an error) aggregate expressions of one trace for the trouble."""
    if edge is None:
        own = f"(ServiceName = {{t:String}} OR ({_CLIENT} AND {EXTERNAL_NAME} = {{t:String}}))"
        return f"countIf({own}) > 0", f"countIf({own} AND StatusCode = 'Error') > 0"
    kind = edge[2]
    if kind == "async":
        own = "(ServiceName = {src:String} AND SpanKind = 'Producer')"
        return f"countIf({own}) > 0", f"countIf({own} AND StatusCode = 'Error') > 0"
    if kind != "sync":  # to a database, cache, queue or external API: the caller's client spans
        own = f"(ServiceName = {{src:String}} AND {_CLIENT} AND {EXTERNAL_NAME} = {{t:String}})"
        return f"countIf({own}) > 0", f"countIf({own} AND StatusCode = 'Error') > 0"
    callee = "ServiceName = {t:String} AND SpanKind IN ('Server', 'Consumer')"
    callers = "groupArrayIf(SpanId, ServiceName = {src:String})"
    return (
        f"hasAny({callers}, groupArrayIf(ParentSpanId, {callee}))",
        f"hasAny({callers}, groupArrayIf(ParentSpanId, {callee} AND StatusCode = 'Error'))",
    )


def _upstream(edges: Sequence[tuple[str, str]], start: set[str]) -> dict[str, tuple[int, set[str]]]:
    """Callers reaching `start`: name -> (distance, its callees on the way)."""
    callers: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        callers[b].add(a)
    out: dict[str, tuple[int, set[str]]] = {}
    queue = deque((s, 0) for s in start)
    seen = set(start)
    while queue:
        node, d = queue.popleft()
        for c in callers[node]:
            if c in seen:
                if c in out and out[c][0] == d + 1:
                    out[c][1].add(node)
                continue
            seen.add(c)
            out[c] = (d + 1, {node})
            queue.append((c, d + 1))
    return out


def blast_radius(store: Store, tenant: str, target: str, start: datetime, end: datetime,
                 source: str | None = None) -> BlastRadius:  # fmt: skip
    """Who the trouble at `target` (a node), or on the call `source` → `target`, reaches in
    [start, end). Raises LookupError when the map of the window has no such node or edge."""
    smap = build_map(store, tenant, start, end)
    pairs = [(e.source, e.target) for e in smap.edges]
    if source is None:
        if smap.node(target) is None:
            raise LookupError(f"{target} is not on the map between {start:%Y-%m-%d %H:%M} and {end:%H:%M}")
        edge, roots, label = None, {target}, target
    else:
        found = smap.edge(source, target)
        if found is None:
            raise LookupError(f"no calls from {source} to {target} between {start:%Y-%m-%d %H:%M} and {end:%H:%M}")
        edge, roots, label = (source, target, found.kind), {source}, f"{source}->{target}"
    upstream = _upstream(pairs, roots)
    if edge is not None:  # the caller of a troubled call is hurt first
        upstream[source] = (0, {target})  # type: ignore[index]
    rows = _trace_shares(store, tenant, start, end, target, edge)
    traces = sum(r["traces"] for r in rows if r["level"] == "entry")
    trouble = sum(r["affected"] for r in rows if r["level"] == "entry")
    entries = [
        EntryPoint(kind=r["kind"], service=r["service"], name=r["name"], requests=r["traces"], affected=r["affected"],
                   affected_errors=r["errors"], share=ratio(r["affected"], r["traces"]),
                   of_trouble=ratio(r["affected"], trouble))
        for r in rows if r["level"] == "entry" and r["affected"] and r["service"]
    ]  # fmt: skip
    by_service = {r["service"]: r for r in rows if r["level"] == "service"}
    ups = []
    for name, (d, via) in upstream.items():
        seen = by_service.get(name, {})
        n, hit = seen.get("traces", 0), seen.get("affected", 0)
        ups.append(UpstreamService(name=name, distance=d, via=sorted(via), requests=n, affected=hit,
                                   share=ratio(hit, n)))  # fmt: skip
    reached = set(upstream) | ({target} if edge is None else set())
    ops = [
        AffectedOperation(service=r["service"], operation=r["name"], route=r["route"], requests=r["traces"],
                          affected=r["affected"], share=ratio(r["affected"], r["traces"]))
        for r in rows if r["level"] == "op" and r["affected"] and r["service"] in reached
    ]  # fmt: skip
    return BlastRadius(tenant=tenant, target=label, target_kind="node" if edge is None else "edge",
                       start=smap.start, end=smap.end, traces=traces, affected_traces=trouble,
                       upstream=sorted(ups, key=lambda u: (u.distance, -u.affected, u.name)),
                       entry_points=sorted(entries, key=lambda e: (-e.affected, e.service, e.name)),
                       operations=sorted(ops, key=lambda o: (-o.affected, o.service, o.operation)))  # fmt: skip


def _trace_shares(store: Store, tenant: str, start: datetime, end: datetime, target: str,
                  edge: tuple[str, str, str] | None) -> list[dict[str, Any]]:  # fmt: skip
    """Per entry point, service and operation: traces in the window and how many reached the trouble."""
    db = store.options.database
    hit, hit_error = _hit_sql(target, edge)
    params: dict[str, Any] = {"t": target, "lo": start.astimezone(UTC), "hi": end.astimezone(UTC)}
    if edge is not None:
        params["src"] = edge[0]
    root = "ParentSpanId = '' AND empty(`Links.SpanId`)"
    page = "path(if(SpanAttributes['url.full'] != '', SpanAttributes['url.full'], SpanAttributes['http.url']))"
    rows = store.scope(tenant).rows(
        f"""
        SELECT tag.1 AS level, tag.2 AS kind, tag.3 AS service, tag.4 AS name, tag.5 AS route,
               count() AS traces, countIf(hit) AS affected, countIf(hit_error) AS errors
        FROM (
            SELECT t.*, s.canary AS canary
            FROM (
                SELECT TraceId,
                       argMinIf(tuple(ServiceName, SpanName, SpanKind, ResourceAttributes['telemetry.sdk.language'],
                                      {page}), Timestamp, {root}) AS r,
                       countIf({root}) > 0 AS rooted,
                       argMinIf(ServiceName, Timestamp, ParentSpanId = '' AND SpanKind = 'Consumer') AS consumer,
                       argMinIf(SpanName, Timestamp, ParentSpanId = '' AND SpanKind = 'Consumer') AS consumed,
                       groupUniqArray(ServiceName) AS services,
                       groupUniqArrayIf(tuple(ServiceName, SpanName, SpanAttributes['http.route']),
                                        SpanKind IN ('Server', 'Consumer')) AS ops,
                       {hit} AS hit, {hit_error} AS hit_error
                FROM {db}.{TRACES}
                WHERE TenantId = {{tenant:String}}
                  AND Timestamp >= {{lo:DateTime64(9)}} AND Timestamp < {{hi:DateTime64(9)}}
                GROUP BY TraceId
            ) AS t
            LEFT JOIN (
                SELECT TraceId, any(CanaryName) AS canary FROM {db}.{_SYNTHETICS}
                WHERE TenantId = {{tenant:String}} AND Timestamp >= {{lo:DateTime64(9)}} - INTERVAL 10 MINUTE
                  AND Timestamp < {{hi:DateTime64(9)}} AND TraceId != ''
                GROUP BY TraceId
            ) AS s ON t.TraceId = s.TraceId
        )
        ARRAY JOIN arrayConcat(
            [multiIf(canary != '', ('entry', 'synthetic', r.1, canary, ''),
                     rooted AND r.4 = 'webjs', ('entry', 'rum', r.1, if(r.5 != '', r.5, r.2), ''),
                     rooted, ('entry', 'endpoint', r.1, r.2, ''),
                     consumer != '', ('entry', 'consumer', consumer, consumed, ''),
                     ('entry', '', '', '', ''))],
            arrayMap(x -> ('service', '', x, '', ''), services),
            arrayMap(o -> ('op', '', o.1, o.2, o.3), ops)) AS tag
        GROUP BY level, kind, service, name, route
        """,
        params,
    )
    return [{**r, "traces": int(r["traces"]), "affected": int(r["affected"]), "errors": int(r["errors"])} for r in rows]


def slos_at_risk(radius: BlastRadius, slos: Sequence[WatchedSLO]) -> list[SLOAtRisk]:
    """The SLOs whose events reach the trouble: an SLO of an affected service (narrowed to its route
    or span names when it has them), or of a synthetic check that is an affected entry point."""
    out = []
    services = {u.name: u for u in radius.upstream}
    for slo in slos:
        if slo.check:
            hit = [e for e in radius.entry_points if e.kind == "synthetic" and e.name == slo.check]
            if hit:
                out.append(SLOAtRisk(name=slo.name, service=slo.service, share=hit[0].share,
                                     why=f"its synthetic check {slo.check} reaches {radius.target}"))  # fmt: skip
            continue
        ops = [o for o in radius.operations if o.service == slo.service]
        if slo.route or slo.span_names:
            ops = [o for o in ops if (slo.route and o.route == slo.route) or o.operation in slo.span_names]
            if ops:
                affected, total = sum(o.affected for o in ops), sum(o.requests for o in ops)
                what = slo.route or ", ".join(slo.span_names)
                out.append(SLOAtRisk(name=slo.name, service=slo.service, share=ratio(affected, total),
                                     why=f"{slo.service} {what} reaches {radius.target}"))  # fmt: skip
            continue
        if slo.service in services or ops:
            up = services.get(slo.service)
            share = up.share if up else ratio(sum(o.affected for o in ops), sum(o.requests for o in ops))
            why = (f"{slo.service} is {radius.target}" if radius.target == slo.service else
                   f"{slo.service} calls {radius.target}" + (f" through {', '.join(up.via)}" if up and up.distance > 1
                                                              else ""))  # fmt: skip
            out.append(SLOAtRisk(name=slo.name, service=slo.service, share=share, why=why))
    return sorted(out, key=lambda s: (-(s.share or 0), s.name))

"""Edge and node statistics over any window: stored minutes plus the spans not derived yet.

Why both: the updater stores only time that is a couple of minutes old, so a map of "the last
15 minutes" needs the newest minutes live. Stored states and the same SELECTs over the raw spans
(`derive.py`) are merged in one query, so percentiles over the window come from every call,
never from averaged minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..store import Store
from .derive import QUANTILES, edge_states, node_states, range_params

EDGES = "topology_edge_minutes"
NODES = "topology_node_minutes"
WATERMARKS = "topology_watermarks"
_EDGE_KEYS = ("Source", "Target", "EdgeKind", "TargetKind")
_NODE_KEYS = ("Service", "Operation", "SpanKind")
_MERGED = (f"sum(Errors), quantilesTDigestMerge({QUANTILES})(Latency), any(SampleTrace), max(ErrorTrace), "
           "argMaxMerge(SlowTrace)")  # fmt: skip


@dataclass(frozen=True)
class Watermark:
    """The stored map covers spans in [measured_from, measured_to)."""

    measured_from: datetime
    measured_to: datetime


@dataclass(frozen=True)
class Stat:
    """Calls (or requests served) of one edge or node in one bucket of time."""

    key: tuple[str, ...]
    bucket: datetime | None
    calls: int
    errors: int
    roots: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    sample_trace: str
    error_trace: str
    slow_trace: str


def read_watermark(store: Store, tenant: str) -> Watermark | None:
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT argMax(MeasuredFrom, UpdatedAt), argMax(MeasuredTo, UpdatedAt), count()
            FROM {store.options.database}.{WATERMARKS} WHERE TenantId = {{tenant:String}}"""
        )
        .result_rows
    )
    if not rows or not rows[0][2]:
        return None
    return Watermark(rows[0][0].replace(tzinfo=UTC), rows[0][1].replace(tzinfo=UTC))


def _ceil_minute(t: datetime) -> datetime:
    floor = t.replace(second=0, microsecond=0)
    return floor if floor == t else floor + timedelta(minutes=1)


def pieces(mark: Watermark | None, start: datetime, end: datetime
           ) -> tuple[tuple[datetime, datetime] | None, list[tuple[datetime, datetime]]]:  # fmt: skip
    """The stored part of [start, end) (whole minutes inside the watermark) and the raw parts."""
    if mark is not None:
        lo = max(_ceil_minute(start), mark.measured_from)
        hi = min(end.replace(second=0, microsecond=0), mark.measured_to)
        if lo < hi:
            return (lo, hi), [(a, b) for a, b in ((start, lo), (hi, end)) if b > a]
    return None, [(start, end)] if end > start else []


def _stats(store: Store, tenant: str, nodes: bool, start: datetime, end: datetime, group: tuple[str, ...],
           bucket: timedelta | None, where: str, params: dict[str, Any]) -> list[Stat]:  # fmt: skip
    db = store.options.database
    table, keys, count = (NODES, _NODE_KEYS, "Requests") if nodes else (EDGES, _EDGE_KEYS, "Calls")
    roots = "Roots" if nodes else "0"
    cols = f"Minute, {', '.join(keys)}, {count} AS n, Errors, {roots} AS r, Latency, SampleTrace, ErrorTrace, SlowTrace"
    stored, raw = pieces(read_watermark(store, tenant), start, end)
    parts, params = [], dict(params)
    if stored is not None:
        parts.append(f"SELECT {cols} FROM {db}.{table} WHERE TenantId = {{tenant:String}} "
                     "AND Minute >= {s_lo:DateTime} AND Minute < {s_hi:DateTime}")  # fmt: skip
        params |= {"s_lo": stored[0], "s_hi": stored[1]}
    for i, (a, b) in enumerate(raw):
        sql = node_states(db, str(i)) if nodes else edge_states(db, str(i))
        parts.append(f"SELECT {cols} FROM ({sql})")
        params |= range_params(str(i), a, b)
    if not parts:
        return []
    union = " UNION ALL ".join(f"SELECT * FROM ({p})" for p in parts)
    when = f"toStartOfInterval(Minute, INTERVAL {int(bucket.total_seconds())} SECOND)" if bucket else "NULL"
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT {when} AS Bucket, {", ".join(group)}, sum(n), sum(r), {_MERGED}
            FROM ({union}) WHERE {where}
            GROUP BY Bucket, {", ".join(group)} ORDER BY Bucket, {", ".join(group)}""",
            params,
        )
        .result_rows
    )
    out = []
    k = len(group)
    for r in rows:
        q = list(r[k + 4]) or [0.0, 0.0, 0.0]
        out.append(Stat(key=tuple(str(x) for x in r[1 : k + 1]), bucket=r[0].replace(tzinfo=UTC) if r[0] else None,
                        calls=int(r[k + 1]), roots=int(r[k + 2]), errors=int(r[k + 3]),
                        p50_ms=_num(q[0]), p95_ms=_num(q[1]), p99_ms=_num(q[2]), sample_trace=r[k + 5] or "",
                        error_trace=r[k + 6] or "", slow_trace=r[k + 7] or ""))  # fmt: skip
    return out


def _num(x: float) -> float:
    return 0.0 if math.isnan(x) else round(float(x), 3)  # NaN when nothing was measured


def edge_stats(store: Store, tenant: str, start: datetime, end: datetime, bucket: timedelta | None = None,
               where: str = "1", params: dict[str, Any] | None = None, group: tuple[str, ...] = _EDGE_KEYS
               ) -> list[Stat]:  # fmt: skip
    """Per edge (key: source, target, edge kind, target kind; or the `group` columns), per `bucket`
    of time or overall."""
    return _stats(store, tenant, False, start, end, group, bucket, where, params or {})


def node_stats(store: Store, tenant: str, start: datetime, end: datetime, bucket: timedelta | None = None,
               by_operation: bool = False, where: str = "1", params: dict[str, Any] | None = None
               ) -> list[Stat]:  # fmt: skip
    """Per service (key: service), or per operation (key: service, operation, span kind)."""
    group = _NODE_KEYS if by_operation else ("Service",)
    return _stats(store, tenant, True, start, end, group, bucket, where, params or {})

"""Service map speed: the map built over 10 million spans, and one incremental update.

The spans are the simulated shop's request shapes (the same 30 edges: synchronous calls, a queue
with its consumer linked across traces, a database, a cache, two external APIs), made by the engine
in the store, spread over 30 days. Timed in one run: the full build (every span derived into the
stored per-minute edge and node states, in bounded chunks), the map over all 30 days read from them,
the same map computed in one query from the raw spans with nothing stored, one incremental update
(a new minute of spans arrives; the updater derives it, and counts the hours of the day whose
partition changed, looking for late spans), the incremental update with nothing new, and as the
reference a plain `count()` over the same spans.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ollystack.store import Store
from ollystack.topology import TopologyUpdater, build_map
from ollystack.topology.stored import edge_stats

PG = {"db.system": "postgresql", "server.address": "postgres", "db.operation.name": "SELECT"}
REDIS = {"db.system": "redis", "server.address": "redis"}
QUEUE = {"messaging.system": "kafka", "server.address": "orders-queue", "messaging.destination.name": "orders"}


def S(parent: int, service: str, name: str, kind: str = "Server", ms: float = 5.0,
      attrs: dict[str, str] | None = None, async_trace: int = 0, link: int = 0) -> tuple[Any, ...]:  # fmt: skip
    """One span of a request shape: its parent's position (0: root), what it is, its median duration,
    whether it belongs to the consumer's trace, and which producer span it links to."""
    return (parent, service, name, kind, attrs or {}, ms, async_trace, link)


#: (weight, spans) of each request shape; a span's parent is given by its 1-based position
SHAPES = [
    (4, [S(0, "web-frontend", "GET /", ms=40), S(1, "api-gateway", "GET /api/products", ms=30),
         S(2, "auth", "POST /verify", ms=2), S(3, "auth", "GET session", "Client", 0.6, REDIS),
         S(2, "search", "GET /products", ms=20), S(5, "search", "SELECT products", "Client", 4, PG),
         S(1, "recommendations", "GET /api/recs", ms=30), S(7, "recommendations", "GET recs", "Client", 0.6, REDIS),
         S(7, "recommendations", "SELECT orders", "Client", 4, PG)]),
    (5, [S(0, "web-frontend", "GET /product/{id}", ms=20), S(1, "api-gateway", "GET /api/products/{id}", ms=15),
         S(2, "inventory", "GET /stock/{sku}", ms=4), S(3, "inventory", "GET stock", "Client", 0.6, REDIS),
         S(2, "search", "GET /products/{id}", ms=6), S(5, "search", "GET product", "Client", 0.6, REDIS)]),
    (1, [S(0, "web-frontend", "POST /checkout", ms=250), S(1, "api-gateway", "POST /api/checkout", ms=240),
         S(2, "checkout", "POST /orders", ms=230), S(3, "cart", "GET /cart", ms=3),
         S(4, "cart", "HGETALL cart", "Client", 0.6, REDIS), S(3, "inventory", "POST /reserve", ms=10),
         S(6, "inventory", "UPDATE stock", "Client", 4, PG), S(3, "payments", "POST /charge", ms=200),
         S(8, "payments", "INSERT payments", "Client", 4, PG),
         S(8, "payments", "POST /v1/charges", "Client", 180, {"peer.service": "stripe-api"}),
         S(3, "checkout", "INSERT orders", "Client", 4, PG),
         S(3, "checkout", "publish order.created", "Producer", 1.5, QUEUE),
         S(0, "shipping", "process order.created", "Consumer", 30, async_trace=1, link=12),
         S(13, "shipping", "INSERT shipments", "Client", 4, PG, async_trace=1),
         S(13, "notifications", "POST /notify", ms=8, async_trace=1),
         S(15, "notifications", "publish notification.sent", "Producer", 1.5, QUEUE, async_trace=1)]),
    (2, [S(0, "web-frontend", "POST /cart", ms=12), S(1, "api-gateway", "POST /api/cart", ms=10),
         S(2, "cart", "POST /cart/items", ms=6), S(3, "cart", "HSET cart", "Client", 0.6, REDIS),
         S(3, "inventory", "GET /stock/{sku}", ms=4), S(5, "inventory", "GET stock", "Client", 0.6, REDIS)]),
    (3, [S(0, "web-frontend", "GET /search", ms=30), S(1, "api-gateway", "GET /api/search", ms=28),
         S(2, "search", "GET /search", ms=25), S(3, "search", "SELECT products", "Client", 4, PG)]),
    (1, [S(0, "web-frontend", "POST /assistant", ms=900), S(1, "api-gateway", "POST /api/assistant", ms=890),
         S(2, "shopping-assistant", "POST /chat", ms=880), S(3, "search", "GET /search", ms=25),
         S(4, "search", "SELECT products", "Client", 4, PG),
         S(3, "shopping-assistant", "chat", "Client", 850, {"peer.service": "llm-api"})]),
]  # fmt: skip
EDGES = 30  # the simulated shop's edges, which these shapes make


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, dict):
        return "map(" + ", ".join(f"{_literal(k)}, {_literal(v)}" for k, v in value.items()) + ")" if value else \
            "map('', '')"  # fmt: skip
    return repr(value)


def _shapes_sql() -> tuple[str, str, float]:
    """Array literals of the shapes, the weighted index of shape per trace, mean spans per trace."""
    shapes = "[" + ", ".join("[" + ", ".join("(" + ", ".join(_literal(x) for x in s) + ")" for s in spans) + "]"
                             for _, spans in SHAPES) + "]"  # fmt: skip
    pick = "[" + ", ".join(str(i + 1) for i, (w, _) in enumerate(SHAPES) for _ in range(w)) + "]"
    mean = sum(w * len(spans) for w, spans in SHAPES) / sum(w for w, _ in SHAPES)
    return shapes, pick, mean


def generate(store: Store, spans: int, start: datetime, end: datetime, tenant: str = "default") -> tuple[int, float]:
    """About `spans` spans of whole traces over [start, end), made by the engine (traces, seconds)."""
    shapes, pick, mean = _shapes_sql()
    traces = int(spans / mean)
    t0 = time.perf_counter()
    _insert(store, 0, traces, start, end, traces, shapes, pick, tenant)
    return traces, time.perf_counter() - t0


def _insert(store: Store, lo: int, hi: int, start: datetime, end: datetime, total: int, shapes: str, pick: str,
            tenant: str) -> None:  # fmt: skip
    step_ns = int((end - start).total_seconds() * 1e9 / total)  # trace t starts (t - lo) steps after `start`
    chunk = 300_000
    for a in range(lo, hi, chunk):
        n = min(chunk, hi - a)
        store.client.command(f"""
INSERT INTO {store.options.database}.otel_traces
    (TenantId, Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes,
     SpanAttributes, Duration, StatusCode, `Links.TraceId`, `Links.SpanId`, `Links.TraceState`, `Links.Attributes`)
SELECT '{tenant}',
       fromUnixTimestamp64Nano(toInt64({int(start.timestamp() * 1e9)} + (t - {lo}) * {step_ns} + i * 1000000
                                      + s.7 * 40000000)),
       if(s.7 = 1, ctrace, trace), lower(hex(cityHash64(t, i))),
       if(s.1 = 0, '', lower(hex(cityHash64(t, s.1)))), s.3, s.4, s.2,
       map('service.name', s.2, 'service.version', '1.0.0'), mapFilter((k, v) -> k != '', s.5),
       toUInt64(1e6 * s.6 * exp(randNormal(0, 0.5))), if(cityHash64(t, i, 'e') % 1000 < 5, 'Error', 'Ok'),
       if(s.8 = 0, [], [trace]), if(s.8 = 0, [], [lower(hex(cityHash64(t, s.8)))]),
       if(s.8 = 0, [], ['']), if(s.8 = 0, [], [map('', '')])
FROM (
    SELECT number + {a} AS t,
           lower(concat(hex(cityHash64(t, 'trace')), hex(cityHash64(t, 'id')))) AS trace,
           lower(concat(hex(cityHash64(t, 'consumer')), hex(cityHash64(t, 'id')))) AS ctrace,
           {shapes}[{pick}[cityHash64(t, 'shape') % length({pick}) + 1]] AS shape
    FROM numbers({n})
)
ARRAY JOIN shape AS s, arrayEnumerate(shape) AS i""")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spans", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "topology.json")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ollystack-bench-topology-"))
    try:
        store = Store(f"chdb://{work / 'data'}")
        store.migrate()
        end = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        start = end - timedelta(days=args.days)
        traces, gen = generate(store, args.spans, start, end)
        rows = int(store.client.command("SELECT count() FROM otel_traces"))
        print(f"generated {rows:,} spans in {traces:,} traces over {args.days} days in {gen:.1f} s")

        def reference() -> float:
            sql = ("SELECT count() FROM otel_traces WHERE TenantId = {tenant:String} "
                   "AND Timestamp >= {a:DateTime64(9)} AND Timestamp < {b:DateTime64(9)}")  # fmt: skip
            return timed(lambda: store.scope("default").scalar(sql, {"a": start, "b": end}))[0]

        refs = [reference() for _ in range(3)]
        # one query over all raw spans, nothing stored: what every look would cost without the updater
        raw_s, raw = timed(lambda: edge_stats(store, "default", start, end))
        updater = TopologyUpdater(store, lookback=timedelta(days=args.days + 1))
        now = end + timedelta(minutes=2)
        build_s, report = timed(lambda: updater.update("default", now))
        map_s, smap = timed(lambda: build_map(store, "default", start, end))
        assert len(smap.edges) == EDGES, sorted((e.source, e.target) for e in smap.edges)
        assert {(s.key[0], s.key[1], s.calls) for s in raw} == {(e.source, e.target, e.calls) for e in smap.edges}
        hour_s, _ = timed(lambda: build_map(store, "default", end - timedelta(hours=1), end))
        # a new minute of spans arrives, then the service's next cycle derives it (three times)
        shapes, pick, _ = _shapes_sql()
        per_minute = max(1, int(traces / (args.days * 1440)))
        incremental, idle, chunks = [], [], []
        for k in range(3):
            lo = traces + k * per_minute
            minute = end + timedelta(minutes=k)
            _insert(store, lo, lo + per_minute, minute, minute + timedelta(minutes=1), per_minute, shapes, pick,
                    "default")  # fmt: skip
            inc_s, inc = timed(lambda k=k: updater.update("default", now + timedelta(minutes=k + 1)))
            incremental.append(inc_s)
            chunks.append(inc.chunks)
        for k in range(4, 8):
            idle.append(timed(lambda k=k: updater.update("default", now + timedelta(minutes=k)))[0])
        inc_s = statistics.median(incremental)
        assert chunks == [1, 1, 1], chunks  # each new minute was derived
        refs += [reference() for _ in range(2)]
        ref = statistics.median(refs)
        result = {
            "spans": rows,
            "traces": traces,
            "days": args.days,
            "edges": len(smap.edges),
            "full_build_s": round(build_s, 2),
            "full_build_chunks": report.chunks,
            "map_30d_from_stored_s": round(map_s, 3),
            "map_last_hour_s": round(hour_s, 3),
            "map_30d_raw_one_query_s": round(raw_s, 2),
            "incremental_update_s": round(inc_s, 3),
            "incremental_updates_s": [round(x, 3) for x in incremental],
            "incremental_update_chunks": chunks,
            "new_minute_spans": int(per_minute * (rows / traces)),
            "idle_update_s": round(statistics.median(idle), 3),
            "reference_count_s": round(ref, 4),
            "ratio_full_build_to_count": round(build_s / ref, 1),
            "ratio_incremental_to_count": round(inc_s / ref, 2),
            "ratio_map_30d_to_count": round(map_s / ref, 2),
        }
        store.close()
        print(f"service map over {rows:,} spans ({len(smap.edges)} edges), {args.days} days")
        print(f"  full build (derive every span, {report.chunks} chunks): {build_s:.2f} s "
              f"({build_s / ref:.0f}x the count)")  # fmt: skip
        print(f"  map over the {args.days} days from the stored states: {map_s:.3f} s ({map_s / ref:.1f}x)")
        print(f"  map over the last hour: {hour_s:.3f} s")
        print(f"  the same {args.days}-day map from raw spans in one query (nothing stored): {raw_s:.2f} s")
        print(f"  incremental update (one new minute, {result['new_minute_spans']} spans, derived; its day's "
              f"hours counted; median of 3): {inc_s:.3f} s ({inc_s / ref:.1f}x the count)")  # fmt: skip
        print(f"  update with nothing new: {result['idle_update_s']:.3f} s")
        print(f"  reference: count() over the same spans: {ref:.3f} s")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""SLO evaluation speed: 100 SLOs over 30 days of 10 million spans.

Prints the first (cold) cycle, which measures every minute of every SLO's window, the steady
cycle the service runs every 30 s (new minutes measured, all 100 SLOs evaluated over their full
windows, alerts decided), one SLO evaluated over its 30-day window, and in the same run the time
of a plain `count()` over the same rows as the reference.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ollystack.signals import Collect
from ollystack.simulate.clock import VirtualClock
from ollystack.slo import Registry, parse_text
from ollystack.slo.evaluator import Evaluator, evaluate
from ollystack.store import Store

SERVICES = ["web-frontend", "api-gateway", "auth", "search", "cart", "checkout", "payments", "inventory", "shipping",
            "recommendations", "notifications", "assistant"]  # fmt: skip
ROUTES = ["/api/a", "/api/b", "/api/c", "/api/d"]
STATES = ("OK", "WARNING", "BREACHED", "INSUFFICIENT_DATA")


def generate(store: Store, spans: int, start: datetime, end: datetime) -> float:
    """Spans spread evenly over [start, end), made by the engine itself (seconds taken)."""
    step_ns = int((end - start).total_seconds() * 1e9 / spans)
    t0 = time.perf_counter()
    chunk = 2_000_000
    for lo in range(0, spans, chunk):
        n = min(chunk, spans - lo)
        store.client.command(f"""
INSERT INTO {store.options.database}.otel_traces
    (TenantId, Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes,
     Duration, StatusCode)
SELECT 'default',
       fromUnixTimestamp64Nano(toInt64({int(start.timestamp() * 1e9)} + (number + {lo}) * {step_ns})),
       hex(cityHash64(number + {lo}, 'trace')), hex(cityHash64(number + {lo}, 'span')),
       concat('GET ', route), if(cityHash64(number + {lo}, 'kind') % 5 = 0, 'Client', 'Server'), service,
       map('service.name', service), map('http.route', route, 'http.response.status_code', if(err, '500', '200')),
       toUInt64(1e6 * 40 * exp(randNormal(0, 0.7))),
       if(err, 'Error', 'Ok')
FROM (
    SELECT number,
           {SERVICES}[cityHash64(number + {lo}, 's') % {len(SERVICES)} + 1] AS service,
           {ROUTES}[cityHash64(number + {lo}, 'r') % {len(ROUTES)} + 1] AS route,
           cityHash64(number + {lo}, 'e') % 10000 < 8 AS err
    FROM numbers({n})
)""")
    return time.perf_counter() - t0


def definitions() -> str:
    """100 SLOs across the services: error rate, availability per route, latency, timeslices, calendar."""
    docs = []
    for s in SERVICES:
        docs.append(f"name: {s}-errors\nservice: {s}\ntarget: 99.9\nwindow: 30d\nsli: {{type: error_rate}}")
        docs.append(f"name: {s}-latency\nservice: {s}\ntarget: 99\nwindow: 30d\n"
                    f"sli: {{type: latency, threshold: 300ms}}")  # fmt: skip
        docs.append(
            f"name: {s}-monthly\nservice: {s}\ntarget: 99.5\n"
            f"window: {{type: calendar, unit: month, timezone: Europe/Paris}}\nsli: {{type: availability}}"
        )
        docs.append(f"name: {s}-p99\nservice: {s}\ntarget: 99\nwindow: 30d\nbudgeting: timeslices\n"
                    f"sli: {{type: latency, threshold: 500ms, percentile: 99}}")  # fmt: skip
        for r in ROUTES:
            docs.append(f"name: {s}-{r.rsplit('/', 1)[1]}-availability\nservice: {s}\ntarget: 99.5\nwindow: 30d\n"
                        f"sli: {{type: availability, route: {r}, errors: http_5xx}}")  # fmt: skip
    for s in SERVICES[:4]:
        docs.append(f"name: {s}-a-latency\nservice: {s}\ntarget: 95\nwindow: 7d\n"
                    f"sli: {{type: latency, threshold: 100ms, route: /api/a}}")  # fmt: skip
    return "\n---\n".join(docs[:100])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spans", type=int, default=10_000_000)
    ap.add_argument("--slos", type=int, default=100)
    ap.add_argument("--cycles", type=int, default=5, help="steady cycles to time")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "slo.json")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ollystack-bench-slo-"))
    try:
        store = Store(f"chdb://{work / 'data'}")
        store.migrate()
        end = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        start = end - timedelta(days=30)
        gen = generate(store, args.spans, start, end)
        rows = store.client.command("SELECT count() FROM otel_traces")
        print(f"generated {int(rows):,} spans over 30 days in {gen:.1f} s")

        def reference() -> float:
            t = time.perf_counter()
            store.scope("default").scalar(
                "SELECT count() FROM otel_traces WHERE TenantId = {tenant:String} "
                "AND Timestamp >= {a:DateTime64(9)} AND Timestamp < {b:DateTime64(9)}",
                {"a": start, "b": end},
            )
            return time.perf_counter() - t

        slos = parse_text(definitions())[: args.slos]
        registry = Registry(store)
        for slo in slos:
            registry.save(slo, "bench")
        clock = VirtualClock(end.timestamp())
        ev = Evaluator(store, clock, [Collect()])
        t = time.perf_counter()
        statuses = ev.cycle()
        cold = time.perf_counter() - t
        steady, refs = [], []
        for _ in range(args.cycles):
            clock.advance(30)
            refs.append(reference())
            t = time.perf_counter()
            ev.cycle()
            steady.append(time.perf_counter() - t)
        t = time.perf_counter()
        evaluate(store, slos[0], datetime.fromtimestamp(clock.now(), UTC), ev.measurer)
        single = time.perf_counter() - t
        ref = statistics.median(refs)
        cycle = statistics.median(steady)
        result = {
            "spans": int(rows),
            "slos": len(slos),
            "cold_cycle_s": round(cold, 3),
            "steady_cycle_s": round(cycle, 3),
            "steady_cycles_s": [round(x, 3) for x in steady],
            "one_slo_30d_s": round(single, 4),
            "reference_count_s": round(ref, 4),
            "ratio_steady_to_count": round(cycle / ref, 2),
            "ratio_cold_to_count": round(cold / ref, 2),
            "statuses": {k: sum(1 for s in statuses if s.status.value == k) for k in STATES},
        }
        store.close()
        print(f"{len(slos)} SLOs, 30-day windows, {int(rows):,} spans")
        print(f"  cold cycle (measures every minute of every window): {cold:.2f} s ({cold / ref:.1f}x the count)")
        print(f"  steady cycle (new minutes + all {len(slos)} SLOs evaluated): {cycle:.3f} s "
              f"({cycle / ref:.2f}x the count)")  # fmt: skip
        print(f"  one SLO over its 30-day window: {single * 1000:.0f} ms")
        print(f"  reference: count() over the same 30 days of spans: {ref:.3f} s")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

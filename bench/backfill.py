"""Backfill speed: how long the simulator takes to send N days of shop history as OTLP.

Run by `make bench` (with --days 14 it checks issue 3's target: two weeks in under five minutes).
Starts `ollystack serve` on a fresh embedded store, backfills in virtual time through the SDK's
OTLP exporters, and prints data time per wall second plus what landed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ollystack.launch import launch
from ollystack.simulate.runner import SimSpec, backfill_parallel
from ollystack.store import Store


def main() -> None:  # a __main__ guard is required: the producing processes are spawned
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=1.0)
    ap.add_argument("--rps", type=float, default=0.2, help="mean user requests per second")
    ap.add_argument("--processes", type=int, default=2, help="producing processes")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "backfill.json")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ollystack-backfill-"))
    try:
        child = launch(work / "data", {"OLLYSTACK_LOG_LEVEL": "warning"})
        end = time.time() // 60 * 60
        endpoint = f"http://127.0.0.1:{child.otlp_http}"
        spec = SimSpec(seed=0, rps=args.rps)
        progress = backfill_parallel(spec, endpoint, end - args.days * 86_400, end, processes=args.processes)
        child.proc.terminate()
        child.proc.wait(120)
        store = Store(f"chdb://{work / 'data'}")
        try:
            spans = store.client.query("SELECT count() FROM otel_traces").result_rows[0][0]
        finally:
            store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "days": args.days,
        "rps": args.rps,
        "processes": args.processes,
        "seconds": round(progress.seconds, 1),
        "requests": progress.requests,
        "spans": progress.spans,
        "logs": progress.logs,
        "spans_stored": spans,
        "seconds_per_14_days": round(progress.seconds * 14 / args.days),
    }
    print(f"backfilled {args.days:g} days of shop history ({args.rps} requests/s): {progress.requests:,} requests, "
          f"{progress.spans:,} spans, {progress.logs:,} log records in {progress.seconds:.0f} s "
          f"-> 14 days would take {result['seconds_per_14_days']} s (target: under 300 s)")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Ingest throughput: OTLP/HTTP end to end against a raw `client.insert` of the same rows.

Run by `make bench`. Starts `ollystack serve` on a fresh embedded store, sends pre-encoded
protobuf requests of 512 items from 4 concurrent senders (each waits for its acknowledgement,
which comes only after the commit), then stops the service, reads the stored rows back and times
clickhouse-connect's column-oriented `client.insert` of exactly those rows into a copy of the
table. Prints both rates and their ratio, and the service's peak RSS; writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.payloads import log_request, trace_request
from ollystack.launch import launch
from ollystack.store import Store

TABLES = {"traces": "otel_traces", "logs": "otel_logs"}


def start_service(data_dir: Path) -> tuple[subprocess.Popen[str], int, int]:
    child = launch(data_dir, {"OLLYSTACK_LOG_LEVEL": "warning"})
    return child.proc, child.otlp_http, child.api


class PeakRss:
    """Polls a process's resident set size; `peak` is the largest seen."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except psutil.Error:
                return

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def send_all(port: int, signal: str, bodies: list[bytes], senders: int) -> float:
    """Send every body from `senders` threads; returns the wall time until the last ack."""
    url = f"http://127.0.0.1:{port}/v1/{signal}"
    headers = {"Content-Type": "application/x-protobuf"}
    queue = list(reversed(bodies))
    lock = threading.Lock()
    errors: list[str] = []

    def worker() -> None:
        with httpx.Client(timeout=60) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                resp = client.post(url, content=body, headers=headers)
                if resp.status_code != 200:
                    errors.append(f"{resp.status_code} {resp.text[:200]}")
                    return

    threads = [threading.Thread(target=worker) for _ in range(senders)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    return elapsed


def batch_stats(api_port: int) -> dict[str, tuple[float, float]]:
    """Per signal: (batches committed, items committed) so far, from the service's /metrics."""
    text = httpx.get(f"http://127.0.0.1:{api_port}/metrics", timeout=10).text
    out: dict[str, list[float]] = {}
    for line in text.splitlines():
        m = re.match(r'ollystack_ingest_batch_items_(count|sum)\{signal="(\w+)"\} (\S+)', line)
        if m:
            out.setdefault(m.group(2), [0.0, 0.0])[0 if m.group(1) == "count" else 1] = float(m.group(3))
    return {k: (v[0], v[1]) for k, v in out.items()}


def raw_insert_rate(store: Store, table: str, batch_rows: int) -> tuple[float, int]:
    """Rows/s of clickhouse-connect's column-oriented insert of the rows the service stored."""
    client = store.client
    result = client.query(f"SELECT * FROM {table}", column_oriented=True)
    names, columns = result.column_names, result.result_columns
    total = len(columns[0])
    copy = f"bench_raw_{table}"
    for stmt in (
        f"DROP VIEW IF EXISTS {copy}_tid_mv",
        f"DROP TABLE IF EXISTS {copy}_tid",
        f"DROP TABLE IF EXISTS {copy}",
    ):
        client.command(stmt)
    client.command(f"CREATE TABLE {copy} AS {table}")
    if table == "otel_traces":  # the service also maintains the trace-id lookup: so does the baseline
        client.command(f"CREATE TABLE {copy}_tid AS otel_traces_trace_id_ts")
        client.command(
            f"CREATE MATERIALIZED VIEW {copy}_tid_mv TO {copy}_tid AS SELECT TenantId, TraceId, "
            f"min(toDateTime(Timestamp)) AS Start, max(toDateTime(Timestamp)) AS End FROM {copy} "
            "WHERE TraceId != '' GROUP BY TenantId, TraceId"
        )
    insertable = [n for n in names if n != "TimestampTime"]  # a DEFAULT column, computed on insert
    cols = [columns[names.index(n)] for n in insertable]
    started = time.perf_counter()
    for lo in range(0, total, batch_rows):
        client.insert(copy, [c[lo : lo + batch_rows] for c in cols], column_names=insertable, column_oriented=True)
    elapsed = time.perf_counter() - started
    stored = client.query(f"SELECT count() FROM {copy}").result_rows[0][0]
    assert stored == total, (stored, total)
    return total / elapsed, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=300, help="requests per signal")
    ap.add_argument("--items", type=int, default=512, help="items per request")
    ap.add_argument("--senders", type=int, default=4)
    ap.add_argument("--raw-batch", type=int, default=50_000, help="rows per raw client.insert")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ingest.json")
    args = ap.parse_args()

    builders = {"traces": trace_request, "logs": log_request}
    payloads = {
        signal: [build(args.items, seed).SerializeToString() for seed in range(args.requests)]
        for signal, build in builders.items()
    }
    work = Path(tempfile.mkdtemp(prefix="ollystack-bench-"))
    results: dict[str, object] = {
        "items_per_request": args.items,
        "senders": args.senders,
        "requests_per_signal": args.requests,
        "cpu_count": os.cpu_count(),
    }
    try:
        proc, port, api_port = start_service(work / "data")
        rss = PeakRss(proc.pid)
        # warm-up: first inserts pay for part creation and caches
        send_all(port, "traces", payloads["traces"][:8], args.senders)
        send_all(port, "logs", payloads["logs"][:8], args.senders)
        e2e, mean_batch = {}, {}
        for signal in builders:
            before = batch_stats(api_port).get(signal, (0.0, 0.0))
            elapsed = send_all(port, signal, payloads[signal], args.senders)
            e2e[signal] = args.requests * args.items / elapsed
            after = batch_stats(api_port)[signal]
            mean_batch[signal] = round((after[1] - before[1]) / max(after[0] - before[0], 1))
        proc.terminate()
        proc.wait(60)
        results["service_peak_rss_mib"] = round(rss.stop() / 2**20)
        store = Store(f"chdb://{work / 'data'}")
        try:
            for signal, table in TABLES.items():
                raw, rows = raw_insert_rate(store, table, args.raw_batch)
                raw_same, _ = raw_insert_rate(store, table, mean_batch[signal])
                results[signal] = {
                    "end_to_end_per_s": round(e2e[signal]),
                    "raw_insert_per_s": round(raw),
                    "ratio": round(e2e[signal] / raw, 3),
                    "service_mean_batch": mean_batch[signal],
                    "raw_insert_same_batch_per_s": round(raw_same),
                    "ratio_same_batch": round(e2e[signal] / raw_same, 3),
                    "rows_compared": rows,
                }
        finally:
            store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    unit = {"traces": "spans", "logs": "log records"}
    print(f"OTLP/HTTP protobuf, {args.items} items/request, {args.senders} concurrent senders, "
          f"ack after commit; raw = client.insert of the same rows, {args.raw_batch:,} rows/insert")  # fmt: skip
    for signal in builders:
        r = results[signal]
        assert isinstance(r, dict)
        print(f"{signal:7s} end-to-end {r['end_to_end_per_s']:>9,} {unit[signal]}/s   "
              f"raw insert {r['raw_insert_per_s']:>9,} rows/s   ratio {r['ratio']:.2f}")  # fmt: skip
        print(f"{'':7s} service's mean batch {r['service_mean_batch']:,} items; raw insert at that batch size "
              f"{r['raw_insert_same_batch_per_s']:,} rows/s, ratio {r['ratio_same_batch']:.2f}")  # fmt: skip
    print(f"service peak RSS {results['service_peak_rss_mib']} MiB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

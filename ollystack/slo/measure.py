"""Incremental per-minute measurements: what makes a 30-day window cheap to evaluate.

Each SLI is measured minute by minute into `slo_measurements`, and a watermark remembers how far.
Minutes younger than `lateness` (late spans may still arrive) and the minute in progress are
never stored: they are counted from the raw telemetry at evaluation time, so alerts see the
latest seconds and every stored minute is final.

Rows can still arrive for a stored minute (a backfill, a Collector retrying for an hour). Each
source key (a service's spans, a metric, a synthetic check) keeps the row count per minute seen
when its SLIs were measured (`slo_source_counts`); every cycle compares hourly sums of those with
the raw tables over the reconcile horizon, and measures a changed hour again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..store import Store
from . import sli_sql
from .model import SLO
from .windows import MINUTE, as_utc, floor_minute, window_span

MEASUREMENTS = "slo_measurements"
WATERMARKS = "slo_watermarks"
SOURCE_COUNTS = "slo_source_counts"
HOUR = timedelta(hours=1)
#: source table -> (time column, key column)
SOURCES = {
    "otel_traces": ("Timestamp", "ServiceName"),
    "otel_metrics_sum": ("TimeUnix", "MetricName"),
    "otel_metrics_histogram": ("TimeUnix", "MetricName"),
    "synthetics_runs": ("Timestamp", "CanaryName"),
}
#: cumulative counters need the point before a range starts to know its first increment
COUNTER_LOOKBACK = timedelta(hours=1)


def lookback_start(slo: SLO, at: datetime) -> datetime:
    """The oldest minute an evaluation at `at` needs: the window's start or the longest alert window."""
    span = window_span(slo.window, at)
    longest = max((r.long_window for r in slo.alerts), default=timedelta(0))
    return floor_minute(min(span.start, as_utc(at) - longest))


def source_keys(slo: SLO) -> list[tuple[str, str]]:
    """The (table, key) pairs whose rows an SLI counts."""
    sli = slo.sli
    if sli.source == "spans":
        return [("otel_traces", slo.service)]
    if sli.source == "synthetics":
        return [("synthetics_runs", sli.check or "")]
    out = []
    for sel in (sli.metric, sli.good_metric, sli.bad_metric, sli.total_metric):
        if sel is not None:
            out += [("otel_metrics_sum", sel.name), ("otel_metrics_histogram", sel.name.removesuffix("_count"))]
    return sorted(set(out))


def _select(store: Store, slos: list[SLO], start: datetime, end: datetime) -> list[tuple[str, dict[str, Any]]]:
    """SELECTs producing measurement rows for these SLOs over [start, end)."""
    db = store.options.database
    out = []
    spans = [s for s in slos if s.sli.source == "spans"]
    for i in range(0, len(spans), sli_sql.SPANS_PER_QUERY):
        out.append(sli_sql.spans_select(db, spans[i : i + sli_sql.SPANS_PER_QUERY], start, end))
    for slo in slos:
        if slo.sli.source == "metric":
            look = start - COUNTER_LOOKBACK
            if slo.sli.type == "latency":
                out.append(sli_sql.histogram_select(db, slo, start, end, look))
            else:
                out.append(sli_sql.ratio_select(db, slo, start, end, look))
        elif slo.sli.source == "synthetics":
            out.append(sli_sql.synthetics_select(db, slo, start, end))
    return out


@dataclass(frozen=True)
class LiveMinute:
    """A minute counted from the raw telemetry in this cycle (recent, or still in progress)."""

    minute: datetime
    total: int
    good: int
    value: float
    is_good: bool


class Measurer:
    """Keeps `slo_measurements` complete up to a watermark, each minute written once.

    Minutes newer than `lateness` may still receive spans, so they are never stored: every cycle
    counts them from the raw telemetry in one shared scan (`live`), and stores those that have
    just become old enough. Long gaps (a new SLO, a restart after hours) are filled server-side
    with INSERT … SELECT (`prepare`).
    """

    def __init__(
        self,
        store: Store,
        lateness: timedelta = timedelta(minutes=3),
        catch_up: timedelta = timedelta(minutes=30),
        horizon: timedelta = timedelta(days=7),
    ) -> None:
        self.store = store
        self.lateness = lateness
        self.catch_up = catch_up
        self.horizon = horizon

    # -- late rows ------------------------------------------------------------------------------
    def _snapshot(self, tenant: str, table: str, keys: list[str], start: datetime, end: datetime) -> None:
        """Record how many rows each key has per minute in [start, end), before measuring them."""
        if end <= start or not keys:
            return
        time_col, key_col = SOURCES[table]
        db = self.store.options.database
        self.store.writer(tenant).insert_select(
            SOURCE_COUNTS, ["Source", "Key", "Minute", "Rows", "UpdatedAt"],
            f"""SELECT {{tenant:String}}, {{src:String}}, {key_col}, toStartOfMinute({time_col}) AS m, count(), now64(3)
                FROM {db}.{table}
                WHERE TenantId = {{tenant:String}} AND {key_col} IN {{keys:Array(String)}}
                  AND {time_col} >= {{a:DateTime}} AND {time_col} < {{b:DateTime}}
                GROUP BY {key_col}, m""",
            {"src": table, "keys": keys, "a": start, "b": end},
        )  # fmt: skip

    def _snapshot_for(self, tenant: str, slos: list[SLO], start: datetime, end: datetime) -> None:
        by_table: dict[str, set[str]] = defaultdict(set)
        for slo in slos:
            for table, key in source_keys(slo):
                by_table[table].add(key)
        for table, keys in by_table.items():
            self._snapshot(tenant, table, sorted(keys), start, end)

    def reconcile(self, tenant: str, slos: list[SLO], at: datetime) -> int:
        """Measure again the stored hours whose raw rows changed since; returns hours redone."""
        at = as_utc(at)
        marks = self.watermarks(tenant, slos)
        horizon = floor_minute(at - self.horizon)
        users: dict[str, dict[str, list[tuple[SLO, datetime, datetime]]]] = defaultdict(lambda: defaultdict(list))
        for slo in slos:
            mark = marks.get((slo.slo_id, slo.sli_hash))
            if mark is None or mark[1] <= max(mark[0], horizon):
                continue
            for table, key in source_keys(slo):
                users[table][key].append((slo, max(mark[0], horizon), mark[1]))
        scope = self.store.scope(tenant)
        db = self.store.options.database
        redo: dict[tuple[datetime, datetime], list[SLO]] = defaultdict(list)
        for table, by_key in users.items():
            keys = sorted(by_key)
            lo = min(a for uses in by_key.values() for _, a, _ in uses)
            hi = max(b for uses in by_key.values() for _, _, b in uses)
            time_col, key_col = SOURCES[table]
            changed = scope.query(
                f"""SELECT h, k FROM (
                        SELECT toStartOfHour({time_col}) AS h, {key_col} AS k, count() AS raw, 0 AS seen
                        FROM {db}.{table}
                        WHERE TenantId = {{tenant:String}} AND {key_col} IN {{keys:Array(String)}}
                          AND {time_col} >= {{a:DateTime}} AND {time_col} < {{b:DateTime}}
                        GROUP BY h, k
                        UNION ALL
                        SELECT toStartOfHour(Minute) AS h, Key AS k, 0 AS raw, sum(Rows) AS seen
                        FROM {db}.{SOURCE_COUNTS} FINAL
                        WHERE TenantId = {{tenant:String}} AND Source = {{src:String}} AND Key IN {{keys:Array(String)}}
                          AND Minute >= {{a:DateTime}} AND Minute < {{b:DateTime}}
                        GROUP BY h, k)
                    GROUP BY h, k HAVING sum(raw) != sum(seen)""",
                {"keys": keys, "a": lo, "b": hi, "src": table},
            ).result_rows
            for raw_hour, key in changed:
                hour = as_utc(raw_hour)
                self._snapshot(tenant, table, [key], max(hour, lo), min(hour + HOUR, hi))
                for slo, a, b in by_key[key]:
                    start, end = max(hour, a), min(hour + HOUR, b)
                    if end > start and slo not in redo[(start, end)]:
                        redo[(start, end)].append(slo)
        writer = self.store.writer(tenant)
        for (start, end), group in sorted(redo.items(), key=lambda kv: kv[0]):
            writer.delete_where(
                MEASUREMENTS,
                "SLOId IN {ids:Array(UUID)} AND Timestamp >= {a:DateTime} AND Timestamp < {b:DateTime}",
                {"ids": [s.slo_id for s in group], "a": start, "b": end},
            )
            for sql, params in _select(self.store, group, start, end):
                writer.insert_select(MEASUREMENTS, list(sli_sql.MEASUREMENT_COLUMNS), sql, params)
        return len(redo)

    def watermarks(self, tenant: str, slos: list[SLO]) -> dict[tuple[uuid.UUID, int], tuple[datetime, datetime]]:
        if not slos:
            return {}
        rows = (
            self.store.scope(tenant)
            .query(
                f"""SELECT SLOId, SLIHash, MeasuredFrom, MeasuredTo
                FROM {self.store.options.database}.{WATERMARKS} FINAL
                WHERE TenantId = {{tenant:String}} AND SLOId IN {{ids:Array(UUID)}}""",
                {"ids": [s.slo_id for s in slos]},
            )
            .result_rows
        )
        return {(r[0], int(r[1])): (as_utc(r[2]), as_utc(r[3])) for r in rows}

    def _mark(self, tenant: str, marks: list[tuple[uuid.UUID, int, datetime, datetime]]) -> None:
        now = datetime.now(UTC)
        cols = ["SLOId", "SLIHash", "MeasuredFrom", "MeasuredTo", "UpdatedAt"]
        self.store.writer(tenant).insert_rows(WATERMARKS, cols, [[i, h, lo, hi, now] for i, h, lo, hi in marks])

    def prepare(self, tenant: str, slos: list[SLO], at: datetime) -> dict[uuid.UUID, datetime]:
        """Fill gaps in the stored minutes; returns, per SLO, the minute from which to count live."""
        at = as_utc(at)
        end = floor_minute(at)
        stable = end - self.lateness
        marks = self.watermarks(tenant, slos)
        todo: dict[tuple[datetime, datetime], list[SLO]] = defaultdict(list)
        changed = []
        since: dict[uuid.UUID, datetime] = {}
        for slo in slos:
            need = lookback_start(slo, at)
            mark = marks.get((slo.slo_id, slo.sli_hash))
            ranges = []
            if mark is None:
                lo, hi = need, max(need, stable)
                ranges.append((need, stable))
            else:
                lo, hi = mark
                if need < lo:
                    ranges.append((need, lo))
                    lo = need
                if stable - hi > self.catch_up:
                    ranges.append((hi, stable))
                    hi = stable
            ranges = [(a, b) for a, b in ranges if b > a]
            for r in ranges:
                todo[r].append(slo)
            if mark is None or ranges:
                changed.append((slo.slo_id, slo.sli_hash, lo, hi))
            since[slo.slo_id] = min(hi, end)
        writer = self.store.writer(tenant)
        for (start, stop), group in sorted(todo.items(), key=lambda kv: kv[0]):
            self._snapshot_for(tenant, group, start, stop)
            for sql, params in _select(self.store, group, start, stop):
                writer.insert_select(MEASUREMENTS, list(sli_sql.MEASUREMENT_COLUMNS), sql, params)
        self._mark(tenant, changed)
        return since

    def live(self, tenant: str, slos: list[SLO], since: dict[uuid.UUID, datetime], at: datetime,
             commit: bool = True) -> dict[uuid.UUID, list[LiveMinute]]:  # fmt: skip
        """Minutes from each SLO's `since` up to `at`, counted from raw telemetry in one scan; with
        `commit`, the ones older than `lateness` are stored and the watermark moves past them."""
        at = as_utc(at)
        if not slos:
            return {}
        start = min(since[s.slo_id] for s in slos)
        out: dict[uuid.UUID, list[LiveMinute]] = {s.slo_id: [] for s in slos}
        stable = floor_minute(at) - self.lateness
        if commit and stable > start:  # counts first: rows landing after them only cause a redo
            self._snapshot_for(tenant, [s for s in slos if since[s.slo_id] < stable], start, stable)
        if at > start:
            scope = self.store.scope(tenant)
            for sql, params in _select(self.store, slos, start, at):
                for row in scope.query(sql, params).result_rows:
                    minute = as_utc(row[3])
                    if row[1] in out and minute >= since[row[1]]:
                        out[row[1]].append(LiveMinute(minute, int(row[4]), int(row[5]), float(row[7]), bool(row[8])))
        if commit:
            self._commit(tenant, slos, since, out, stable)
        return out

    def _commit(self, tenant: str, slos: list[SLO], since: dict[uuid.UUID, datetime],
                live: dict[uuid.UUID, list[LiveMinute]], stable: datetime) -> None:  # fmt: skip
        rows, marks = [], []
        now = datetime.now(UTC)
        lows = self.watermarks(tenant, slos)
        for slo in slos:
            if stable <= since[slo.slo_id]:
                continue
            for m in live[slo.slo_id]:
                if m.minute < stable:
                    rows.append([slo.slo_id, slo.sli_hash, m.minute, m.total, m.good, m.total - m.good, m.value,
                                 int(m.is_good), now])  # fmt: skip
            lo = lows.get((slo.slo_id, slo.sli_hash), (since[slo.slo_id], stable))[0]
            marks.append((slo.slo_id, slo.sli_hash, lo, stable))
        self.store.writer(tenant).insert_rows(MEASUREMENTS, list(sli_sql.MEASUREMENT_COLUMNS), rows)
        self._mark(tenant, marks)

    def minutes(self, tenant: str, slo: SLO, start: datetime, end: datetime) -> list[tuple[datetime, int, int, bool]]:
        """Stored minutes of one SLO in [start, end): (minute, total, good, is_good)."""
        rows = (
            self.store.scope(tenant)
            .query(
                f"""SELECT Timestamp, TotalCount, GoodCount, IsGood
                FROM {self.store.options.database}.{MEASUREMENTS} FINAL
                WHERE TenantId = {{tenant:String}} AND SLOId = {{id:UUID}} AND SLIHash = {{h:UInt64}}
                  AND Timestamp >= {{start:DateTime}} AND Timestamp < {{end:DateTime}}
                ORDER BY Timestamp""",
                {"id": slo.slo_id, "h": slo.sli_hash, "start": start, "end": end},
            )
            .result_rows
        )
        return [(as_utc(r[0]), int(r[1]), int(r[2]), bool(r[3])) for r in rows]


__all__ = ["MINUTE", "LiveMinute", "Measurer", "lookback_start"]

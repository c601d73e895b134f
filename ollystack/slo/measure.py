"""Incremental per-minute measurements: what makes a 30-day window cheap to evaluate.

Each SLI is measured minute by minute into `slo_measurements`, and a watermark remembers how far.
Minutes younger than `lateness` (late spans may still arrive) and the minute in progress are
never stored: they are counted from the raw telemetry at evaluation time, so alerts see the
latest seconds and every stored minute is final.
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
#: cumulative counters need the point before a range starts to know its first increment
COUNTER_LOOKBACK = timedelta(hours=1)


def lookback_start(slo: SLO, at: datetime) -> datetime:
    """The oldest minute an evaluation at `at` needs: the window's start or the longest alert window."""
    span = window_span(slo.window, at)
    longest = max((r.long_window for r in slo.alerts), default=timedelta(0))
    return floor_minute(min(span.start, as_utc(at) - longest))


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

    def __init__(self, store: Store, lateness: timedelta = timedelta(minutes=3),
                 catch_up: timedelta = timedelta(minutes=30)) -> None:  # fmt: skip
        self.store = store
        self.lateness = lateness
        self.catch_up = catch_up

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
        if at > start:
            scope = self.store.scope(tenant)
            for sql, params in _select(self.store, slos, start, at):
                for row in scope.query(sql, params).result_rows:
                    minute = as_utc(row[3])
                    if row[1] in out and minute >= since[row[1]]:
                        out[row[1]].append(LiveMinute(minute, int(row[4]), int(row[5]), float(row[7]), bool(row[8])))
        stable = floor_minute(at) - self.lateness
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

"""Incremental per-minute measurements: what makes a 30-day window cheap to evaluate.

Each SLI is measured minute by minute into `slo_measurements`, and a watermark remembers how far.
A cycle measures only the minutes since the watermark, plus the last `lateness` again (late spans
still count; the newest write of a minute wins). The minute in progress is never stored: it is
counted from the raw telemetry at evaluation time, so alerts see the latest seconds.
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


@dataclass(frozen=True)
class Minute:
    """Counts for one SLO in one minute (or the part of it so far)."""

    total: int
    good: int
    value: float
    is_good: bool


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


class Measurer:
    def __init__(self, store: Store, lateness: timedelta = timedelta(minutes=3)) -> None:
        self.store = store
        self.lateness = lateness

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

    def refresh(self, tenant: str, slos: list[SLO], at: datetime) -> int:
        """Bring measurements up to the last complete minute before `at`; returns ranges measured."""
        at = as_utc(at)
        end = floor_minute(at)
        marks = self.watermarks(tenant, slos)
        todo: dict[tuple[datetime, datetime], list[SLO]] = defaultdict(list)
        new_marks = []
        for slo in slos:
            need = lookback_start(slo, at)
            mark = marks.get((slo.slo_id, slo.sli_hash))
            if mark is None:
                ranges = [(need, end)]
                lo, hi = need, end
            else:
                lo, hi = mark
                ranges = []
                if need < lo:
                    ranges.append((need, lo))
                redo = max(hi - self.lateness, need)
                if end > redo:
                    ranges.append((redo, end))
                lo, hi = min(lo, need), max(hi, end)
            ranges = [(a, b) for a, b in ranges if b > a]
            for r in ranges:
                todo[r].append(slo)
            if ranges:
                new_marks.append((slo.slo_id, slo.sli_hash, lo, hi))
        writer = self.store.writer(tenant)
        for (start, stop), group in sorted(todo.items(), key=lambda kv: kv[0]):
            for sql, params in _select(self.store, group, start, stop):
                writer.insert_select(MEASUREMENTS, list(sli_sql.MEASUREMENT_COLUMNS), sql, params)
        now = datetime.now(UTC)
        writer.insert_rows(WATERMARKS, ["SLOId", "SLIHash", "MeasuredFrom", "MeasuredTo", "UpdatedAt"],
                           [[i, h, lo, hi, now] for i, h, lo, hi in new_marks])  # fmt: skip
        return len(todo)

    def in_progress(self, tenant: str, slos: list[SLO], at: datetime) -> dict[uuid.UUID, Minute]:
        """Counts for the minute that has not ended at `at` (from the raw telemetry)."""
        at = as_utc(at)
        start = floor_minute(at)
        if at <= start or not slos:
            return {}
        out: dict[uuid.UUID, Minute] = {}
        scope = self.store.scope(tenant)
        for sql, params in _select(self.store, slos, start, at):
            for row in scope.query(sql, params).result_rows:
                out[row[1]] = Minute(int(row[4]), int(row[5]), float(row[7]), bool(row[8]))
        return out

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


__all__ = ["MINUTE", "Measurer", "Minute", "lookback_start"]

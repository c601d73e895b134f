"""Keeps the stored service map up to date: derives each closed chunk of spans once.

Why stored at all: a map over a day or a week would otherwise join that many spans again on
every look (and the incident engine looks every minute). The updater derives per-minute edge and
node states (`derive.py`) for time that is at least `lateness` old, in chunks of at most
`chunk_spans` spans so the join's memory stays bounded, and remembers how far it got
(`topology_watermarks`) and how many spans each hour had when it was derived
(`topology_span_counts`). An hour whose count changed since (spans that arrived late) is deleted
and derived again, and spans older than the derived range (a backfill sent newest first) extend it
backwards. Hours are counted again only in the days whose partition of `otel_traces` changed size
since the previous run (the engine's part list says so at no cost), plus the new minutes; in a
cluster, where each node sees only its own parts, every hour of the lookback is counted.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ..signals import Signal
from ..store import Store
from ..store.ddl import local_name
from ..store.tables import TRACES
from .derive import EDGE_COLUMNS, NODE_COLUMNS, edge_states, node_states, range_params
from .stored import EDGES, NODES, Watermark, read_watermark

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
COUNTS = "topology_span_counts"
WATERMARKS = "topology_watermarks"
LOCK = "topology"


def floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


@dataclass
class UpdateReport:
    """What one run derived (for logs, tests and the benchmark)."""

    chunks: int = 0
    rederived_hours: list[datetime] = field(default_factory=list)
    measured_from: datetime | None = None
    measured_to: datetime | None = None
    seconds: float = 0.0


@dataclass
class TopologyUpdater:
    """A scheduler step (`run(tenant, now)`, no signals of its own) that derives new spans into the
    stored map; the change detector runs after it and reads what it stored."""

    store: Store
    lateness: timedelta = timedelta(minutes=2)
    lookback: timedelta = timedelta(days=30)
    chunk_spans: int = 2_000_000
    name: str = "topology"
    #: tenant -> rows per day partition of otel_traces when its last run began
    _seen: dict[str, dict[date, int]] = field(default_factory=dict, init=False, repr=False)

    def run(self, tenant: str, now: datetime) -> list[Signal]:
        self.update(tenant, now)
        return []

    def update(self, tenant: str, now: datetime) -> UpdateReport:
        """Derive every span older than `lateness` (up to `lookback` back) not derived yet."""
        began = time.perf_counter()
        with self.store.lock(f"{LOCK}:{tenant}"):
            try:
                report = self._update(tenant, now)
            except BaseException:
                self._seen.pop(tenant, None)  # count every hour again next time
                raise
        report.seconds = time.perf_counter() - began
        return report

    def _update(self, tenant: str, now: datetime) -> UpdateReport:
        report = UpdateReport()
        end = floor_minute(now.astimezone(UTC) - self.lateness)
        floor = floor_hour(end - self.lookback)
        mark = read_watermark(self.store, tenant)
        parts = self._partition_rows()
        seen = self._seen.get(tenant)
        changed = None if parts is None or seen is None else sorted(d for d, n in parts.items() if seen.get(d) != n)
        counts = self._hourly(tenant, floor, end, mark, changed)
        if parts is not None:
            self._seen[tenant] = parts  # a run that fails forgets it (see `update`)
        if not counts:
            if mark is not None and mark.measured_to < end:  # nothing new: the stored map still reaches `end`
                self._record(tenant, {}, mark.measured_from, end)
            return report
        first = min(counts)
        lo, hi = (mark.measured_from, mark.measured_to) if mark else (first, first)
        # hours derived before whose span count changed since (late spans): derive them again
        recorded = self._recorded(tenant, max(lo, floor), hi) if mark else {}
        late = sorted(h for h, (inside, _) in counts.items()
                      if max(lo, floor) <= h < hi and inside != recorded.get(h, 0))  # fmt: skip
        for h in late:
            self._derive(tenant, h, min(h + HOUR, hi), report)
            report.rederived_hours.append(h)
        # new time: spans older than the derived range (a backfill, the first run), then newer ones
        ranges = [(a, b) for a, b in ((first, lo), (hi, end)) if b > a]
        for a, b in ranges:
            for ca, cb in self._chunks(a, b, counts):
                self._derive(tenant, ca, cb, report)
        touched = set(late) | {h for h in counts for a, b in ranges if floor_hour(a) <= h < b}
        new_lo, new_hi = min(lo, first), max(hi, end)
        self._record(tenant, {h: counts[h][1] for h in touched}, new_lo, new_hi)
        report.measured_from, report.measured_to = new_lo, new_hi
        return report

    # -- reads ---------------------------------------------------------------------------------
    def _partition_rows(self) -> dict[date, int] | None:
        """Rows per day partition of otel_traces, all tenants (None in a cluster)."""
        if self.store.options.clustered:
            return None
        rows = self.store.client.query(
            "SELECT partition, sum(rows) FROM system.parts WHERE database = {db:String} AND table = {t:String} "
            "AND active GROUP BY partition",
            parameters={"db": self.store.options.database, "t": local_name(TRACES, self.store.options)},
        ).result_rows
        return {date.fromisoformat(p): int(n) for p, n in rows}

    def _hourly(self, tenant: str, floor: datetime, end: datetime, mark: Watermark | None,
                days: list[date] | None) -> dict[datetime, tuple[int, int]]:  # fmt: skip
        """Hour -> (spans inside the derived range, all spans before `end`), for the hours of `days`
        (None: all) and every hour from the derived range's end."""
        frm, to = (mark.measured_from, mark.measured_to) if mark else (end, end)
        only = (
            "" if days is None else "AND (toDate(Timestamp) IN {days:Array(Date)} OR Timestamp >= {to:DateTime64(9)})"
        )
        rows = (
            self.store.scope(tenant)
            .query(
                f"""SELECT toStartOfHour(Timestamp) AS h,
                       countIf(Timestamp >= {{frm:DateTime64(9)}} AND Timestamp < {{to:DateTime64(9)}}), count()
                FROM {self.store.options.database}.{TRACES}
                WHERE TenantId = {{tenant:String}} AND Timestamp >= {{floor:DateTime64(9)}}
                  AND Timestamp < {{end:DateTime64(9)}} {only}
                GROUP BY h""",
                {"frm": frm, "to": to, "floor": floor, "end": end, "days": days or []},
            )
            .result_rows
        )
        return {h.replace(tzinfo=UTC): (int(inside), int(total)) for h, inside, total in rows}

    def _recorded(self, tenant: str, lo: datetime, hi: datetime) -> dict[datetime, int]:
        rows = (
            self.store.scope(tenant)
            .query(
                f"""SELECT Hour, argMax(Spans, UpdatedAt) FROM {self.store.options.database}.{COUNTS}
                WHERE TenantId = {{tenant:String}} AND Hour >= {{lo:DateTime}} AND Hour < {{hi:DateTime}}
                GROUP BY Hour""",
                {"lo": floor_hour(lo), "hi": hi},
            )
            .result_rows
        )
        return {h.replace(tzinfo=UTC): int(n) for h, n in rows}

    def _chunks(self, a: datetime, b: datetime, counts: dict[datetime, tuple[int, int]]
                ) -> list[tuple[datetime, datetime]]:  # fmt: skip
        """[a, b) cut at hour boundaries into pieces of at most `chunk_spans` spans (an hour with more
        is a piece of its own), leaving out stretches without spans."""
        out: list[tuple[datetime, datetime]] = []
        start: datetime | None = None
        n = 0
        h = floor_hour(a)
        while h < b:
            spans = counts.get(h, (0, 0))[1]
            lo = max(h, a)
            if start is not None and (not spans or n + spans > self.chunk_spans):
                out.append((start, lo))
                start, n = None, 0
            if spans:
                start = lo if start is None else start
                n += spans
            h += HOUR
        if start is not None:
            out.append((start, b))
        return out

    # -- writes --------------------------------------------------------------------------------
    def _derive(self, tenant: str, a: datetime, b: datetime, report: UpdateReport) -> None:
        """Store the edge and node states of spans in [a, b), replacing rows already there (an hour
        derived again, or rows past the watermark from a run that stopped before recording it)."""
        db = self.store.options.database
        writer = self.store.writer(tenant)
        scope = self.store.scope(tenant)
        for table in (EDGES, NODES):
            left = scope.scalar(f"SELECT count() FROM {db}.{table} WHERE TenantId = {{tenant:String}} "
                                "AND Minute >= {a:DateTime} AND Minute < {b:DateTime}", {"a": a, "b": b})  # fmt: skip
            if left:
                writer.delete_where(table, "Minute >= {a:DateTime} AND Minute < {b:DateTime}", {"a": a, "b": b})
        params = range_params("", a, b)
        writer.insert_select(EDGES, EDGE_COLUMNS, f"SELECT {{tenant:String}}, * FROM ({edge_states(db, '')})", params)
        writer.insert_select(NODES, NODE_COLUMNS, f"SELECT {{tenant:String}}, * FROM ({node_states(db, '')})", params)
        report.chunks += 1

    def _record(self, tenant: str, counts: dict[datetime, int], lo: datetime, hi: datetime) -> None:
        now = datetime.now(UTC)
        writer = self.store.writer(tenant)
        writer.insert_rows(COUNTS, ["Hour", "Spans", "UpdatedAt"], [[h, n, now] for h, n in sorted(counts.items())])
        writer.insert_rows(WATERMARKS, ["MeasuredFrom", "MeasuredTo", "UpdatedAt"], [[lo, hi, now]])

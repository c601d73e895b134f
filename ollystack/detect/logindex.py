"""The log indexer: mines `otel_logs` bodies into templates and per-minute counts, cycle by cycle.

Each cycle reads a tenant's log rows from its watermark up to `lateness` ago (and never past the
newest row that has arrived: a Collector running behind is not a quiet minute), at most
`max_rows` of them in whole minutes, so a backlog catches up over several cycles. Every body is
mined by the TemplateMiner of its (tenant, service), restored from the store, so pattern ids
survive restarts. Minutes are written once; the watermark row is written last, and rows past
it (a cycle that died half way) are deleted when the tenant is next restored. Rows that arrive
later than the lateness margin for a minute already indexed are not counted.

It runs as the first step of the detector cycle (it has the Detector shape and never signals).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson

from ..signals import Signal
from ..store import Store
from . import logstore
from .logstore import ERROR_SEVERITY, TemplateRecord, line_of, utc
from .logtemplates import TemplateMiner

log = logging.getLogger(__name__)
MINUTE = timedelta(minutes=1)


def floor_minute(t: datetime) -> datetime:
    return utc(t).replace(second=0, microsecond=0)


@dataclass
class _Service:
    miner: TemplateMiner
    since: datetime
    meta: dict[str, TemplateRecord] = field(default_factory=dict)
    written: dict[str, datetime] = field(default_factory=dict)  # template id -> LastSeen when last written


@dataclass
class _Tenant:
    watermark: datetime
    services: dict[str, _Service] = field(default_factory=dict)
    checked: datetime | None = None  # when indexed hours were last compared with otel_logs


@dataclass
class LogIndexer:
    store: Store
    lateness: timedelta = timedelta(minutes=2)
    max_rows: int = 200_000  # rows mined per tenant and cycle (whole minutes; at least one minute)
    backfill: timedelta = timedelta(days=14)  # how far back a tenant's first cycle starts
    lookahead: timedelta = timedelta(days=1)  # the span one cycle plans over
    forget_after: timedelta = timedelta(days=14)  # a template unseen this long is new when it returns
    rewrite_every: timedelta = timedelta(minutes=10)  # refresh a template's Count/LastSeen this often
    horizon: timedelta = timedelta(hours=6)  # indexed hours compared with otel_logs for late rows...
    reconcile_every: timedelta = timedelta(minutes=10)  # ...this often
    similarity: float = 0.5
    _tenants: dict[str, _Tenant] = field(default_factory=dict, init=False)
    _version: datetime = field(default=datetime(1970, 1, 1, tzinfo=UTC), init=False)

    name = "log_index"

    # -- state ----------------------------------------------------------------------------------
    def _restore(self, tenant: str, now: datetime) -> _Tenant | None:
        """The tenant's miners and watermark from the store; None while it has no logs to index."""
        wm = logstore.watermark(self.store, tenant)
        if wm is None:
            first = self.store.scope(tenant).scalar(
                f"""SELECT min(TimestampTime) FROM {self.store.options.database}.otel_logs
                    WHERE TenantId = {{tenant:String}} AND TimestampTime >= {{a:DateTime}}""",
                {"a": floor_minute(now - self.backfill)},
            )
            if first is None or first.year < 1971:
                return None  # ask again next cycle: the first logs may carry older timestamps
            wm = floor_minute(first)
        else:
            dropped = logstore.delete_minutes_from(self.store, tenant, wm)
            if dropped:
                log.warning("log index %s: dropped %d minute rows past the watermark %s", tenant, dropped, wm)
        state = _Tenant(wm)
        metas: dict[str, dict[str, TemplateRecord]] = defaultdict(dict)
        for (svc, tid), rec in logstore.templates(self.store, tenant).items():
            metas[svc][tid] = rec
        for svc, (text, since) in logstore.states(self.store, tenant).items():
            try:
                miner = TemplateMiner.from_state(orjson.loads(text))
            except (ValueError, KeyError, TypeError):
                log.exception("log index %s/%s: unreadable miner state; starting afresh", tenant, svc)
                miner = TemplateMiner(similarity=self.similarity)
            meta = metas.get(svc, {})
            state.services[svc] = _Service(miner, since, meta, {tid: r.last_seen for tid, r in meta.items()})
        return state

    def _next_version(self) -> datetime:
        """Row versions for the ReplacingMergeTrees: wall time, strictly increasing in this process."""
        self._version = max(datetime.now(UTC), self._version + timedelta(milliseconds=1))
        return self._version

    # -- one cycle ------------------------------------------------------------------------------
    def _plan(self, tenant: str, start: datetime, now: datetime) -> datetime | None:
        """The end of this cycle's stretch: whole minutes from `start`, at most `max_rows` rows,
        up to `lateness` ago and never into the newest minute that has rows (it may be incomplete)."""
        scope, db = self.store.scope(tenant), self.store.options.database
        newest = scope.scalar(
            f"""SELECT max(TimestampTime) FROM {db}.otel_logs
                WHERE TenantId = {{tenant:String}} AND TimestampTime >= {{a:DateTime}}""",
            {"a": start},
        )
        if newest is None or newest.year < 1971:
            return None
        limit = min(floor_minute(now - self.lateness), floor_minute(newest), start + self.lookahead)
        if limit <= start:
            return None
        per_minute = scope.query(
            f"""SELECT toStartOfMinute(TimestampTime) AS m, count() FROM {db}.otel_logs
                WHERE TenantId = {{tenant:String}}
                  AND TimestampTime >= {{a:DateTime}} AND TimestampTime < {{b:DateTime}}
                GROUP BY m ORDER BY m""",
            {"a": start, "b": limit},
        ).result_rows
        total = 0
        for m, n in per_minute:
            total += int(n)
            if total > self.max_rows:
                return max(utc(m), start + MINUTE)  # stop before the minute that overflows (keep at least one)
        return limit

    def run(self, tenant: str, now: datetime) -> list[Signal]:
        """Index what arrived; never signals (the Detector shape lets the scheduler run it first)."""
        self.index(tenant, now)
        return []

    def index(self, tenant: str, now: datetime) -> int:
        """One bounded step; returns the rows mined."""
        with self.store.lock(f"log-index:{tenant}"):
            if tenant not in self._tenants:
                restored = self._restore(tenant, now)
                if restored is None:
                    return 0
                self._tenants[tenant] = restored
            state = self._tenants[tenant]
            n = 0
            end = self._plan(tenant, state.watermark, now)
            if end is not None:
                n = self._index(tenant, state, state.watermark, end)
                state.watermark = end
            if state.checked is None or now - state.checked >= self.reconcile_every:
                n += self._reconcile(tenant, state)
                state.checked = now
            return n

    def _reconcile(self, tenant: str, state: _Tenant) -> int:
        """Index again each hour within `horizon` whose rows in otel_logs no longer match the lines
        counted (rows that came later than the lateness margin: a backfill, a Collector's retries)."""
        hi = state.watermark
        lo = (hi - self.horizon).replace(minute=0, second=0, microsecond=0)
        scope, db = self.store.scope(tenant), self.store.options.database
        params = {"a": lo, "b": hi}
        raw = dict(scope.query(
            f"""SELECT toStartOfHour(TimestampTime) AS h, count() FROM {db}.otel_logs
                WHERE TenantId = {{tenant:String}} AND TimestampTime >= {{a:DateTime}}
                  AND TimestampTime < {{b:DateTime}} AND Body != '' GROUP BY h""", params).result_rows)  # fmt: skip
        ours = dict(scope.query(
            f"""SELECT toStartOfHour(Minute) AS h, sum(Count) FROM {db}.{logstore.MINUTES}
                WHERE TenantId = {{tenant:String}} AND Minute >= {{a:DateTime}} AND Minute < {{b:DateTime}}
                GROUP BY h""", params).result_rows)  # fmt: skip
        n = 0
        for h in sorted(h for h, c in raw.items() if int(c) != int(ours.get(h, 0))):
            a, b = utc(h), min(utc(h) + timedelta(hours=1), hi)
            log.info("log index %s: %d rows in otel_logs for %s, %d indexed; indexing the hour again", tenant,
                     raw[h], a, ours.get(h, 0))  # fmt: skip
            self.store.writer(tenant).delete_where(logstore.MINUTES, "Minute >= {a:DateTime} AND Minute < {b:DateTime}",
                                                   {"a": a, "b": b})  # fmt: skip
            n += self._index(tenant, state, a, b)
        return n

    def catch_up(self, tenant: str, now: datetime, max_steps: int = 10_000) -> int:
        """Index until nothing is left (backfills, tests, evals); returns the rows mined."""
        total = 0
        for _ in range(max_steps):
            before = self._tenants[tenant].watermark if tenant in self._tenants else None
            total += self.index(tenant, now)
            if tenant not in self._tenants or self._tenants[tenant].watermark == before:
                break
        return total

    def _index(self, tenant: str, state: _Tenant, start: datetime, end: datetime) -> int:
        res = self.store.scope(tenant).query(
            f"""SELECT ServiceName, toUnixTimestamp(toStartOfMinute(TimestampTime)), SeverityNumber,
                       substring(Body, 1, 4096) AS b
                FROM {self.store.options.database}.otel_logs
                WHERE TenantId = {{tenant:String}}
                  AND TimestampTime >= {{a:DateTime}} AND TimestampTime < {{b:DateTime}} AND Body != ''
                ORDER BY ServiceName, Timestamp, b""",
            {"a": start, "b": end},
        )
        counts: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
        touched: dict[str, set[str]] = defaultdict(set)
        changed: set[str] = set()
        rows = res.result_rows
        for svc, minute, sev, body in rows:
            line = line_of(body)
            st = state.services.get(svc)
            if st is None:
                st = state.services[svc] = _Service(TemplateMiner(similarity=self.similarity), start)
            tpl = st.miner.add(line)
            at = datetime.fromtimestamp(minute, UTC)
            rec = st.meta.get(tpl.id)
            if rec is None or at - rec.last_seen >= self.forget_after:
                rec = st.meta[tpl.id] = TemplateRecord(svc, tpl.id, tpl.text, at, at, sample=line)
                st.written.pop(tpl.id, None)
                changed.add(svc)
            elif rec.text != tpl.text:
                rec.text = tpl.text
                st.written.pop(tpl.id, None)  # generalised: rewrite now
                changed.add(svc)
            if at < rec.first_seen:  # a late row (an hour indexed again)
                rec.first_seen = at
                st.written.pop(tpl.id, None)
            rec.last_seen = max(rec.last_seen, at)
            rec.count += 1
            c = counts[(svc, tpl.id, minute)]
            c[0] += 1
            if sev >= ERROR_SEVERITY:
                rec.error_count += 1
                c[1] += 1
            if sev > rec.max_severity:
                if rec.max_severity < ERROR_SEVERITY <= sev:  # the first error line is the better sample
                    rec.sample = line
                    st.written.pop(tpl.id, None)
                rec.max_severity = sev
            touched[svc].add(tpl.id)
        version = self._next_version()
        due = []
        for svc, ids in touched.items():
            st = state.services[svc]
            for tid in ids:
                rec = st.meta[tid]
                last = st.written.get(tid)
                if last is None or rec.last_seen - last >= self.rewrite_every:
                    due.append(rec)
                    st.written[tid] = rec.last_seen
        # templates first, so a reader never meets counts of a template it cannot name
        logstore.write_templates(self.store, tenant, due, version)
        minutes = [(svc, tid, datetime.fromtimestamp(m, UTC), n, e) for (svc, tid, m), (n, e) in counts.items()]
        logstore.write_minutes(self.store, tenant, minutes)
        saved = [(svc, orjson.dumps(state.services[svc].miner.to_state()).decode(), state.services[svc].since, end)
                 for svc in sorted(changed)]  # fmt: skip
        mark = max(end, state.watermark)  # an hour indexed again leaves the watermark where it is
        logstore.write_states(self.store, tenant, [*saved, (logstore.TENANT_ROW, "", start, mark)], version)
        return len(rows)

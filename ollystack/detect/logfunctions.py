"""The log patterns capability as typed functions: what the CLI, the HTTP API, chat and agent tools call.

They read what the indexer stored (`logindex`): templates and lines per template and minute. The
newest couple of minutes are not indexed yet (the indexer's lateness margin).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import orjson
from pydantic import BaseModel

from ..store import Store
from . import logstore
from .logstore import TemplateRecord, line_of, utc
from .logtemplates import WILD, TemplateMiner

BARS = "▁▂▃▄▅▆▇█"
BUCKETS = 30  # sparkline points over a window

__all__ = ["PatternHistory", "PatternLines", "PatternsReport", "UnknownPattern", "new_patterns", "pattern_history",
           "pattern_lines", "sparkline", "top_patterns"]  # fmt: skip


class UnknownPattern(LookupError):
    """No template with that id (in that service) for the tenant."""


class PatternSummary(BaseModel):
    service: str
    template_id: str
    template: str
    count: int  # lines in the window
    errors: int  # of them at ERROR or above
    share: float  # of all lines in the window (of the service, when one is asked for)
    first_seen: datetime | None
    last_seen: datetime | None
    new: bool  # first seen within the window
    sample: str
    counts: list[int]  # lines per bucket, oldest first
    sparkline: str


class PatternsReport(BaseModel):
    tenant: str
    service: str | None
    start: datetime
    end: datetime
    bucket_seconds: int
    total: int  # lines in the window
    patterns: list[PatternSummary]


class PatternPoint(BaseModel):
    at: datetime
    count: int
    errors: int


class PatternHistory(BaseModel):
    tenant: str
    service: str
    template_id: str
    template: str
    first_seen: datetime
    start: datetime
    end: datetime
    bucket_seconds: int
    total: int
    points: list[PatternPoint]
    sparkline: str


class PatternLine(BaseModel):
    timestamp: datetime
    service: str
    severity: str
    body: str
    trace_id: str


class PatternLines(BaseModel):
    tenant: str
    service: str
    template_id: str
    template: str
    lines: list[PatternLine]


def sparkline(values: list[int]) -> str:
    """One bar per value, scaled to the largest; `▁` is none, so a pattern that stops shows it."""
    top = max(values, default=0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[0] if v <= 0 else BARS[1 + min(6, int(6 * v / top))] for v in values)


def _window(store: Store, tenant: str, since: timedelta, at: datetime | None) -> tuple[datetime, datetime, int]:
    """[start, end) in whole minutes and a bucket size giving about BUCKETS buckets. The window ends
    where indexing has got to, if that is sooner: minutes not yet indexed are not quiet minutes."""
    if since <= timedelta(0):
        raise ValueError("the window must be longer than zero")
    at = utc(at or datetime.now(UTC))
    end = at.replace(second=0, microsecond=0)
    if end < at:  # the minute in progress counts
        end += timedelta(minutes=1)
    indexed = logstore.watermark(store, tenant)
    if indexed is not None and end - since < indexed < end:
        end = indexed
    start = (end - since).replace(second=0, microsecond=0)
    minutes = max(1, int((end - start).total_seconds() // 60))
    return start, end, 60 * max(1, math.ceil(minutes / BUCKETS))


def _buckets(points: dict[int, int], start: datetime, end: datetime, step: int) -> list[int]:
    n = max(1, math.ceil((end - start).total_seconds() / step))
    out = [0] * n
    base = int(start.timestamp())
    for m, v in points.items():
        i = (m - base) // step
        if 0 <= i < n:
            out[i] += v
    return out


def top_patterns(store: Store, tenant: str, since: timedelta = timedelta(hours=1), at: datetime | None = None,
                 service: str | None = None, limit: int = 20, new_only: bool = False) -> PatternsReport:  # fmt: skip
    """The busiest patterns of the window ending at `at` (now), with counts, share and a sparkline;
    `new_only` keeps those first seen within the window."""
    start, end, step = _window(store, tenant, since, at)
    rows = logstore.minute_counts(store, tenant, start, end, service)
    per: dict[tuple[str, str], dict[int, int]] = {}
    errors: dict[tuple[str, str], int] = {}
    total = 0
    for svc, tid, m, n, e in rows:
        pts = per.setdefault((svc, tid), {})
        pts[m] = pts.get(m, 0) + n
        errors[(svc, tid)] = errors.get((svc, tid), 0) + e
        total += n
    counts = {k: sum(v.values()) for k, v in per.items()}
    ids = sorted({tid for _, tid in per})
    recs = logstore.templates(store, tenant, "TemplateId IN {ids:Array(String)}", {"ids": ids}) if ids else {}
    keys = [k for k in per if not new_only or (k in recs and recs[k].first_seen >= start)]
    keys.sort(key=lambda k: (-counts[k], k))
    out = []
    for key in keys[:limit]:
        rec: TemplateRecord | None = recs.get(key)
        series = _buckets(per[key], start, end, step)
        out.append(PatternSummary(
            service=key[0], template_id=key[1], template=rec.text if rec else key[1], count=counts[key],
            errors=errors[key], share=round(counts[key] / total, 4) if total else 0.0,
            first_seen=rec.first_seen if rec else None, last_seen=rec.last_seen if rec else None,
            new=bool(rec and rec.first_seen >= start), sample=rec.sample if rec else "", counts=series,
            sparkline=sparkline(series)))  # fmt: skip
    return PatternsReport(tenant=tenant, service=service, start=start, end=end, bucket_seconds=step, total=total,
                          patterns=out)  # fmt: skip


def new_patterns(store: Store, tenant: str, since: timedelta = timedelta(hours=1), at: datetime | None = None,
                 service: str | None = None, limit: int = 20) -> PatternsReport:  # fmt: skip
    """Patterns first seen within the window (or back after two weeks unseen), busiest first."""
    return top_patterns(store, tenant, since, at, service, limit, new_only=True)


def _record(store: Store, tenant: str, template_id: str, service: str | None) -> TemplateRecord:
    where, params = "TemplateId = {t:String}", {"t": template_id}
    if service:
        where += " AND ServiceName = {s:String}"
        params["s"] = service
    found = logstore.templates(store, tenant, where, params)
    if not found:
        raise UnknownPattern(f"no log pattern {template_id!r}" + (f" in {service}" if service else ""))
    if len(found) > 1:
        where_found = ", ".join(sorted(s for s, _ in found))
        raise UnknownPattern(f"pattern {template_id!r} exists in several services ({where_found}): name the service")
    return next(iter(found.values()))


def pattern_history(store: Store, tenant: str, template_id: str, service: str | None = None,
                    since: timedelta = timedelta(days=1), at: datetime | None = None) -> PatternHistory:  # fmt: skip
    """Lines of one pattern per bucket over the window; raises UnknownPattern."""
    rec = _record(store, tenant, template_id, service)
    start, end, step = _window(store, tenant, since, at)
    counts: dict[int, int] = {}
    errs: dict[int, int] = {}
    for _, _, m, n, e in logstore.minute_counts(store, tenant, start, end, rec.service, [rec.id]):
        counts[m], errs[m] = counts.get(m, 0) + n, errs.get(m, 0) + e
    c, e = _buckets(counts, start, end, step), _buckets(errs, start, end, step)
    points = [PatternPoint(at=start + timedelta(seconds=i * step), count=c[i], errors=e[i]) for i in range(len(c))]
    return PatternHistory(tenant=tenant, service=rec.service, template_id=rec.id, template=rec.text,
                          first_seen=rec.first_seen, start=start, end=end, bucket_seconds=step, total=sum(c),
                          points=points, sparkline=sparkline(c))  # fmt: skip


def pattern_lines(store: Store, tenant: str, template_id: str, service: str | None = None,
                  since: timedelta = timedelta(hours=1), at: datetime | None = None,
                  limit: int = 20) -> PatternLines:  # fmt: skip
    """Recent log lines of one pattern, newest first: candidates by the template's longest constant
    word, kept when the service's miner puts them in that template. Raises UnknownPattern."""
    rec = _record(store, tenant, template_id, service)
    start, end, _ = _window(store, tenant, since, at)
    state = logstore.states(store, tenant, rec.service).get(rec.service)
    miner = TemplateMiner.from_state(orjson.loads(state[0])) if state else None
    words = [w for w in rec.text.split() if WILD not in w]
    where = ["TenantId = {tenant:String}", "ServiceName = {s:String}", "TimestampTime >= {a:DateTime}",
             "TimestampTime < {b:DateTime}"]  # fmt: skip
    params: dict[str, object] = {"s": rec.service, "a": start, "b": end, "n": max(200, 20 * limit)}
    if words:
        where.append("position(Body, {w:String}) > 0")
        params["w"] = max(words, key=len)
    rows = store.scope(tenant).rows(
        f"""SELECT Timestamp, ServiceName, SeverityText, Body, TraceId FROM {store.options.database}.otel_logs
            WHERE {" AND ".join(where)} ORDER BY Timestamp DESC LIMIT {{n:UInt32}}""",
        params,
    )
    out = []
    for r in rows:
        if miner is not None:
            tpl = miner.match(line_of(r["Body"]))
            if tpl is None or tpl.id != rec.id:
                continue
        out.append(PatternLine(timestamp=utc(r["Timestamp"]), service=r["ServiceName"], severity=r["SeverityText"],
                               body=r["Body"], trace_id=r["TraceId"]))  # fmt: skip
        if len(out) >= limit:
            break
    return PatternLines(tenant=tenant, service=rec.service, template_id=rec.id, template=rec.text, lines=out)

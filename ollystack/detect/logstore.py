"""The log pattern tables (migration 0008), read and written for one tenant at a time.

Shared by the indexer that fills them, the detector that watches them and the functions the
CLI, API and agent call, so the SQL for each table lives in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..store import Store
from .logtemplates import WILD

TEMPLATES = "log_templates"
MINUTES = "log_pattern_minutes"
STATE = "log_miner_state"
ERROR_SEVERITY = 17  # OTel SeverityNumber of ERROR; FATAL is 21-24
WARN_SEVERITY = 13
TENANT_ROW = ""  # ServiceName of the row holding the tenant's indexing watermark
LINE_CHARS = 1000  # a body is mined on its first line, cut at this many characters
SAMPLE_CHARS = 500
BLANK = "(blank)"

_TEMPLATE_COLUMNS = ["ServiceName", "TemplateId", "Template", "FirstSeen", "LastSeen", "Count", "ErrorCount",
                     "MaxSeverity", "Sample", "UpdatedAt"]  # fmt: skip
_MINUTE_COLUMNS = ["ServiceName", "TemplateId", "Minute", "Count", "ErrorCount"]
_STATE_COLUMNS = ["ServiceName", "State", "Since", "Watermark", "UpdatedAt"]


def utc(t: datetime) -> datetime:
    """chDB hands back naive UTC datetimes."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def line_of(body: str) -> str:
    """What is mined of a body: its first non-empty line (a stack trace's is its message). A body
    of whitespace is a pattern of its own, so every row with a body is counted."""
    for line in body.splitlines():
        if line.strip():
            return line.strip()[:LINE_CHARS]
    return BLANK


@dataclass
class TemplateRecord:
    service: str
    id: str
    text: str
    first_seen: datetime
    last_seen: datetime
    count: int = 0
    error_count: int = 0
    max_severity: int = 0
    sample: str = ""


def _db(store: Store) -> str:
    return store.options.database


# -- writes ---------------------------------------------------------------------------------------
def write_minutes(store: Store, tenant: str, rows: Sequence[tuple[str, str, datetime, int, int]]) -> None:
    store.writer(tenant).insert_rows(MINUTES, _MINUTE_COLUMNS, [list(r) for r in rows])


def write_templates(store: Store, tenant: str, records: Iterable[TemplateRecord], version: datetime) -> None:
    rows = [[r.service, r.id, r.text, r.first_seen, r.last_seen, r.count, r.error_count, r.max_severity,
             r.sample[:SAMPLE_CHARS], version] for r in records]  # fmt: skip
    if rows:
        store.writer(tenant).insert_rows(TEMPLATES, _TEMPLATE_COLUMNS, rows)


def write_states(store: Store, tenant: str, rows: Sequence[tuple[str, str, datetime, datetime]],
                 version: datetime) -> None:  # fmt: skip
    """(service, state JSON, since, watermark) rows; service '' is the tenant's watermark."""
    if rows:
        store.writer(tenant).insert_rows(STATE, _STATE_COLUMNS, [[*r, version] for r in rows])


def delete_minutes_from(store: Store, tenant: str, minute: datetime) -> int:
    """Drop minute rows at or past `minute` (left by a cycle that did not record its watermark)."""
    n = store.scope(tenant).scalar(
        f"SELECT count() FROM {_db(store)}.{MINUTES} WHERE TenantId = {{tenant:String}} AND Minute >= {{m:DateTime}}",
        {"m": minute},
    )
    if n:
        store.writer(tenant).delete_where(MINUTES, "Minute >= {m:DateTime}", {"m": minute})
    return int(n or 0)


# -- reads ----------------------------------------------------------------------------------------
def watermark(store: Store, tenant: str) -> datetime | None:
    """How far the tenant's logs are indexed (exclusive), or None before the first cycle."""
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT Watermark FROM {_db(store)}.{STATE} FINAL
                WHERE TenantId = {{tenant:String}} AND ServiceName = {{row:String}}""",
            {"row": TENANT_ROW},
        )
        .result_rows
    )
    return utc(rows[0][0]) if rows else None


def states(store: Store, tenant: str, service: str | None = None) -> dict[str, tuple[str, datetime]]:
    """service -> (miner state JSON, since) for every indexed service of the tenant (or one)."""
    one = "AND ServiceName = {service:String}" if service else ""
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT ServiceName, State, Since FROM {_db(store)}.{STATE} FINAL
                WHERE TenantId = {{tenant:String}} AND ServiceName != {{row:String}} {one}""",
            {"row": TENANT_ROW, **({"service": service} if service else {})},
        )
        .result_rows
    )
    return {r[0]: (r[1], utc(r[2])) for r in rows}


def service_since(store: Store, tenant: str) -> dict[str, datetime]:
    """service -> when its logs were first indexed (how much baseline it has)."""
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT ServiceName, Since FROM {_db(store)}.{STATE} FINAL
                WHERE TenantId = {{tenant:String}} AND ServiceName != {{row:String}}""",
            {"row": TENANT_ROW},
        )
        .result_rows
    )
    return {r[0]: utc(r[1]) for r in rows}


def templates(store: Store, tenant: str, where: str = "", params: dict[str, Any] | None = None
              ) -> dict[tuple[str, str], TemplateRecord]:  # fmt: skip
    """(service, template id) -> record; `where` is extra SQL over bound parameters only."""
    rows = store.scope(tenant).rows(
        f"""SELECT ServiceName, TemplateId, Template, FirstSeen, LastSeen, Count, ErrorCount, MaxSeverity, Sample
            FROM {_db(store)}.{TEMPLATES} FINAL
            WHERE TenantId = {{tenant:String}} {f"AND ({where})" if where else ""}""",
        params or {},
    )
    return {
        (r["ServiceName"], r["TemplateId"]): TemplateRecord(
            r["ServiceName"], r["TemplateId"], r["Template"], utc(r["FirstSeen"]), utc(r["LastSeen"]),
            int(r["Count"]), int(r["ErrorCount"]), int(r["MaxSeverity"]), r["Sample"])
        for r in rows
    }  # fmt: skip


def minute_counts(store: Store, tenant: str, start: datetime, end: datetime, service: str | None = None,
                  ids: Sequence[str] | None = None) -> list[tuple[str, str, int, int, int]]:  # fmt: skip
    """(service, template id, minute epoch, count, errors) in [start, end), oldest first."""
    where = ["TenantId = {tenant:String}", "Minute >= {a:DateTime}", "Minute < {b:DateTime}"]
    params: dict[str, Any] = {"a": start, "b": end}
    if service:
        where.append("ServiceName = {service:String}")
        params["service"] = service
    if ids is not None:
        where.append("TemplateId IN {ids:Array(String)}")
        params["ids"] = list(ids)
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT ServiceName, TemplateId, toUnixTimestamp(Minute), Count, ErrorCount
                FROM {_db(store)}.{MINUTES} WHERE {" AND ".join(where)} ORDER BY Minute""",
            params,
        )
        .result_rows
    )
    return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]


def volumes(store: Store, tenant: str, start: datetime, end: datetime) -> list[tuple[str, str, int, int]]:
    """(service, template id, lines, first minute epoch) per template in [start, end)."""
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT ServiceName, TemplateId, sum(Count), toUnixTimestamp(min(Minute))
                FROM {_db(store)}.{MINUTES}
                WHERE TenantId = {{tenant:String}} AND Minute >= {{a:DateTime}} AND Minute < {{b:DateTime}}
                GROUP BY ServiceName, TemplateId""",
            {"a": start, "b": end},
        )
        .result_rows
    )
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def service_errors(store: Store, tenant: str, start: datetime, end: datetime) -> list[tuple[str, int, int, int]]:
    """(service, minute epoch, lines, error lines) for every minute a service logged in [start, end)."""
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT ServiceName, toUnixTimestamp(Minute) AS m, sum(Count), sum(ErrorCount)
                FROM {_db(store)}.{MINUTES}
                WHERE TenantId = {{tenant:String}} AND Minute >= {{a:DateTime}} AND Minute < {{b:DateTime}}
                GROUP BY ServiceName, m ORDER BY m""",
            {"a": start, "b": end},
        )
        .result_rows
    )
    return [(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def sql_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def line_regex(template: str) -> str:
    """A regular expression (re2) for a template's lines: `<*>` (and what masking hid) match anything.
    `%` is written `\\x25`, so the SQL can run through a client that formats `%` itself."""
    return "^" + ".*".join(re.escape(p).replace("%", r"\x25") for p in template.split(WILD))


def lines_query(store: Store, service: str, template: str) -> str:
    """SQL that shows a template's lines (approximately: a regex over its constant parts)."""
    return (f"SELECT Timestamp, SeverityText, Body FROM {_db(store)}.otel_logs WHERE ServiceName = "
            f"{sql_literal(service)} AND match(Body, {sql_literal(line_regex(template))}) ORDER BY Timestamp DESC "
            "LIMIT 100")  # fmt: skip


def minutes_query(store: Store, service: str, template_id: str) -> str:
    """SQL that shows a template's lines per minute, as the detector saw them."""
    return (f"SELECT Minute, Count, ErrorCount FROM {_db(store)}.{MINUTES} WHERE ServiceName = "
            f"{sql_literal(service)} AND TemplateId = {sql_literal(template_id)} ORDER BY Minute")  # fmt: skip

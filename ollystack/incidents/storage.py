"""Incidents in ClickHouse: versioned rows in `incidents`, the timeline in `incident_events`.

The store is the source of truth: the engine reads the incidents it works on before every change,
so a CLI or API action, a restart or a second manager sees and continues the same incidents.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..store import Store
from .model import Incident, IncidentEvent, Member

INCIDENTS = "incidents"
EVENTS = "incident_events"
_COLUMNS = ["IncidentId", "Title", "Severity", "Status", "Services", "Roles", "OpenedAt", "UpdatedAt", "ResolvedAt",
            "ResolvedBy", "AcknowledgedBy", "AcknowledgedAt", "Flapping", "ReopenCount", "ReopenedAt", "DedupKeys",
            "Members", "Channel"]  # fmt: skip
_EVENT_COLUMNS = ["IncidentId", "EventId", "At", "Seq", "Kind", "Text", "Data"]
_MS = timedelta(milliseconds=1)


class UnknownIncident(KeyError):
    def __str__(self) -> str:
        return f"no incident {self.args[0]!r}"


def ms(t: datetime) -> datetime:
    """UTC, truncated to what DateTime64(3) keeps (versions must compare the same in and out)."""
    t = t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def _utc(t: datetime | None) -> datetime | None:
    return None if t is None else t.replace(tzinfo=UTC)


def _row(inc: Incident) -> list[Any]:
    return [inc.id, inc.title, inc.severity, inc.status, list(inc.services), dict(inc.roles), inc.opened_at,
            inc.updated_at, inc.resolved_at, inc.resolved_by, inc.acknowledged_by, inc.acknowledged_at,
            int(inc.flapping), inc.reopen_count, list(inc.reopened_at), inc.dedup_keys,
            orjson.dumps([m.model_dump(mode="json") for m in inc.members]).decode(), inc.channel]  # fmt: skip


def _incident(tenant: str, r: dict[str, Any]) -> Incident:
    return Incident(
        id=r["IncidentId"], tenant=tenant, title=r["Title"], severity=r["Severity"], status=r["Status"],
        services=list(r["Services"]), roles=dict(r["Roles"]), opened_at=_utc(r["OpenedAt"]),
        updated_at=_utc(r["UpdatedAt"]), resolved_at=_utc(r["ResolvedAt"]), resolved_by=r["ResolvedBy"],
        acknowledged_by=r["AcknowledgedBy"], acknowledged_at=_utc(r["AcknowledgedAt"]), flapping=bool(r["Flapping"]),
        reopen_count=r["ReopenCount"], reopened_at=[t.replace(tzinfo=UTC) for t in r["ReopenedAt"]],
        members=[Member.model_validate(m) for m in orjson.loads(r["Members"] or "[]")], channel=r["Channel"],
    )  # fmt: skip


def save(store: Store, inc: Incident, at: datetime) -> None:
    """Write a new version of `inc`. Its UpdatedAt is `at`, or just after the version it replaces
    when that is later (a person's wall-clock action on an incident the engine runs in virtual
    time), so the newest write always wins."""
    inc.updated_at = max(ms(at), ms(inc.updated_at) + _MS)
    store.writer(inc.tenant).insert_rows(INCIDENTS, _COLUMNS, [_row(inc)])


def append(store: Store, inc: Incident, events: Sequence[IncidentEvent]) -> None:
    seq = time.time_ns()
    rows = [[inc.id, uuid.uuid4(), ms(e.at), seq + i, e.kind, e.text, orjson.dumps(e.data, default=str).decode()]
            for i, e in enumerate(events)]  # fmt: skip
    store.writer(inc.tenant).insert_rows(EVENTS, _EVENT_COLUMNS, rows)


def query(store: Store, tenant: str, where: str = "", params: dict[str, Any] | None = None,
          limit: int = 1000) -> list[Incident]:  # fmt: skip
    """Incidents of one tenant, newest first; `where` is extra SQL over bound parameters only."""
    rows = store.scope(tenant).rows(
        f"""SELECT {", ".join(c for c in _COLUMNS if c != "DedupKeys")}
            FROM {store.options.database}.{INCIDENTS} FINAL
            WHERE TenantId = {{tenant:String}} {f"AND ({where})" if where else ""}
            ORDER BY OpenedAt DESC, IncidentId LIMIT {{limit:UInt32}}""",
        {**(params or {}), "limit": limit},
    )
    return [_incident(tenant, r) for r in rows]


def live(store: Store, tenant: str, resolved_since: datetime) -> list[Incident]:
    """What the engine works on: active incidents and those resolved recently enough to reopen."""
    return query(store, tenant, "Status != 'resolved' OR ResolvedAt >= {since:DateTime64(3)}",
                 {"since": ms(resolved_since)})  # fmt: skip


def find(store: Store, tenant: str, ref: str | uuid.UUID) -> Incident:
    """One incident by id, or by a unique prefix of it (what people type from a chat card)."""
    text = str(ref).strip().lower()
    try:
        found = query(store, tenant, "IncidentId = {id:UUID}", {"id": uuid.UUID(text)}, limit=1)
    except ValueError:
        if len(text) < 4 or any(c not in "0123456789abcdef-" for c in text):
            raise UnknownIncident(str(ref)) from None
        found = query(store, tenant, "startsWith(toString(IncidentId), {prefix:String})", {"prefix": text}, limit=2)
        if len(found) > 1:
            raise UnknownIncident(f"{ref} (ambiguous: more than one incident id starts with it)") from None
    if not found:
        raise UnknownIncident(str(ref))
    return found[0]


def timeline(store: Store, inc: Incident) -> list[IncidentEvent]:
    rows = store.scope(inc.tenant).rows(
        f"""SELECT At, Kind, Text, Data FROM {store.options.database}.{EVENTS}
            WHERE TenantId = {{tenant:String}} AND IncidentId = {{id:UUID}} ORDER BY At, Seq""",
        {"id": inc.id},
    )
    return [IncidentEvent(at=r["At"].replace(tzinfo=UTC), kind=r["Kind"], text=r["Text"],
                          data=orjson.loads(r["Data"] or "{}")) for r in rows]  # fmt: skip


def tenants_with_active(store: Store) -> list[str]:
    """Tenants that have an incident not yet resolved (the engine's tick; an operator-level read)."""
    rows = store.client.query(
        f"SELECT DISTINCT TenantId FROM {store.options.database}.{INCIDENTS} FINAL WHERE Status != 'resolved' "
        "ORDER BY 1"
    ).result_rows
    return [r[0] for r in rows]

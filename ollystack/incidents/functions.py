"""The incidents capability as typed functions: what the CLI, the HTTP API, chat and agent tools call.

They work on the store directly (the CLI runs them when the service is stopped); inside the
service `IncidentManager`'s methods of the same names call them and notify the channel too.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ..store import Store
from . import storage
from .model import STATUSES, Incident, IncidentEvent
from .storage import UnknownIncident

LOCK = "incidents"  # one writer at a time per process: the engine, the API and chat share incidents

__all__ = ["InvalidTransition", "UnknownIncident", "acknowledge", "add_message", "get", "list_incidents", "mitigate",
           "resolve"]  # fmt: skip


class InvalidTransition(ValueError):
    """An action the incident's status does not allow (acknowledging a resolved incident)."""


def _now(at: datetime | None) -> datetime:
    return storage.ms(at or datetime.now(UTC))


def list_incidents(store: Store, tenant: str, status: str | None = None, service: str | None = None,
                   since: datetime | None = None, limit: int = 100) -> list[Incident]:  # fmt: skip
    """Incidents newest first (timelines not loaded). `since` keeps those open at any time since then."""
    where, params = [], {}
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
        where.append("Status = {status:String}")
        params["status"] = status
    if service:
        where.append("has(Services, {service:String})")
        params["service"] = service
    if since is not None:
        where.append("(OpenedAt >= {since:DateTime64(3)} OR ResolvedAt IS NULL OR ResolvedAt >= {since:DateTime64(3)})")
        params["since"] = storage.ms(since)
    return storage.query(store, tenant, " AND ".join(where), params, limit=limit)


def get(store: Store, tenant: str, ref: str | uuid.UUID) -> Incident:
    """One incident with its timeline, by id or a unique prefix of it; raises UnknownIncident."""
    inc = storage.find(store, tenant, ref)
    inc.timeline = storage.timeline(store, inc)
    return inc


def _act(store: Store, tenant: str, ref: str | uuid.UUID, who: str, at: datetime | None, kind: str,
         text: str, data: dict[str, Any], change: Any = None) -> Incident:  # fmt: skip
    if not who.strip():
        raise ValueError("say who is acting (a person's name or handle)")
    with store.lock(LOCK):
        inc = storage.find(store, tenant, ref)
        when = _now(at)
        if change is not None:
            change(inc, when)
        event = IncidentEvent(at=when, kind=kind, text=text, data={"by": who, **data})  # type: ignore[arg-type]
        storage.save(store, inc, when)
        storage.append(store, inc, [event])
        inc.timeline = storage.timeline(store, inc)
        return inc


def _noted(text: str, note: str) -> str:
    return f"{text}: {note}" if note else text


def acknowledge(store: Store, tenant: str, ref: str | uuid.UUID, who: str, note: str = "",
                at: datetime | None = None) -> Incident:  # fmt: skip
    """Someone is on it: an open incident becomes acknowledged (a mitigated one stays mitigated)."""

    def change(inc: Incident, when: datetime) -> None:
        if inc.status == "resolved":
            raise InvalidTransition(f"incident {inc.id} is resolved; it reopens by itself if the problem recurs")
        if inc.status == "open":
            inc.status = "acknowledged"
        if not inc.acknowledged_by:
            inc.acknowledged_by, inc.acknowledged_at = who, when

    return _act(store, tenant, ref, who, at, "status", _noted(f"acknowledged by {who}", note),
                {"status": "acknowledged", "note": note}, change)  # fmt: skip


def mitigate(store: Store, tenant: str, ref: str | uuid.UUID, who: str, note: str = "",
             at: datetime | None = None) -> Incident:  # fmt: skip
    """The impact is contained (rollback, failover) while the cause may remain."""

    def change(inc: Incident, when: datetime) -> None:
        if inc.status == "resolved":
            raise InvalidTransition(f"incident {inc.id} is resolved")
        inc.status = "mitigated"
        if not inc.acknowledged_by:
            inc.acknowledged_by, inc.acknowledged_at = who, when

    return _act(store, tenant, ref, who, at, "status", _noted(f"mitigated by {who}", note),
                {"status": "mitigated", "note": note}, change)  # fmt: skip


def resolve(store: Store, tenant: str, ref: str | uuid.UUID, who: str, note: str = "",
            at: datetime | None = None) -> Incident:  # fmt: skip
    """A person closes the incident. Its member signals count as recovered; a recurrence within the
    reopen window reopens it all the same."""

    def change(inc: Incident, when: datetime) -> None:
        if inc.status == "resolved":
            raise InvalidTransition(f"incident {inc.id} is already resolved")
        inc.status, inc.resolved_at, inc.resolved_by = "resolved", when, who
        for m in inc.members:
            if m.state == "firing":
                m.state, m.last_at = "resolved", max(m.last_at, when)

    return _act(store, tenant, ref, who, at, "status", _noted(f"resolved by {who}", note),
                {"status": "resolved", "note": note}, change)  # fmt: skip


def add_message(store: Store, tenant: str, ref: str | uuid.UUID, who: str, text: str,
                at: datetime | None = None) -> Incident:  # fmt: skip
    """A note on the timeline (what someone saw or did), whatever the incident's status."""
    if not text.strip():
        raise ValueError("the message is empty")
    return _act(store, tenant, ref, who, at, "message", text, {})

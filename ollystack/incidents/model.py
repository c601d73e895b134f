"""The incident model: what the engine keeps, the store persists and the faces show.

Roles are a mapping `service -> role` ("suspected cause", "affected", "first signal", "related"):
one role per service is what a chat card or a page shows, and a mapping serialises as a JSON
object and a ClickHouse Map without any convention to explain.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Severity = Literal["critical", "high", "warning", "info"]
Status = Literal["open", "acknowledged", "mitigated", "resolved"]
EventKind = Literal["signal", "deploy", "message", "action", "status"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "high": 2, "critical": 3}
STATUSES: tuple[str, ...] = ("open", "acknowledged", "mitigated", "resolved")
ACTIVE: tuple[str, ...] = ("open", "acknowledged", "mitigated")


class IncidentEvent(BaseModel):
    """One entry of an incident's timeline."""

    at: datetime
    kind: EventKind
    text: str
    data: dict[str, Any] = Field(default_factory=dict)


class Member(BaseModel):
    """The latest state of one member signal (a detector's series, an SLO alert rule).

    Kept with the incident so dedup and auto-resolve work the same after a restart.
    """

    key: str
    source: str
    kind: str
    service: str
    series: str
    title: str
    severity: Severity
    state: Literal["firing", "resolved"]
    first_at: datetime
    last_at: datetime

    def rank(self) -> tuple[int, int]:
        """Strength of the signal: severity, then an SLO page before any anomaly of the same level."""
        return SEVERITY_RANK[self.severity], int(self.source == "slo")


class Incident(BaseModel):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    tenant: str = "default"
    title: str
    severity: Severity
    status: Status = "open"
    services: list[str] = Field(default_factory=list)
    roles: dict[str, str] = Field(default_factory=dict)
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str = ""
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None
    flapping: bool = False
    reopen_count: int = 0
    reopened_at: list[datetime] = Field(default_factory=list)
    channel: str = ""
    members: list[Member] = Field(default_factory=list)
    timeline: list[IncidentEvent] = Field(default_factory=list)

    @property
    def dedup_keys(self) -> list[str]:
        return [m.key for m in self.members]

    @property
    def active(self) -> bool:
        return self.status != "resolved"

    def member(self, key: str) -> Member | None:
        return next((m for m in self.members if m.key == key), None)

    def lead(self) -> Member | None:
        """The strongest member signal: it sets the severity and the title."""
        return max(self.members, key=lambda m: (*m.rank(), -m.first_at.timestamp()), default=None)

    def summary(self) -> str:
        return f"[{self.severity}] {self.title} ({', '.join(self.services)}; {self.status})"

    def to_json(self, timeline: bool = True) -> dict[str, Any]:
        """What the CLI and the API print; `timeline=False` for lists."""
        out = self.model_dump(mode="json", exclude=set() if timeline else {"timeline", "members"})
        out["dedup_keys"] = self.dedup_keys
        return out

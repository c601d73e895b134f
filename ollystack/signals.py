"""Signals: what detectors and SLO alerts raise, and what the incidents capability consumes.

A module of its own (not inside `detect/` or `slo/`) because both produce Signals and
`incidents/` reads them, and none of the three may import another. Signals are persisted in the
`signals` table, so a restart or another process sees the same history.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import orjson
from pydantic import BaseModel, Field

from .store import Store

SignalSeverity = Literal["critical", "high", "warning", "info"]
SignalState = Literal["firing", "resolved"]
TABLE = "signals"
_COLUMNS = ["SignalId", "Source", "Kind", "State", "Service", "Series", "Title", "Severity", "Score", "Start", "At",
            "Evidence", "Query", "DedupKey"]  # fmt: skip


class Signal(BaseModel):
    tenant: str = "default"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    kind: str
    state: SignalState = "firing"
    service: str
    series: str
    title: str
    severity: SignalSeverity
    score: float = Field(ge=0, le=1)
    start: datetime
    at: datetime
    evidence: dict[str, Any] = Field(default_factory=dict)
    query: str = ""
    dedup_key: str = ""


class SignalSink(Protocol):
    def emit(self, signal: Signal) -> None: ...


class StoreSignals:
    """Signals persisted in the store (the default sink)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def emit(self, signal: Signal) -> None:
        row = [signal.id, signal.source, signal.kind, signal.state, signal.service, signal.series, signal.title,
               signal.severity, signal.score, signal.start, signal.at,
               orjson.dumps(signal.evidence, default=str).decode(), signal.query, signal.dedup_key]  # fmt: skip
        self.store.writer(signal.tenant).insert_rows(TABLE, _COLUMNS, [row])

    def recent(self, tenant: str, since: datetime, until: datetime | None = None) -> list[Signal]:
        rows = self.store.scope(tenant).rows(
            f"""SELECT {", ".join(_COLUMNS)} FROM {self.store.options.database}.{TABLE}
                WHERE TenantId = {{tenant:String}} AND At >= {{since:DateTime64(3)}} AND At < {{until:DateTime64(3)}}
                ORDER BY At""",
            {"since": since, "until": until or datetime(2100, 1, 1, tzinfo=UTC)},
        )
        return [
            Signal(tenant=tenant, id=r["SignalId"], source=r["Source"], kind=r["Kind"], state=r["State"],
                   service=r["Service"], series=r["Series"], title=r["Title"], severity=r["Severity"],
                   score=r["Score"], start=r["Start"].replace(tzinfo=UTC), at=r["At"].replace(tzinfo=UTC),
                   evidence=orjson.loads(r["Evidence"] or "{}"), query=r["Query"], dedup_key=r["DedupKey"])
            for r in rows
        ]  # fmt: skip


class Collect:
    """A sink that keeps what it is given (for in-process consumers)."""

    def __init__(self) -> None:
        self.signals: list[Signal] = []

    def emit(self, signal: Signal) -> None:
        self.signals.append(signal)

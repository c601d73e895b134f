"""Suppression windows kept in the store, so `ollystack detect suppress` (or chat) silences the
running service's detectors for planned work, and the window outlives a restart."""

from __future__ import annotations

import fnmatch
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from ..store import Store
from .sources import SeriesKey


@dataclass(frozen=True)
class Suppression:
    """Silence series matching `pattern` (fnmatch over `service/name:measure`) in [start, end)."""

    pattern: str
    start: datetime
    end: datetime
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return {"pattern": self.pattern, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "reason": self.reason}  # fmt: skip

    def covers(self, key: SeriesKey, at: datetime) -> bool:
        return self.start <= at < self.end and fnmatch.fnmatch(str(key), self.pattern)


TABLE = "detector_suppressions"
_COLUMNS = ["SuppressionId", "Pattern", "Start", "End", "Reason", "CreatedBy", "CreatedAt"]


def add(store: Store, tenant: str, pattern: str, start: datetime, end: datetime, reason: str = "",
        by: str = "") -> Suppression:  # fmt: skip
    if end <= start:
        raise ValueError("a suppression window must end after it starts")
    if not pattern.strip():
        raise ValueError("give a pattern (e.g. 'payments/*' or '*:p99_ms')")
    store.writer(tenant).insert_rows(TABLE, _COLUMNS, [[uuid.uuid4(), pattern, start, end, reason, by,
                                                         datetime.now(UTC)]])  # fmt: skip
    return Suppression(pattern, start, end, reason)


def active(store: Store, tenant: str, at: datetime) -> list[Suppression]:
    """Windows not yet over at `at` (a window that starts later is included: it may start mid-cycle)."""
    rows = (
        store.scope(tenant)
        .query(
            f"""SELECT Pattern, Start, End, Reason FROM {store.options.database}.{TABLE}
            WHERE TenantId = {{tenant:String}} AND End > {{at:DateTime64(3)}} ORDER BY Start""",
            {"at": at},
        )
        .result_rows
    )
    return [Suppression(p, s.replace(tzinfo=UTC), e.replace(tzinfo=UTC), r) for p, s, e, r in rows]

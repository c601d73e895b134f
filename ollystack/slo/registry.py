"""SLO definitions kept in the store: saved from files, the CLI or chat, listed per tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..store import Store
from .loader import load_dir
from .model import SLO

TABLE = "slos"
_COLUMNS = ["SLOId", "Name", "Description", "ServiceName", "SLIType", "SLIQuery", "SLIThreshold", "SLIOperator",
            "TargetPercentage", "WindowDays", "WindowType", "BurnRateThresholds", "AlertChannels", "Spec", "SLIHash",
            "Origin", "Deleted", "CreatedAt", "UpdatedAt"]  # fmt: skip
FILE_ORIGIN = "file:"


class UnknownSLO(KeyError):
    def __str__(self) -> str:
        return f"no SLO named {self.args[0]!r}"


@dataclass(frozen=True)
class StoredSLO:
    slo: SLO
    origin: str
    created_at: datetime
    updated_at: datetime


def _spec(slo: SLO) -> str:
    return slo.model_dump_json()


def _row(slo: SLO, origin: str, created: datetime, now: datetime, deleted: bool = False) -> list[object]:
    sli = slo.sli
    return [
        slo.slo_id, slo.name, slo.description, slo.service, sli.type, sli.model_dump_json(),
        float(sli.threshold_ms or 0.0), "lte" if sli.type == "latency" else "", slo.target,
        min(65535, round(slo.window.nominal.total_seconds() / 86400)), slo.window.type,
        [r.burn_rate for r in slo.alerts], list(slo.channels), _spec(slo), slo.sli_hash, origin, int(deleted),
        created, now,
    ]  # fmt: skip


class Registry:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, tenant: str, name: str | None = None, deleted: bool = False) -> list[StoredSLO]:
        where = "AND Name = {name:String}" if name is not None else ""
        rows = self.store.scope(tenant).rows(
            f"""SELECT Spec, Origin, CreatedAt, UpdatedAt FROM {self.store.options.database}.{TABLE} FINAL
                WHERE TenantId = {{tenant:String}} AND Deleted = {{deleted:UInt8}} {where} ORDER BY Name""",
            {"deleted": int(deleted), **({"name": name} if name is not None else {})},
        )
        return [StoredSLO(SLO.model_validate_json(r["Spec"]), r["Origin"], r["CreatedAt"].replace(tzinfo=UTC),
                          r["UpdatedAt"].replace(tzinfo=UTC)) for r in rows]  # fmt: skip

    def list(self, tenant: str) -> list[StoredSLO]:
        return self._rows(tenant)

    def get(self, tenant: str, name: str) -> StoredSLO:
        found = self._rows(tenant, name)
        if not found:
            raise UnknownSLO(name)
        return found[0]

    def tenants(self) -> list[str]:
        """Tenants that have SLOs (the evaluator's loop; an operator-level read)."""
        rows = self.store.client.query(
            f"SELECT DISTINCT TenantId FROM {self.store.options.database}.{TABLE} FINAL WHERE Deleted = 0 ORDER BY 1"
        ).result_rows
        return [r[0] for r in rows]

    def save(self, slo: SLO, origin: str) -> bool:
        """Create or update; returns False when the stored definition is already this one."""
        existing = self._rows(slo.tenant, slo.name)
        now = datetime.now(UTC)
        if existing and _spec(existing[0].slo) == _spec(slo) and existing[0].origin == origin:
            return False
        created = existing[0].created_at if existing else now
        self.store.writer(slo.tenant).insert_rows(TABLE, _COLUMNS, [_row(slo, origin, created, now)])
        return True

    def delete(self, tenant: str, name: str) -> None:
        current = self.get(tenant, name)
        now = datetime.now(UTC)
        self.store.writer(tenant).insert_rows(TABLE, _COLUMNS, [_row(current.slo, current.origin, current.created_at,
                                                                     now, deleted=True)])  # fmt: skip

    def sync_dir(self, folder: Path) -> dict[str, list[str]]:
        """Make the store hold exactly the file-defined SLOs of `folder` (others are left alone)."""
        slos = load_dir(folder)
        report: dict[str, list[str]] = {"saved": [], "unchanged": [], "removed": []}
        wanted = {(s.tenant, s.name) for s in slos}
        for slo in slos:
            changed = self.save(slo, f"{FILE_ORIGIN}{folder}")
            report["saved" if changed else "unchanged"].append(f"{slo.tenant}/{slo.name}")
        for tenant in self.tenants():
            for stored in self.list(tenant):
                if stored.origin.startswith(FILE_ORIGIN) and (tenant, stored.slo.name) not in wanted:
                    self.delete(tenant, stored.slo.name)
                    report["removed"].append(f"{tenant}/{stored.slo.name}")
        return report

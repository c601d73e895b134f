"""Tenant-scoped reads: the only way the store lets anyone read tenant data.

Scoping does not trust the caller's SQL. Every query from a `TenantScope` carries ClickHouse's
`additional_table_filters` setting with `TenantId = '<tenant>'` for every table that has a
TenantId column, so a query that forgets its WHERE clause still sees one tenant's rows only.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.query import QueryResult

TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class TenantError(ValueError):
    """A tenant id that cannot be used to scope queries."""


def check_tenant(tenant: str) -> str:
    if not isinstance(tenant, str) or not TENANT_RE.match(tenant):
        raise TenantError(f"invalid tenant id {tenant!r}: letters, digits, '_', '.', '-' (max 64)")
    return tenant


class TenantTables:
    """Which tables carry TenantId; read from the catalogue, refreshed after migrations."""

    def __init__(self, client: Client, database: str) -> None:
        self._client = client
        self._database = database
        self._lock = threading.Lock()
        self._names: frozenset[str] | None = None

    def refresh(self) -> None:
        rows = self._client.query(
            "SELECT DISTINCT table FROM system.columns WHERE database = {db:String} AND name = 'TenantId'",
            parameters={"db": self._database},
        ).result_rows
        with self._lock:
            self._names = frozenset(r[0] for r in rows)

    @property
    def names(self) -> frozenset[str]:
        if self._names is None:
            self.refresh()
        assert self._names is not None
        return self._names


class TenantScope:
    """Read access for one tenant. Callers never bind `tenant` themselves: the scope does."""

    def __init__(self, client: Client, database: str, tables: TenantTables, tenant: str) -> None:
        self.tenant = check_tenant(tenant)
        self._client = client
        self._database = database
        self._tables = tables

    def _settings(self, extra: dict[str, Any] | None) -> dict[str, Any]:
        cond = f"TenantId = '{self.tenant}'"  # tenant matched TENANT_RE: no quote can occur
        filters: dict[str, str] = {}
        for name in self._tables.names:
            filters[name] = cond
            filters[f"{self._database}.{name}"] = cond
        settings = dict(extra or {})
        settings["additional_table_filters"] = filters
        return settings

    def _params(self, parameters: dict[str, Any] | None) -> dict[str, Any]:
        params = dict(parameters or {})
        if "tenant" in params:
            raise TenantError("'tenant' is bound by the scope; do not pass it as a parameter")
        params["tenant"] = self.tenant
        return params

    def query(
        self, sql: str, parameters: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
    ) -> QueryResult:
        """Run a SELECT; `{tenant:String}` is available to the SQL and always filtered on."""
        return self._client.query(sql, parameters=self._params(parameters), settings=self._settings(settings))

    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name: the shape the CLI, API and tools want."""
        result = self.query(sql, parameters)
        names = result.column_names
        return [dict(zip(names, row, strict=True)) for row in result.result_rows]

    def scalar(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        rows = self.query(sql, parameters).result_rows
        return rows[0][0] if rows else None

"""Tenant-scoped reads: the only way the store lets anyone read tenant data.

Scoping does not trust the caller's SQL. Every query from a `TenantScope` carries ClickHouse's
`additional_table_filters` setting with `TenantId = '<tenant>'` for every table that has a
TenantId column, so a query that forgets its WHERE clause still sees one tenant's rows only.
Before it runs, the engine's own parser must show one plain SELECT that stays inside the store's
tables (see sqlguard), and it runs `readonly` so it cannot write.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.query import QueryResult

from .sqlguard import UnsafeSql, check_ast, single_statement

TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class TenantError(ValueError):
    """A tenant id that cannot be used to scope queries."""


class UnsafeQueryError(TenantError):
    """SQL that a tenant scope refuses to run, because it could escape the tenant filter."""


def tenant_filters(tables: frozenset[str], database: str, tenant: str) -> dict[str, str]:
    """`additional_table_filters` restricting every tenant table to `tenant`."""
    cond = f"TenantId = '{check_tenant(tenant)}'"  # TENANT_RE admits no quote
    filters: dict[str, str] = {}
    for name in tables:
        filters[name] = cond
        filters[f"{database}.{name}"] = cond
    return filters


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
        self._verified: set[str] = set()  # SQL texts whose AST already passed the check

    def refresh(self) -> None:
        rows = self._client.query(
            "SELECT DISTINCT table FROM system.columns WHERE database = {db:String} AND name = 'TenantId'",
            parameters={"db": self._database},
        ).result_rows
        with self._lock:
            self._names = frozenset(r[0] for r in rows)

    @property
    def verified(self) -> set[str]:
        return self._verified

    def remember(self, sql: str) -> None:
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified.add(sql)

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
        settings = dict(extra or {})
        settings["additional_table_filters"] = tenant_filters(self._tables.names, self._database, self.tenant)
        settings["readonly"] = 2  # no writes; 2 still lets the filter setting itself be sent
        return settings

    def check_sql(self, sql: str, params: dict[str, Any]) -> str:
        """The SQL to run, once it is shown to be one SELECT that stays inside the tenant filter."""
        try:
            sql = single_statement(sql)
        except UnsafeSql as exc:
            raise UnsafeQueryError(str(exc)) from exc
        if "Identifier}" not in sql and sql in self._tables.verified:
            return sql
        try:
            raw = self._client.raw_query(f"EXPLAIN AST {sql}", parameters=params, fmt="TabSeparatedRaw")
        except Exception as exc:
            raise UnsafeQueryError(f"cannot parse the query: {exc}") from exc
        try:
            check_ast(raw.decode().splitlines(), self._database)
        except UnsafeSql as exc:
            raise UnsafeQueryError(str(exc)) from exc
        if "Identifier}" not in sql:
            self._tables.remember(sql)
        return sql

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
        params = self._params(parameters)
        sql = self.check_sql(sql, params)
        return self._client.query(sql, parameters=params, settings=self._settings(settings))

    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name: the shape the CLI, API and tools want."""
        result = self.query(sql, parameters)
        names = result.column_names
        return [dict(zip(names, row, strict=True)) for row in result.result_rows]

    def scalar(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        rows = self.query(sql, parameters).result_rows
        return rows[0][0] if rows else None

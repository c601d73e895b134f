"""Tenant-scoped writes to OllyStack's own tables (SLOs, measurements, signals, ...).

Telemetry arrives through `Store.insert_frames`; everything OllyStack derives or is told goes
through a `TenantWriter`, which stamps the tenant itself so no caller can write another tenant's
rows, and runs INSERT … SELECT with the same tenant filter reads get.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clickhouse_connect.driver.client import Client

from .client import check_name
from .scope import TenantTables, check_tenant, tenant_filters


class TenantWriter:
    def __init__(self, client: Client, database: str, tables: TenantTables, tenant: str,
                 cluster: str | None = None) -> None:  # fmt: skip
        self.tenant = check_tenant(tenant)
        self._client = client
        self._database = database
        self._tables = tables
        self._cluster = cluster

    def _table(self, table: str) -> str:
        check_name("table", table)
        if table not in self._tables.names:
            raise ValueError(f"{table} is not a tenant table")
        return f"{self._database}.{table}"

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append rows; TenantId is added here."""
        if not rows:
            return
        if "TenantId" in columns:
            raise ValueError("TenantId is set by the writer")
        data = [[self.tenant, *row] for row in rows]
        self._client.insert(self._table(table), data, column_names=["TenantId", *columns])

    def insert_select(self, table: str, columns: Sequence[str], select_sql: str, params: dict[str, Any]) -> None:
        """INSERT … SELECT where every table the SELECT reads is filtered to this tenant.

        The SELECT's first column must be `{tenant:String}` (bound here) for TenantId.
        """
        if "tenant" in params:
            raise ValueError("'tenant' is bound by the writer")
        cols = ", ".join(["TenantId", *columns])
        settings = {"additional_table_filters": tenant_filters(self._tables.names, self._database, self.tenant)}
        self._client.command(
            f"INSERT INTO {self._table(table)} ({cols}) {select_sql}",
            parameters={**params, "tenant": self.tenant},
            settings=settings,
        )

    def delete_where(self, table: str, condition: str, params: dict[str, Any]) -> None:
        """Lightweight DELETE of this tenant's rows matching `condition` (bound parameters only)."""
        if "tenant" in params:
            raise ValueError("'tenant' is bound by the writer")
        self._table(table)
        target = f"{self._database}.{table}"
        if self._cluster:  # deletes run on each shard's local table
            target = f"{self._database}.{table}_local ON CLUSTER '{self._cluster}'"
        self._client.command(
            f"DELETE FROM {target} WHERE TenantId = {{tenant:String}} AND ({condition})",
            parameters={**params, "tenant": self.tenant},
        )

"""The Store: one ClickHouse client per process, writes, migrations and tenant scopes."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from .client import check_name, database_of, embedded_path, is_embedded, make_client
from .ddl import DDLOptions, local_name
from .migrate import MigrationReport, current_version, latest_version, migrate
from .otlp_frames import REQUEST_TYPES, Framed, frame
from .otlp_schema import FRAMES, insert_settings, schema_file_name, schema_text, staging_table
from .scope import TenantScope, TenantTables, check_tenant
from .writer import TenantWriter


@dataclass(frozen=True)
class TableStats:
    table: str
    rows: int
    bytes_on_disk: int
    uncompressed_bytes: int
    parts: int
    oldest: str | None
    newest: str | None


def staging_target(stage: str, options: DDLOptions) -> str:
    """The table OTLP frames of `stage` are inserted into: the node-local Null table in a cluster
    (its view writes the Distributed table, which shards the rows)."""
    return f"{options.database}.{local_name(staging_table(stage), options)}"


class Store:
    """Process-wide access to ClickHouse.

    Embedded chDB allows one data directory per process, so the service opens exactly one Store
    and hands it to everything that needs storage. Reads go through `scope(tenant)`.
    """

    def __init__(
        self,
        url: str,
        *,
        cluster: str | None = None,
        ttl_days: dict[str, int] | None = None,
        client: Client | None = None,
        insert_connections: int = 1,
    ) -> None:
        self.url = url
        self.embedded = is_embedded(url)
        self.options = DDLOptions(
            database=database_of(url),
            cluster=check_name("cluster", cluster) if cluster else None,
            ttl_days=dict(ttl_days or {}),
        )
        self.client = client or make_client(url, cluster=self.options.cluster)
        self.tenant_tables = TenantTables(self.client, self.options.database)
        self._schema_files = self._write_schema_files() if self.embedded else {}
        # Inserts get connections of their own (opened on first use), so reads and readiness probes
        # never queue behind a commit; with several, batches commit concurrently.
        self._insert_connections = max(1, insert_connections)
        self._inserters: queue.SimpleQueue[Client] | None = None
        self._extra_clients: list[Client] = []
        self._pool_lock = threading.Lock()
        self._named_locks: dict[str, threading.RLock] = {}

    def _insert_pool(self) -> queue.SimpleQueue[Client]:
        with self._pool_lock:
            if self._inserters is None:
                pool: queue.SimpleQueue[Client] = queue.SimpleQueue()
                for _ in range(self._insert_connections):
                    extra = make_client(self.url, cluster=self.options.cluster, same_process=True)
                    self._extra_clients.append(extra)
                    pool.put(extra)
                self._inserters = pool
            return self._inserters

    def _write_schema_files(self) -> dict[str, str]:
        """Embedded engine: the frame schemas as files in the data dir (inline schemas would be
        cached by the engine under the process's working directory)."""
        folder = embedded_path(self.url) / "format_schemas"
        folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for stage in FRAMES:
            path = folder / schema_file_name(stage)
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                tmp.write_text(schema_text(stage), encoding="utf-8")
                tmp.replace(path)
            files[stage] = str(path)
        return files

    def lock(self, name: str) -> threading.RLock:
        """A process-wide lock for work that must not run twice at once on this store (e.g. two
        threads measuring the same SLO minutes)."""
        with self._pool_lock:
            return self._named_locks.setdefault(name, threading.RLock())

    # -- schema -------------------------------------------------------------------------------
    def migrate(self) -> MigrationReport:
        report = migrate(self.client, self.options)
        self.tenant_tables.refresh()
        return report

    def schema_version(self) -> int:
        return current_version(self.client, self.options)

    @staticmethod
    def code_schema_version() -> int:
        return latest_version()

    # -- writes -------------------------------------------------------------------------------
    def insert_frames(self, stage: str, data: bytes) -> None:
        """Insert a batch of OTLP frames (see otlp_frames) into one stage, in one INSERT.

        The engine decodes the frames and the stage's view writes the telemetry table; when this
        returns the rows are on disk.
        """
        if stage not in FRAMES:
            raise ValueError(f"unknown OTLP stage {stage!r}")
        if not data:
            return
        pool = self._insert_pool()
        client = pool.get()
        try:
            client.raw_insert(
                staging_target(stage, self.options),
                insert_block=data,
                settings=insert_settings(stage, self._schema_files.get(stage), self.options.clustered),
                fmt="Protobuf",
            )
        finally:
            pool.put(client)

    def insert_otlp(self, signal: str, tenant: str, requests: Sequence[bytes]) -> Framed:
        """Store serialized Export*ServiceRequests of `signal` for `tenant` (tools, tests, backfill).

        The service's receivers do the same in two steps so they can batch across requests.
        """
        if signal not in REQUEST_TYPES:
            raise ValueError(f"unknown signal {signal!r}; use traces, logs or metrics")
        request_type = REQUEST_TYPES[signal]
        total = Framed()
        for raw in requests:
            framed = frame(signal, request_type.FromString(raw), check_tenant(tenant))
            for stage, parts in framed.frames.items():
                total.frames.setdefault(stage, []).extend(parts)
            total.accepted += framed.accepted
            total.rejected += framed.rejected
        for stage, data in total.payloads().items():
            self.insert_frames(stage, data)
        return total

    # -- reads --------------------------------------------------------------------------------
    def scope(self, tenant: str) -> TenantScope:
        return TenantScope(self.client, self.options.database, self.tenant_tables, check_tenant(tenant))

    def writer(self, tenant: str) -> TenantWriter:
        return TenantWriter(self.client, self.options.database, self.tenant_tables, check_tenant(tenant),
                            self.options.cluster)  # fmt: skip

    def table_stats(self) -> list[TableStats]:
        """Size of every OllyStack table (all tenants: an operator's view, not a tenant read)."""
        rows = self.client.query(
            """
            SELECT table, sum(rows), sum(bytes_on_disk), sum(data_uncompressed_bytes), count(),
                   toString(min(min_time)), toString(max(max_time))
            FROM system.parts
            WHERE database = {db:String} AND active
            GROUP BY table ORDER BY table
            """,
            parameters={"db": self.options.database},
        ).result_rows
        by_table = {r[0]: r for r in rows}
        names = self.client.query(
            "SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree%' ORDER BY name",
            parameters={"db": self.options.database},
        ).result_rows
        out = []
        for (name,) in names:
            r = by_table.get(name)
            if r is None:
                out.append(TableStats(name, 0, 0, 0, 0, None, None))
                continue
            oldest = None if r[5].startswith("1970") else r[5]
            newest = None if r[6].startswith("1970") else r[6]
            out.append(TableStats(name, int(r[1]), int(r[2]), int(r[3]), int(r[4]), oldest, newest))
        return out

    def tenant_row_counts(self, tenant: str) -> list[dict[str, Any]]:
        """Rows per telemetry table for one tenant (what a tenant may know of the store)."""
        scope = self.scope(tenant)
        out = []
        for table in sorted(self.tenant_tables.names):
            rows = scope.scalar(f"SELECT count() FROM {self.options.database}.{table}")
            out.append({"table": table, "rows": int(rows or 0), "bytes_on_disk": None, "uncompressed_bytes": None,
                        "parts": None, "oldest": None, "newest": None})  # fmt: skip
        return out

    def ping(self) -> bool:
        try:
            return bool(self.client.command("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not reachable" to a readiness probe
            return False

    def close(self) -> None:
        for extra in self._extra_clients:
            extra.close()
        self.client.close()

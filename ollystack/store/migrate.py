"""Numbered `.sql` migrations with a schema-version table.

`migrate` is idempotent: it applies only versions above the recorded one, every statement is
`IF NOT EXISTS`, and it refuses to touch a database whose schema is newer than this code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from clickhouse_connect.driver.client import Client

from .ddl import DDLOptions, local_name, render, ttl_clause
from .tables import SIGNAL_TABLES, TTL_COLUMN

VERSION_TABLE = "ollystack_schema_migrations"
_FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer OllyStack; running older code could corrupt it."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


@dataclass
class MigrationReport:
    before: int
    after: int
    applied: list[str]
    ttl_changed: list[str]


def available() -> list[Migration]:
    """The migrations shipped with this code, in version order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = _FILE_RE.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return found


def latest_version() -> int:
    migs = available()
    return migs[-1].version if migs else 0


def _version_table_ddl(opts: DDLOptions) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS {{{{LOCAL:{VERSION_TABLE}}}}} {{{{ON_CLUSTER}}}} (
    Version UInt32,
    Name String,
    Checksum String,
    AppliedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = {{{{ENGINE:ReplacingMergeTree(AppliedAt)}}}}
ORDER BY Version;
{{{{DISTRIBUTED:{VERSION_TABLE}:Version}}}}
"""


def current_version(client: Client, opts: DDLOptions) -> int:
    exists = client.query(
        "SELECT count() FROM system.tables WHERE database = {db:String} AND name = {t:String}",
        parameters={"db": opts.database, "t": VERSION_TABLE},
    ).result_rows[0][0]
    if not exists:
        return 0
    value = client.query(f"SELECT max(Version) FROM {opts.database}.{VERSION_TABLE}").result_rows[0][0]
    return int(value or 0)


def migrate(client: Client, opts: DDLOptions) -> MigrationReport:
    """Bring the schema to this code's version and the TTLs to the configured retention."""
    migs = available()
    known = migs[-1].version if migs else 0
    for stmt in render(_version_table_ddl(opts), opts):
        client.command(stmt)
    before = current_version(client, opts)
    if before > known:
        raise SchemaTooNewError(
            f"database schema is at version {before} but this OllyStack knows only up to {known}; "
            "upgrade OllyStack instead of migrating backwards"
        )
    applied: list[str] = []
    for mig in migs:
        if mig.version <= before:
            continue
        for stmt in render(mig.sql, opts):
            client.command(stmt)
        client.insert(
            f"{opts.database}.{VERSION_TABLE}",
            [[mig.version, mig.name, mig.checksum]],
            column_names=["Version", "Name", "Checksum"],
        )
        applied.append(f"{mig.version:04d}_{mig.name}")
    ttl_changed = apply_retention(client, opts)
    return MigrationReport(before=before, after=max(before, known), applied=applied, ttl_changed=ttl_changed)


def _current_ttl(client: Client, database: str, table: str) -> str:
    rows = client.query(
        "SELECT create_table_query FROM system.tables WHERE database = {db:String} AND name = {t:String}",
        parameters={"db": database, "t": table},
    ).result_rows
    if not rows:
        return ""
    m = re.search(r"\bTTL (.+?)(?: SETTINGS |$)", rows[0][0])
    return m.group(1).strip() if m else ""


def _normalise(ttl: str) -> str:
    return re.sub(r"\s+", "", ttl.removeprefix("TTL ")).lower()


def apply_retention(client: Client, opts: DDLOptions) -> list[str]:
    """Change table TTLs whose configured retention differs from what the table has."""
    changed = []
    for signal, tables in SIGNAL_TABLES.items():
        for table in tables:
            physical = local_name(table, opts)
            want = ttl_clause(signal, TTL_COLUMN[table], opts)
            have = _current_ttl(client, opts.database, physical)
            if _normalise(want) == _normalise(have):
                continue
            on_cluster = f" ON CLUSTER '{opts.cluster}'" if opts.clustered else ""
            target = f"{opts.database}.{physical}{on_cluster}"
            if want:
                client.command(f"ALTER TABLE {target} MODIFY {want}")
            elif have:
                client.command(f"ALTER TABLE {target} REMOVE TTL")
            changed.append(table)
    return changed

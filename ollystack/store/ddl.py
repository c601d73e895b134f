"""Render the DDL files for one deployment shape.

The same `.sql` files serve the embedded store, a single server and a cluster; placeholders
decide the engine, `ON CLUSTER`, the physical (local) table names, TTLs and Distributed tables,
so the cluster variant is a setting and never a fork of the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .otlp_schema import placeholder

_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)(?::(.*?))?\}\}")


@dataclass(frozen=True)
class DDLOptions:
    """What differs between deployments; everything else lives in the `.sql` files."""

    database: str = "default"
    cluster: str | None = None
    ttl_days: dict[str, int] = field(default_factory=dict)

    @property
    def clustered(self) -> bool:
        return bool(self.cluster)


def local_name(table: str, opts: DDLOptions) -> str:
    """Physical table name: `X_local` behind a Distributed `X` in a cluster, else `X`."""
    return f"{table}_local" if opts.clustered else table


def ttl_clause(signal: str, expr: str, opts: DDLOptions) -> str:
    days = opts.ttl_days.get(signal, 0)
    return f"TTL {expr} + toIntervalDay({int(days)})" if days > 0 else ""


def _engine(spec: str, table: str, opts: DDLOptions) -> str:
    if not opts.clustered:
        return spec
    name, _, args = spec.partition("(")
    args = args.rstrip(")").strip()
    zk = f"'/clickhouse/tables/{{shard}}/{opts.database}/{table}', '{{replica}}'"
    return f"Replicated{name}({zk}{', ' + args if args else ''})"


def render(sql: str, opts: DDLOptions) -> list[str]:
    """Return the executable statements of one DDL file, placeholders filled in."""
    current_table: list[str] = []

    def sub(m: re.Match[str]) -> str:
        key, arg = m.group(1), m.group(2) or ""
        if key == "LOCAL":
            if not current_table:
                current_table.append(arg)
            return f"{opts.database}.{local_name(arg, opts)}"
        if key == "ON_CLUSTER":
            return f"ON CLUSTER '{opts.cluster}'" if opts.clustered else ""
        if key == "ENGINE":
            return _engine(arg, local_name(current_table[0], opts) if current_table else "", opts)
        if key == "TTL":
            signal, _, expr = arg.partition(":")
            return ttl_clause(signal, expr, opts)
        if key == "TABLE":
            return f"{opts.database}.{arg}"
        if key == "DISTRIBUTED":
            table, _, shard_key = arg.partition(":")
            if not opts.clustered:
                return ""
            return (
                f"CREATE TABLE IF NOT EXISTS {opts.database}.{table} ON CLUSTER '{opts.cluster}' "
                f"AS {opts.database}.{local_name(table, opts)} "
                f"ENGINE = Distributed('{opts.cluster}', '{opts.database}', "
                f"'{local_name(table, opts)}', {shard_key})"
            )
        expanded = placeholder(key, arg)
        if expanded is None:
            raise ValueError(f"unknown DDL placeholder {{{{{key}}}}}")
        return expanded

    statements: list[str] = []
    for raw in split_statements(sql):
        current_table.clear()
        text = _PLACEHOLDER.sub(sub, raw).strip()
        if text and not _only_comments(text):
            statements.append(text)
    return statements


def split_statements(sql: str) -> list[str]:
    """Split on `;` at line ends; our DDL files never put a `;` inside a literal."""
    return [s for s in re.split(r";\s*(?:\n|$)", sql) if s.strip()]


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())

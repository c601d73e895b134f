"""Cluster mode is rendered from the same DDL files as the embedded store and a single server.

Why: the cluster variant (Replicated engines, `ON CLUSTER`, `<table>_local` physical tables behind
Distributed tables) is a setting, never a fork of the schema, and no cluster runs here. So these
tests render every migration for a cluster and check its shape statement by statement, have the
real engine parse every statement (`formatQuery`), and check that the names the store reads and
writes exist in that rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from clickhouse_connect.driver.client import Client

from ollystack.store.client import make_client
from ollystack.store.ddl import DDLOptions, render
from ollystack.store.migrate import VERSION_TABLE, _version_table_ddl, available
from ollystack.store.otlp_schema import FRAMES
from ollystack.store.store import staging_target
from ollystack.store.tables import SIGNAL_TABLES, STATE_TABLES

TTL = {"traces": 7, "logs": 3, "metrics": 30}
CLUSTER = DDLOptions(database="otel", cluster="prod", ttl_days=TTL)
SINGLE = DDLOptions(database="otel", ttl_days=TTL)
TELEMETRY = [t for tables in SIGNAL_TABLES.values() for t in tables]
SHARD_KEYS = {
    "otel_traces": "cityHash64(TraceId)",
    "otel_traces_trace_id_ts": "cityHash64(TraceId)",
    "otel_logs": "rand()",
    **dict.fromkeys(SIGNAL_TABLES["metrics"], "rand()"),
    VERSION_TABLE: "Version",
    **STATE_TABLES,
}
TTL_EXPR = {
    "otel_traces": "TTL toDateTime(Timestamp) + toIntervalDay(7)",
    "otel_traces_trace_id_ts": "TTL Start + toIntervalDay(7)",
    "otel_logs": "TTL TimestampTime + toIntervalDay(3)",
    **dict.fromkeys(SIGNAL_TABLES["metrics"], "TTL toDateTime(TimeUnix) + toIntervalDay(30)"),
}

_NAME = re.compile(r"^CREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS (\S+)(.*)$", re.DOTALL)
_REPLICATED = re.compile(r"ENGINE = (Replicated\w*MergeTree)\('([^']*)', '([^']*)'(?:, ([^)]*))?\)")
_DISTRIBUTED = re.compile(r"^ AS (\S+) ENGINE = Distributed\('([^']*)', '([^']*)', '([^']*)', (.+)\)$")


def _strip_comments(stmt: str) -> str:
    return "\n".join(line for line in stmt.splitlines() if not line.strip().startswith("--")).strip()


def rendered(opts: DDLOptions) -> list[str]:
    """Every statement `migrate` would run for `opts`: the version table, then each migration."""
    out = render(_version_table_ddl(opts), opts)
    for mig in available():
        out += render(mig.sql, opts)
    return [_strip_comments(s) for s in out]


def created(statements: list[str]) -> dict[str, tuple[str, str]]:
    """name -> (TABLE | MATERIALIZED VIEW, rest of the statement)."""
    out = {}
    for stmt in statements:
        m = _NAME.match(stmt)
        assert m, f"not a CREATE … IF NOT EXISTS statement: {stmt[:120]}"
        assert m.group(2) not in out, f"{m.group(2)} created twice"
        out[m.group(2)] = (m.group(1), m.group(3))
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """The real engine, embedded (no schema needed: it only parses)."""
    client = make_client(f"chdb://{tmp_path_factory.mktemp('parse') / 'data'}")
    try:
        yield client
    finally:
        client.close()


def _parses(client: Client, stmt: str) -> str:
    return client.query("SELECT formatQuery({q:String})", parameters={"q": stmt}).result_rows[0][0]


@pytest.mark.parametrize("opts", [CLUSTER, SINGLE], ids=["cluster", "single"])
def test_every_rendered_statement_parses(engine: Client, opts: DDLOptions) -> None:
    statements = rendered(opts)
    assert len(statements) > 20
    for stmt in statements:
        formatted = _parses(engine, stmt)
        assert formatted.startswith("CREATE"), stmt[:120]
        assert ("ON CLUSTER prod" in formatted) == opts.clustered, formatted[:200]


def test_every_create_is_on_the_cluster() -> None:
    for name, (_, rest) in created(rendered(CLUSTER)).items():
        assert rest.startswith(" ON CLUSTER 'prod'"), name


def test_physical_tables_are_replicated_local_tables() -> None:
    tables = created(rendered(CLUSTER))
    for logical in [*TELEMETRY, VERSION_TABLE, *STATE_TABLES]:
        local = f"otel.{logical}_local"
        assert local in tables, f"{local} missing"
        kind, rest = tables[local]
        assert kind == "TABLE"
        m = _REPLICATED.search(rest)
        assert m, f"{local} is not Replicated*MergeTree: {rest[-300:]}"
        assert (m.group(2), m.group(3)) == (f"/clickhouse/tables/{{shard}}/otel/{logical}_local", "{replica}")
    engines = {n: _REPLICATED.search(r[1]) for n, r in tables.items()}
    assert engines["otel.otel_traces_local"].group(1) == "ReplicatedMergeTree"  # type: ignore[union-attr]
    assert engines["otel.otel_traces_trace_id_ts_local"].group(1) == "ReplicatedAggregatingMergeTree"  # type: ignore[union-attr]
    version = engines[f"otel.{VERSION_TABLE}_local"]
    assert version is not None and (version.group(1), version.group(4)) == ("ReplicatedReplacingMergeTree", "AppliedAt")
    # TTLs live on the physical tables
    for table, ttl in TTL_EXPR.items():
        assert ttl in tables[f"otel.{table}_local"][1], table


def test_logical_names_are_distributed_tables_over_the_local_ones() -> None:
    tables = created(rendered(CLUSTER))
    distributed = {}
    for name, (kind, rest) in tables.items():
        m = _DISTRIBUTED.match(rest.removeprefix(" ON CLUSTER 'prod'"))
        if m:
            assert kind == "TABLE"
            distributed[name] = m.groups()
    assert set(distributed) == {f"otel.{t}" for t in [*TELEMETRY, VERSION_TABLE, *STATE_TABLES]}
    for logical in [*TELEMETRY, VERSION_TABLE, *STATE_TABLES]:
        as_table, cluster, database, local, key = distributed[f"otel.{logical}"]
        assert (as_table, cluster, database, local, key) == (
            f"otel.{logical}_local",
            "prod",
            "otel",
            f"{logical}_local",
            SHARD_KEYS[logical],
        )
        assert " TTL " not in tables[f"otel.{logical}"][1]


def _views(statements: list[str]) -> dict[str, tuple[str, set[str]]]:
    """view name -> (TO target, tables it reads)."""
    out = {}
    for name, (kind, rest) in created(statements).items():
        if kind == "MATERIALIZED VIEW":
            target = re.search(r"\bTO (\S+)", rest)
            assert target, name
            out[name] = (target.group(1), set(re.findall(r"\bFROM (otel\.\w+)", rest)))
    return out


def test_views_write_distributed_tables_except_the_trace_id_lookup() -> None:
    statements = rendered(CLUSTER)
    tables = created(statements)
    views = _views(statements)
    staging_views = {n: v for n, v in views.items() if n.startswith("otel.otlp_")}
    assert len(staging_views) == len(FRAMES)
    targets = set()
    for name, (target, sources) in staging_views.items():
        (source,) = sources
        assert re.fullmatch(r"otel\.otlp_\w+_in_local", source), (name, source)
        assert "ENGINE = Null" in tables[source][1]
        assert "Distributed(" in tables[target][1], f"{name} should write the Distributed {target}"
        targets.add(target)
    assert targets == {f"otel.{t}" for t in TELEMETRY if t != "otel_traces_trace_id_ts"}
    lookup = {n: v for n, v in views.items() if "trace_id_ts" in n}
    assert list(lookup.values()) == [("otel.otel_traces_trace_id_ts_local", {"otel.otel_traces_local"})]


def test_single_node_rendering_has_no_cluster_parts() -> None:
    statements = rendered(SINGLE)
    text = "\n".join(statements)
    for word in ("ON CLUSTER", "Distributed", "_local", "Replicated", "{shard}", "{replica}"):
        assert word not in text
    tables = created(statements)
    cluster_tables = created(rendered(CLUSTER))
    # the same objects: the cluster adds one Distributed table per physical MergeTree table
    assert {n.removesuffix("_local") for n in cluster_tables} == set(tables)
    for table, ttl in TTL_EXPR.items():
        assert ttl in tables[f"otel.{table}"][1]
        assert re.search(r"ENGINE = (Aggregating)?MergeTree\b", tables[f"otel.{table}"][1]), table
    views = _views(statements)
    assert views["otel.otel_traces_trace_id_ts_mv"] == ("otel.otel_traces_trace_id_ts", {"otel.otel_traces"})
    assert views["otel.otlp_spans_mv"] == ("otel.otel_traces", {"otel.otlp_spans_in"})


def test_cluster_rendering_keeps_the_columns(engine: Client) -> None:
    """Cluster and single-node CREATEs differ only in names, ON CLUSTER and the engine clause."""
    single = dict(zip(created(rendered(SINGLE)), rendered(SINGLE), strict=True))
    for name, stmt in zip(created(rendered(CLUSTER)), rendered(CLUSTER), strict=True):
        if "Distributed(" in stmt:
            continue
        plain = stmt.replace("_local", "").replace(" ON CLUSTER 'prod'", "")
        plain = re.sub(r"Replicated(\w*MergeTree)\('[^']*', '[^']*'(?:, ([^)]*))?\)", r"\1(\2)", plain)
        expected = single[name.removesuffix("_local")]
        assert _parses(engine, plain) == _parses(engine, expected), name


def test_the_store_writes_tables_the_cluster_creates() -> None:
    """The table Store.insert_frames targets for every stage exists in the cluster DDL and is a Null
    table whose view writes the Distributed table (so rows are sharded, not kept on one node)."""
    statements = rendered(CLUSTER)
    names = set(created(statements))
    for stage in FRAMES:
        target = staging_target(stage, CLUSTER)
        assert target in names, f"{target} is not created by the cluster DDL"
        create = next(st for st in statements if f"EXISTS {target} " in st)
        assert "ENGINE = Null" in create
    views = _views(statements)
    assert views["otel.otlp_spans_mv_local"][0] == "otel.otel_traces"


def test_cluster_inserts_are_acknowledged_only_once_the_shards_have_them() -> None:
    from ollystack.store.otlp_schema import insert_settings

    assert insert_settings("spans", clustered=True)["distributed_foreground_insert"] == 1
    assert "distributed_foreground_insert" not in insert_settings("spans")

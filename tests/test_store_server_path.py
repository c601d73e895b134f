"""The same store code through clickhouse-connect's HTTP client, against a ClickHouse-HTTP-compatible
test server backed by chDB (tests/support/chhttp_server.py, run as a subprocess).

Why: production deployments point OllyStack at a ClickHouse server (`http(s)://…`), not at the
embedded engine. Migrations, the `FORMAT Protobuf` OTLP inserts (their format schema travels as a
URL setting), tenant scoping (`additional_table_filters`, also a URL setting) and the query helpers
must behave exactly as they do embedded: the checks are the ones tests/test_store.py runs. The
`ollystack` command line is exercised against the server too, as a user would run it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from ollystack.store import Store
from ollystack.store.migrate import MigrationReport, available
from tests.support.chhttp_server import start_server, stop_server
from tests.test_store import (
    TELEMETRY_TABLES,
    Dataset,
    check_exporter_columns,
    check_insert_batching,
    check_migrated_schema,
    check_migrations_recorded,
    check_query_helpers,
    check_retention,
    check_schema_too_new,
    check_scope_rejects_bad_tenants,
    check_scope_through_joins_and_subqueries,
    check_scope_without_where,
    check_skip_indexes,
    check_table_stats,
    check_tenant_leads_every_telemetry_table,
    populate,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    port: int
    admin: Store  # a store on the server's `default` database, for creating the other databases

    def url(self, database: str, password: str = "") -> str:
        return f"http://default:{password}@127.0.0.1:{self.port}/{database}"

    def store(self, database: str, **kwargs: Any) -> Store:
        self.admin.client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
        return Store(self.url(database), **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    proc, port = start_server(tmp_path_factory.mktemp("chhttp") / "data")
    try:
        admin = Store(f"http://default:@127.0.0.1:{port}/default")
        try:
            yield Server(port, admin)
        finally:
            admin.close()
    finally:
        stop_server(proc)


@dataclass
class Populated:
    store: Store
    ds: Dataset
    first: MigrationReport
    second: MigrationReport


@pytest.fixture(scope="module")
def http_store(server: Server) -> Iterator[Populated]:
    store = server.store("telemetry")
    try:
        first, second = store.migrate(), store.migrate()
        yield Populated(store, populate(store), first, second)
    finally:
        store.close()


def test_the_store_really_talks_http(http_store: Populated) -> None:
    store = http_store.store
    assert not store.embedded
    assert type(store.client).__name__ == "HttpClient"
    assert store.options.database == "telemetry"
    assert store.ping()


def test_migrate_is_idempotent(http_store: Populated) -> None:
    code = Store.code_schema_version()
    assert (http_store.first.before, http_store.first.after) == (0, code)
    assert http_store.first.applied == [f"{m.version:04d}_{m.name}" for m in available()]
    second = http_store.second
    assert (second.before, second.after, second.applied, second.ttl_changed) == (code, code, [], [])
    assert http_store.store.migrate().applied == []
    check_migrated_schema(http_store.store)
    check_migrations_recorded(http_store.store)


def test_columns_are_the_exporters_plus_tenant(http_store: Populated) -> None:
    check_exporter_columns(http_store.store)


def test_tenant_leads_columns_and_sorting_keys(http_store: Populated) -> None:
    check_tenant_leads_every_telemetry_table(http_store.store)


def test_skip_indexes(http_store: Populated) -> None:
    check_skip_indexes(http_store.store)


def test_scope_without_where_sees_one_tenant(http_store: Populated) -> None:
    check_scope_without_where(http_store.store, http_store.ds)


def test_scope_through_joins_and_subqueries(http_store: Populated) -> None:
    check_scope_through_joins_and_subqueries(http_store.store, http_store.ds)


def test_scope_rejects_bad_tenants_and_a_bound_tenant(http_store: Populated) -> None:
    check_scope_rejects_bad_tenants(http_store.store)


def test_query_helpers_are_scoped_and_filter(http_store: Populated) -> None:
    check_query_helpers(http_store.store, http_store.ds)


def test_table_stats(http_store: Populated) -> None:
    check_table_stats(http_store.store, http_store.ds)
    assert http_store.store.schema_version() == Store.code_schema_version()


def test_insert_otlp_batches_and_the_services_tenant_wins(http_store: Populated) -> None:
    check_insert_batching(http_store.store)


def test_schema_newer_than_the_code_is_refused(server: Server) -> None:
    store = server.store("newer")
    try:
        check_schema_too_new(store)
    finally:
        store.close()


def test_retention_follows_ttl_days(server: Server) -> None:
    server.admin.client.command("CREATE DATABASE IF NOT EXISTS retention")
    check_retention(server.url("retention"))


def test_databases_are_separate(server: Server, http_store: Populated) -> None:
    """Everything the store does is qualified by the URL's database: `default` stays empty."""
    names = {
        r[0]
        for r in server.admin.client.query(
            "SELECT name FROM system.tables WHERE database = 'default' AND name LIKE 'ot%'"
        ).result_rows
    }
    assert names == set()
    assert http_store.store.scope("acme").scalar("SELECT currentDatabase()") == "telemetry"


# -- the command line against the server -------------------------------------------------------------


def _cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "ollystack.cli", *args],
        env={**clean, **env},
        cwd=tmp_path,  # no ollystack.yaml here
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return orjson.loads(proc.stdout)


def test_cli_migrate_stats_and_queries(server: Server, tmp_path: Path) -> None:
    server.admin.client.command("CREATE DATABASE IF NOT EXISTS cli")
    env = {"OLLYSTACK_CLICKHOUSE_URL": server.url("cli")}
    code = Store.code_schema_version()

    report = _json(_cli(tmp_path, env, "db", "migrate", "--json"))
    assert report == {
        "before": 0,
        "after": code,
        "applied": [f"{m.version:04d}_{m.name}" for m in available()],
        "ttl_changed": [],
    }
    assert _json(_cli(tmp_path, env, "db", "migrate", "--json")) == {
        "before": code,
        "after": code,
        "applied": [],
        "ttl_changed": [],
    }
    # the default retention (30 days) is on the tables the CLI created
    store = server.store("cli", ttl_days={"traces": 30, "logs": 30, "metrics": 90})
    try:
        assert store.migrate().ttl_changed == []
        ds = populate(store, ("default", "globex"))
    finally:
        store.close()

    stats = _json(_cli(tmp_path, env, "db", "stats", "--json"))
    assert stats["schema_version"] == code
    rows = {t["table"]: t["rows"] for t in stats["tables"]}
    assert set(TELEMETRY_TABLES) <= set(rows)
    assert rows["otel_traces"] == sum(ds.spans.values())
    assert rows["otel_logs"] == sum(ds.logs.values())
    assert rows["otel_metrics_gauge"] == 4

    spans = _json(_cli(tmp_path, env, "query", "traces", "--json", "--since", "1000d", "--limit", "1000"))
    assert len(spans) == ds.spans["default"]  # the default tenant only
    assert {s["TraceId"] for s in spans} >= {ds.trace_shared.hex(), ds.trace_cart.hex()}
    pay = _json(
        _cli(tmp_path, env, "query", "traces", "--json", "--since", "1000d", "--tenant", "globex",
             "--service", "storefront", "--attr", "http.route=/pay")
    )  # fmt: skip
    assert [(s["SpanName"], s["TraceId"], s["DurationMs"]) for s in pay] == [("GET /pay", ds.trace_shared.hex(), 90.0)]
    trace = _json(_cli(tmp_path, env, "query", "trace", ds.trace_shared.hex(), "--json"))
    assert [s["SpanName"] for s in trace] == ["GET /pay", "INSERT payments"]
    logs = _json(_cli(tmp_path, env, "query", "logs", "--json", "--since", "1000d", "--contains", "declined"))
    assert [r["Body"] for r in logs] == ["Payment failed: card DECLINED for order 1234"]
    points = _json(_cli(tmp_path, env, "query", "metrics", "--json", "--since", "1000d", "--name", "queue.depth"))
    assert [(p["Kind"], p["Value"], p["Attributes"]) for p in points] == [
        ("gauge", 7.0, {"queue": "refunds"}),
        ("gauge", 3.0, {"queue": "orders"}),
    ]


def test_cli_config_show_masks_secrets(server: Server, tmp_path: Path) -> None:
    env = {
        "OLLYSTACK_CLICKHOUSE_URL": server.url("cli", password="pa55-w0rd-xyz"),
        "OLLYSTACK_API_KEYS": "supersecretkey123=acme,anothersecretkey456=globex",
    }
    shown = _cli(tmp_path, env, "config", "show", "--json")
    data = _json(shown)
    assert data["clickhouse_url"] == f"http://default:***@127.0.0.1:{server.port}/cli"
    assert sorted(k["tenant"] for k in data["api_keys"]) == ["acme", "globex"]
    table = _cli(tmp_path, env, "config", "show")
    assert table.returncode == 0, table.stderr
    for out in (shown.stdout + shown.stderr, table.stdout + table.stderr):
        for secret in ("pa55-w0rd-xyz", "supersecretkey123", "anothersecretkey456", "secretkey"):
            assert secret not in out


def test_cli_reports_a_bad_password_without_echoing_it(server: Server, tmp_path: Path) -> None:
    proc = _cli(
        tmp_path,
        {"OLLYSTACK_CLICKHOUSE_URL": server.url("default", password="wrong-pa55-xyz")},
        "db",
        "stats",
        "--json",
    )
    assert proc.returncode == 2
    assert "AUTHENTICATION_FAILED" in proc.stderr
    assert "wrong-pa55-xyz" not in proc.stdout + proc.stderr


def test_slos_evaluate_against_a_server(server: Server) -> None:
    """The SLO path over HTTP: INSERT … SELECT with tenant filters, lightweight DELETE of a
    re-measured hour, FINAL reads (a server may have several writers)."""
    from datetime import UTC, datetime, timedelta

    from ollystack.slo import parse_text
    from ollystack.slo.evaluator import evaluate
    from ollystack.slo.measure import Measurer
    from tests.support.spans import Minute, insert_minutes

    store = server.store("slo_http")
    try:
        store.migrate()
        (slo,) = parse_text("name: s\nservice: checkout\ntarget: 99\nwindow: 1d\nsli: {type: error_rate}")
        at = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
        insert_minutes(store, at - timedelta(hours=3), 180, lambda i: Minute(10, errors=1 if i < 30 else 0))
        insert_minutes(store, at - timedelta(hours=3), 60, lambda i: Minute(5, errors=5), tenant="other")
        measurer = Measurer(store)
        first = evaluate(store, slo, at, measurer).to_json()
        assert (first["total"], first["events"]["bad"]) == (1800, 30)
        insert_minutes(store, at - timedelta(hours=2), 10, lambda i: Minute(10, errors=10))  # late rows
        later = evaluate(store, slo, at + timedelta(minutes=1), measurer).to_json()
        assert (later["total"], later["events"]["bad"]) == (1900, 130)
    finally:
        store.close()

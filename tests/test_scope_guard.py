"""SQL a tenant scope must refuse: anything that could read around the tenant filter or write."""

from __future__ import annotations

import pytest

from ollystack.store import Store, TenantError
from ollystack.store.sqlguard import UnsafeSql, single_statement

ESCAPES = {
    "second statement writes": "SELECT 1; INSERT INTO otel_logs (TenantId, Body) VALUES ('a', 'x'); SELECT 1",
    "second statement drops": "SELECT 1; DROP TABLE ollystack_schema_migrations; SELECT 1",
    "second statement unfiltered": "SELECT Body FROM otel_logs WHERE 0; SELECT Body FROM otel_logs",
    "into outfile": "SELECT 'x' INTO OUTFILE '/tmp/ollystack-guard-out' APPEND",
    "file function": "SELECT file('/etc/passwd')",
    "in other database": "SELECT 'hunter2' IN other.secret",
    "subquery in other database": "SELECT 'a' IN (SELECT x FROM other.secret)",
    "quoted database": "SELECT 1 FROM `default x`.t",
    "settings function": "SELECT getSetting('additional_table_filters')",
    "catalogue probe": "SELECT hasColumnInTable('system', 'users', 'name')",
    "dictionary": "SELECT dictGet('d', 'x', 1)",
    "merge table function": "SELECT * FROM merge('otel')",
    "settings clause": "SELECT count() FROM otel_traces SETTINGS additional_table_filters = {}",
    "system table": "SELECT * FROM system.tables",
    "delete": "DELETE FROM otel_traces WHERE 1",
    "remote": "SELECT * FROM remote('127.0.0.1', default.otel_traces)",
}


@pytest.fixture
def guarded(store: Store) -> Store:
    store.client.command("CREATE DATABASE IF NOT EXISTS other")
    store.client.command("CREATE TABLE IF NOT EXISTS other.secret (x String) ENGINE = Memory")
    store.client.command("INSERT INTO other.secret VALUES ('hunter2')")
    store.client.command("INSERT INTO otel_logs (TenantId, Body) VALUES ('a', 'tenant a only')")
    return store


@pytest.mark.parametrize("sql", ESCAPES.values(), ids=ESCAPES.keys())
def test_scope_refuses_sql_that_escapes_the_tenant(guarded: Store, sql: str, tmp_path) -> None:
    with pytest.raises(TenantError):
        guarded.scope("b").query(sql)
    assert guarded.scope("a").scalar("SELECT count() FROM otel_logs") == 1  # nothing was written or dropped
    assert guarded.client.query("SELECT count() FROM ollystack_schema_migrations").result_rows[0][0] > 0


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count() FROM otel_logs;",
        "SELECT 'a;b' AS x -- trailing; comment\n",
        "SELECT count() FROM otel_logs WHERE Body IN (SELECT Body FROM otel_logs)",
        "WITH t AS (SELECT * FROM otel_logs) SELECT count() FROM t",
        "SELECT count() FROM default.otel_logs",
        "SELECT number FROM numbers(3)",
    ],
)
def test_scope_runs_ordinary_selects(guarded: Store, sql: str) -> None:
    assert guarded.scope("b").query(sql).result_rows is not None
    assert guarded.scope("b").scalar("SELECT count() FROM otel_logs") == 0


def test_statement_splitting_respects_literals_and_comments() -> None:
    assert single_statement("SELECT ';' /* ; */ -- ;\n;  ") == "SELECT ';' /* ; */ -- ;\n"
    assert single_statement("SELECT 'it''s; fine', `a;b`") == "SELECT 'it''s; fine', `a;b`"
    with pytest.raises(UnsafeSql):
        single_statement("SELECT 1; SELECT 2")

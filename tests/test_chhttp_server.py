"""The chDB-backed ClickHouse HTTP test server, exercised through clickhouse-connect's real HTTP ch_client.

Why: other tests rely on this server standing in for ClickHouse, so its protocol
behaviour (inserts, parameters, settings, errors, compression, sessions) is
pinned down here against the client that the service itself uses.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import clickhouse_connect
import pytest
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError
from clickhouse_connect.driver.summary import QuerySummary

from tests.support.chhttp_server import running_server, start_server, stop_server

SPANS_DDL = """
CREATE TABLE IF NOT EXISTS spans (
    trace_id String,
    ts DateTime64(9),
    service LowCardinality(String),
    attrs Map(LowCardinality(String), String),
    tags Array(String),
    events Nested(name String, ts DateTime64(9))
) ENGINE = MergeTree ORDER BY (service, ts)
"""
NS_2024 = 1_704_164_645_123_456_789  # 2024-01-02 03:04:05.123456789 UTC


@pytest.fixture(scope="module")
def chhttp_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    proc, port = start_server(tmp_path_factory.mktemp("chhttp") / "data")
    try:
        yield port
    finally:
        stop_server(proc)


def _client(port: int, **kwargs: Any) -> Client:
    return clickhouse_connect.get_client(
        host="127.0.0.1", port=port, username="default", password="", database="default", **kwargs
    )


@pytest.fixture(scope="module")
def ch_client(chhttp_port: int) -> Iterator[Client]:
    ch = _client(chhttp_port, compress=False)
    ch.command(SPANS_DDL)
    yield ch
    ch.close()


def _http(port: int, path: str, data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as ex:
        return ex.code, dict(ex.headers), ex.read()


def test_ping_and_handshake(chhttp_port: int, ch_client: Client) -> None:
    assert ch_client.ping()
    assert _http(chhttp_port, "/ping")[::2] == (200, b"Ok.\n")
    assert ch_client.server_version.count(".") >= 2
    assert ch_client.command("SELECT version(), timezone()") == [ch_client.server_version, "Etc/UTC"]
    dsn_client = clickhouse_connect.get_client(dsn=f"http://default:@127.0.0.1:{chhttp_port}/default", compress=False)
    assert dsn_client.command("SELECT currentDatabase()") == "default"


def test_ddl_types_and_command(ch_client: Client) -> None:
    assert isinstance(ch_client.command("CREATE TABLE IF NOT EXISTS ddl_probe (a UInt8) ENGINE = Memory"), QuerySummary)
    types = {row["name"]: row["type"] for row in ch_client.query("DESCRIBE TABLE spans").named_results()}
    assert types == {
        "trace_id": "String",
        "ts": "DateTime64(9)",
        "service": "LowCardinality(String)",
        "attrs": "Map(LowCardinality(String), String)",
        "tags": "Array(String)",
        "events.name": "Array(String)",
        "events.ts": "Array(DateTime64(9))",
    }
    assert ch_client.command("EXISTS TABLE spans") == 1
    assert ch_client.command("SELECT 'a', 2") == ["a", "2"]
    assert ch_client.command("SELECT 'x' WHERE 0") == ""


def test_insert_columns_and_rows_with_nanoseconds(ch_client: Client) -> None:
    ch_client.command("TRUNCATE TABLE spans")
    summary = ch_client.insert(
        "spans",
        [
            ["t1", "t2"],
            [NS_2024, NS_2024 + 1],
            ["api", "db"],
            [{"http.method": "GET"}, {}],
            [["a", "b"], []],
            [["e1"], []],
            [[NS_2024], []],
        ],
        column_names=["trace_id", "ts", "service", "attrs", "tags", "events.name", "events.ts"],
        column_oriented=True,
    )
    assert summary.written_rows == 2
    ch_client.insert(
        "spans",
        [["t3", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), "api", {"k": "v'\t\n"}, ["x"], [], []]],
        column_names=["trace_id", "ts", "service", "attrs", "tags", "events.name", "events.ts"],
    )
    rows = ch_client.query(
        "SELECT trace_id, ts, service, attrs, tags, events.name, events.ts FROM spans ORDER BY trace_id",
        query_formats={"DateTime64*": "int"},
    ).result_rows
    assert rows == [
        ("t1", NS_2024, "api", {"http.method": "GET"}, ["a", "b"], ["e1"], [NS_2024]),
        ("t2", NS_2024 + 1, "db", {}, [], [], []),
        ("t3", NS_2024 - 789, "api", {"k": "v'\t\n"}, ["x"], [], []),
    ]
    assert ch_client.query("SELECT toString(ts) FROM spans WHERE trace_id = 't2'").result_rows == [
        ("2024-01-02 03:04:05.123456790",)
    ]


def test_query_parameters(ch_client: Client) -> None:
    result = ch_client.query(
        "SELECT {s:String}, {n:UInt64}, {xs:Array(String)}, toString({t:DateTime64(9)}), "
        "{none:Nullable(String)} IS NULL",
        parameters={
            "s": "it's\ta\\b\nc",
            "n": 2**64 - 1,
            "xs": ["a", "b'c", ""],
            "t": "2024-01-02 03:04:05.123456789",
            "none": None,
        },
    )
    assert result.result_rows == [("it's\ta\\b\nc", 2**64 - 1, ["a", "b'c", ""], "2024-01-02 03:04:05.123456789", True)]
    when = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert ch_client.query("SELECT toString({t:DateTime64(6)})", parameters={"t": when}).result_rows == [
        ("2024-01-02 03:04:05.123456",)
    ]


def test_long_bind_values_use_form_encoding(chhttp_port: int, ch_client: Client) -> None:
    ids = [f"trace-{i:06d}" for i in range(1000)]  # > 4096 chars: the client switches to multipart/form-data
    assert ch_client.query("SELECT length({ids:Array(String)})", parameters={"ids": ids}).result_rows == [(1000,)]
    form_client = _client(chhttp_port, compress=False, form_encode_query_params=True)
    assert form_client.query("SELECT {a:String}", parameters={"a": "x y"}).result_rows == [("x y",)]


def test_query_df(ch_client: Client) -> None:
    pd = pytest.importorskip("pandas")
    ch_client.command("TRUNCATE TABLE spans")
    ch_client.insert(
        "spans",
        [["t9", NS_2024, "api", {}, [], [], []]],
        column_names=["trace_id", "ts", "service", "attrs", "tags", "events.name", "events.ts"],
    )
    df = ch_client.query_df(
        "SELECT trace_id, ts, service FROM spans WHERE service = {svc:String}", parameters={"svc": "api"}
    )
    assert list(df["trace_id"]) == ["t9"]
    assert df["ts"].iloc[0].value == NS_2024
    assert df["ts"].iloc[0] == pd.Timestamp(NS_2024, unit="ns")


def test_settings_are_per_query(ch_client: Client) -> None:
    ch_client.command("CREATE TABLE IF NOT EXISTS filt (a UInt8) ENGINE = Memory")
    ch_client.command("TRUNCATE TABLE filt")
    ch_client.insert("filt", [[1], [2], [3]], column_names=["a"])
    filtered = ch_client.query("SELECT count() FROM filt", settings={"additional_table_filters": {"filt": "a > 1"}})
    assert filtered.result_rows == [(2,)]
    assert ch_client.query("SELECT count() FROM filt").result_rows == [(3,)]
    get = "SELECT getSetting('max_execution_time')"
    assert ch_client.query(get, settings={"max_execution_time": 7}).result_rows == [(7,)]
    assert ch_client.query(get).result_rows == [(0,)]
    with pytest.raises(DatabaseError, match="READONLY"):
        ch_client.command("CREATE TABLE ro_probe (a UInt8) ENGINE = Memory", settings={"readonly": 1})
    assert ch_client.query("SELECT getSetting('readonly')", settings={"readonly": 2}).result_rows == [(2,)]
    assert ch_client.query("SELECT getSetting('readonly')").result_rows == [(0,)]


def test_errors_carry_clickhouse_code_and_text(chhttp_port: int, ch_client: Client) -> None:
    with pytest.raises(DatabaseError, match=r"(?s)Code: 62\. DB::Exception: Syntax error.*\(SYNTAX_ERROR\)") as syntax:
        ch_client.query("SELEC 1")
    assert syntax.value.code == 62
    with pytest.raises(DatabaseError, match=r"UNKNOWN_TABLE") as unknown:
        ch_client.command("SELECT * FROM no_such_table")
    assert unknown.value.code == 60
    with pytest.raises(DatabaseError, match="BAD_QUERY_PARAMETER"):
        ch_client.query("SELECT {n:UInt64}", parameters={"n": "abc"})
    status, headers, body = _http(chhttp_port, "/?query=SELEC%201")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (400, "62")
    assert body.startswith(b"Code: 62. DB::Exception:")
    status, headers, _ = _http(chhttp_port, "/?query=SELECT%201&no_such_setting=1")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (404, "115")
    with pytest.raises(DatabaseError, match="AUTHENTICATION_FAILED"):
        clickhouse_connect.get_client(host="127.0.0.1", port=chhttp_port, username="default", password="wrong")


def test_response_headers(chhttp_port: int) -> None:
    status, headers, body = _http(chhttp_port, "/?query_id=q-1&database=default", b"SELECT 1 AS x FORMAT JSONEachRow")
    assert (status, body) == (200, b'{"x":1}\n')
    assert headers["X-ClickHouse-Query-Id"] == "q-1"
    assert headers["X-ClickHouse-Format"] == "JSONEachRow"
    assert headers["X-ClickHouse-Timezone"] == "Etc/UTC"
    assert json.loads(headers["X-ClickHouse-Summary"])["result_rows"] == "1"


@pytest.mark.parametrize("compress", [True, "lz4", "zstd", "gzip"])
def test_compressed_inserts_and_responses(chhttp_port: int, ch_client: Client, compress: bool | str) -> None:
    ch = _client(chhttp_port, compress=compress)
    ch.command("CREATE TABLE IF NOT EXISTS comp (n UInt64, s String) ENGINE = MergeTree ORDER BY n")
    ch.command("TRUNCATE TABLE comp")
    ch.insert(
        "comp",
        [list(range(20_000)), [f"row-{i}" for i in range(20_000)]],
        column_names=["n", "s"],
        column_oriented=True,
    )
    assert ch.query("SELECT count(), sum(n), max(s) FROM comp").result_rows == [(20_000, 199_990_000, "row-9999")]
    assert len(ch.query("SELECT * FROM comp").result_rows) == 20_000


def test_sessions_are_isolated(chhttp_port: int) -> None:
    one, two = _client(chhttp_port, compress=False), _client(chhttp_port, compress=False)
    one.command("SET max_threads = 3")
    one.command("CREATE TEMPORARY TABLE tmp_rows (a UInt8)")
    one.command("INSERT INTO tmp_rows VALUES (1)")
    assert one.command("SELECT getSetting('max_threads'), count() FROM tmp_rows") == ["3", "1"]
    assert two.command("SELECT getSetting('max_threads') = 3") == 0
    with pytest.raises(DatabaseError, match="UNKNOWN_TABLE"):
        two.command("SELECT count() FROM tmp_rows")


def test_concurrent_clients(chhttp_port: int) -> None:
    clients = [_client(chhttp_port) for _ in range(4)]

    def work(ch: Client) -> int:
        return sum(ch.command("SELECT count() FROM numbers({n:UInt32})", parameters={"n": i}) for i in range(20))

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(work, clients)) == [190] * 4


def test_data_persists_across_restart(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as port:
        ch = _client(port, compress=False)
        ch.command("CREATE TABLE kept (a UInt8) ENGINE = MergeTree ORDER BY a")
        ch.insert("kept", [[1], [2]], column_names=["a"])
    with running_server(tmp_path / "data") as port:
        assert _client(port, compress=False).command("SELECT sum(a) FROM kept") == 3


def test_raw_inserts_and_inline_values(ch_client: Client) -> None:
    ch_client.command("CREATE TABLE IF NOT EXISTS notes (n UInt8, s String) ENGINE = MergeTree ORDER BY n")
    ch_client.command("TRUNCATE TABLE notes")
    ch_client.raw_insert("notes", ["n", "s"], '1,csv\n2,"a FORMAT b"\n', fmt="CSV")
    ch_client.command("INSERT INTO notes FORMAT TabSeparated", data="3\ttsv\n")
    ch_client.command("INSERT INTO notes VALUES (4, 'x FORMAT JSON y')")
    assert ch_client.command("SELECT count(), groupArray(s) FROM (SELECT s FROM notes ORDER BY n)") == [
        "4",
        "['csv','a FORMAT b','tsv','x FORMAT JSON y']",
    ]


def test_failed_insert_leaves_session_usable(ch_client: Client) -> None:
    ch_client.command("CREATE TABLE IF NOT EXISTS strict (n UInt8) ENGINE = MergeTree ORDER BY n")
    with pytest.raises(DatabaseError, match=r"Code: \d+\. DB::Exception"):
        ch_client.raw_insert("strict", ["n"], b"\x01\x05garbage", fmt="Native")
    with pytest.raises(
        DatabaseError, match=r"(?s)Code: 117\..*\(INCORRECT_DATA\) \(version [0-9.]+ \(official build\)\)"
    ) as bad:
        ch_client.raw_insert("strict", ["n"], "not-a-number\n", fmt="CSV")
    assert bad.value.code == 117
    assert ch_client.command("SELECT count() FROM strict") == 0

"""The CLI on the embedded store: alone, and while `ollystack serve` holds the directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.conftest import start_service


def _cli(args: list[str], env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    return subprocess.run(
        [sys.executable, "-m", "ollystack.cli", *args], env={**base, **env}, cwd=cwd,
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def _span_request(name: str, service: str) -> bytes:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.add(key="service.name").value.string_value = service
    now = time.time_ns()
    span = rs.scope_spans.add().spans.add(
        trace_id=os.urandom(16), span_id=os.urandom(8), name=name, start_time_unix_nano=now,
        end_time_unix_nano=now + 5_000_000,
    )  # fmt: skip
    span.attributes.add(key="http.route").value.string_value = "/pay"
    return req.SerializeToString()


def test_cli_reads_through_the_running_service_then_directly(tmp_path):
    svc = start_service(tmp_path)
    env = {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{svc.data_dir}", "OLLYSTACK_API_PORT": str(svc.api)}
    try:
        for name, service in (("charge", "payments"), ("GET /", "frontend")):
            resp = httpx.post(f"{svc.http_url}/v1/traces", content=_span_request(name, service),
                              headers={"Content-Type": "application/x-protobuf"})  # fmt: skip
            assert resp.status_code == 200
        # the service holds the directory: the CLI asks its API instead of failing on the lock
        busy = _cli(["query", "traces", "--json", "--service", "payments", "--attr", "http.route=/pay"], env, tmp_path)
        assert busy.returncode == 0, busy.stderr
        assert [r["SpanName"] for r in json.loads(busy.stdout)] == ["charge"]
        stats = _cli(["db", "stats", "--json"], env, tmp_path)
        assert stats.returncode == 0, stats.stderr
        tables = {t["table"]: t["rows"] for t in json.loads(stats.stdout)["tables"]}
        assert tables["otel_traces"] == 2
        migrate = _cli(["db", "migrate"], env, tmp_path)
        assert migrate.returncode == 0
        assert "running" in migrate.stderr
        assert svc.stop() == 0
    finally:
        svc.kill()
    # stopped: the CLI opens the directory itself
    alone = _cli(["query", "traces", "--json", "--since", "1h"], env | {"OLLYSTACK_API_PORT": "1"}, tmp_path)
    assert alone.returncode == 0, alone.stderr
    assert sorted(r["ServiceName"] for r in json.loads(alone.stdout)) == ["frontend", "payments"]
    table = _cli(["query", "traces", "--since", "1h"], env, tmp_path)
    assert "payments" in table.stdout and "charge" in table.stdout
    other_tenant = _cli(["query", "traces", "--json", "--tenant", "acme"], env, tmp_path)
    assert json.loads(other_tenant.stdout) == []
    bad = _cli(["query", "traces", "--since", "yesterday"], env, tmp_path)
    assert bad.returncode == 2
    assert "15m" in bad.stderr


def test_cli_through_the_service_reads_as_the_tenant_asked_for(tmp_path):
    svc = start_service(tmp_path, {"OLLYSTACK_API_KEYS": "key-of-acme-123=acme,key-of-beta-456=beta"})
    env = {
        "OLLYSTACK_CLICKHOUSE_URL": f"chdb://{svc.data_dir}",
        "OLLYSTACK_API_PORT": str(svc.api),
        "OLLYSTACK_API_KEYS": "key-of-acme-123=acme,key-of-beta-456=beta",
    }
    try:
        headers = {"Content-Type": "application/x-protobuf", "x-ollystack-api-key": "key-of-beta-456"}
        resp = httpx.post(f"{svc.http_url}/v1/traces", content=_span_request("beta-op", "svc"), headers=headers)
        assert resp.status_code == 200
        beta = _cli(["query", "traces", "--json", "--tenant", "beta"], env, tmp_path)
        assert [r["SpanName"] for r in json.loads(beta.stdout)] == ["beta-op"], beta.stderr
        acme = _cli(["query", "traces", "--json", "--tenant", "acme"], env, tmp_path)
        assert json.loads(acme.stdout) == []
        nobody = _cli(["query", "traces", "--json", "--tenant", "gamma"], env, tmp_path)
        assert nobody.returncode == 2
        assert "gamma" in nobody.stderr
    finally:
        svc.kill()


def test_db_stats_through_the_api_shows_a_tenant_only_its_own_rows(tmp_path):
    keys = "key-of-acme-123=acme,key-of-beta-456=beta"
    svc = start_service(tmp_path, {"OLLYSTACK_API_KEYS": keys})
    try:
        headers = {"Content-Type": "application/x-protobuf", "x-ollystack-api-key": "key-of-beta-456"}
        for i in range(3):
            resp = httpx.post(f"{svc.http_url}/v1/traces", content=_span_request(f"op{i}", "svc"), headers=headers)
            assert resp.status_code == 200
        seen = {}
        for key in ("key-of-acme-123", "key-of-beta-456"):
            stats = httpx.get(f"{svc.api_url}/api/v1/db/stats", headers={"x-ollystack-api-key": key}).json()
            tables = {t["table"]: t for t in stats["tables"]}
            assert tables["otel_traces"]["bytes_on_disk"] is None  # no sizes of other tenants' data
            seen[key] = tables["otel_traces"]["rows"]
        assert seen == {"key-of-acme-123": 0, "key-of-beta-456": 3}
    finally:
        svc.kill()


def test_serve_reports_a_port_in_use_and_releases_the_store(tmp_path):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    env = {
        "OLLYSTACK_CLICKHOUSE_URL": f"chdb://{tmp_path / 'data'}",
        "OLLYSTACK_OTLP_HTTP_PORT": str(port),
        "OLLYSTACK_OTLP_GRPC_PORT": "0",
        "OLLYSTACK_API_PORT": "0",
    }
    try:
        failed = _cli(["serve"], env, tmp_path)
    finally:
        taken.close()
    assert failed.returncode == 2
    assert f"OTLP/HTTP on 127.0.0.1:{port}" in failed.stderr
    assert "Traceback" not in failed.stderr
    stats = _cli(["db", "stats", "--json"], env, tmp_path)  # the directory is free again
    assert stats.returncode == 0, stats.stderr


def test_query_time_range_from_to(tmp_path):
    from datetime import UTC, datetime, timedelta

    from ollystack.store import Store

    store = Store(f"chdb://{tmp_path / 'data'}")
    try:
        store.migrate()
        now = time.time_ns()
        for name, start in (("old", now - 2 * 3600 * 10**9), ("new", now)):
            req = ExportTraceServiceRequest()
            rs = req.resource_spans.add()
            rs.resource.attributes.add(key="service.name").value.string_value = "svc"
            rs.scope_spans.add().spans.add(trace_id=os.urandom(16), span_id=os.urandom(8), name=name,
                                           start_time_unix_nano=start, end_time_unix_nano=start + 1)  # fmt: skip
            store.insert_otlp("traces", "default", [req.SerializeToString()])
    finally:
        store.close()
    env = {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{tmp_path / 'data'}"}
    t = datetime.now(UTC)
    window = ["--from", (t - timedelta(hours=3)).isoformat(), "--to", (t - timedelta(hours=1)).isoformat()]
    out = _cli(["query", "traces", "--json", *window], env, tmp_path)
    assert [r["SpanName"] for r in json.loads(out.stdout)] == ["old"], out.stderr
    recent = _cli(["query", "traces", "--json", "--since", "30m"], env, tmp_path)
    assert [r["SpanName"] for r in json.loads(recent.stdout)] == ["new"]

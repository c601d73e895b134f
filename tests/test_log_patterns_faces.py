"""Log patterns through every face a user touches: the typed functions (agent tools, chat), the CLI
on a closed embedded store, the HTTP API with tenants, and the CLI through a running service that
indexes its own logs. The logs are exact (no randomness) so each number can be worked out by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ollystack.cli import app
from ollystack.detect import LogIndexer, logfunctions
from ollystack.store import Store
from ollystack.tenancy import ApiKeys
from ollystack.web.api import create_api
from tests.conftest import start_service
from tests.support.logs import Line, insert_lines

AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
TIMEOUT = "payment provider timeout after {} ms calling https://psp.example.com/v1/charges"


def _lines(end: datetime, minutes: int = 180, new_for: int = 20) -> tuple[list[Line], list[Line]]:
    """Per minute over `minutes` before `end`: 10 cart lines and 3 payments in checkout, 4 search
    lines; in the last `new_for` minutes also 2 payment timeouts (errors). Then acme's lines."""
    out = []
    for i in range(minutes):
        at = end - timedelta(minutes=minutes - i)
        out += [
            Line(at + timedelta(seconds=5 * k), f"GET /api/cart/{i * 10 + k} served in {k + 3} ms") for k in range(10)
        ]
        out += [Line(at + timedelta(seconds=7 + 9 * k), f"payment authorized for order {i * 3 + k} amount 12.50 EUR")
                for k in range(3)]  # fmt: skip
        out += [Line(at + timedelta(seconds=3 + 9 * k), f"indexed document {i * 4 + k} in 4 ms", service="search")
                for k in range(4)]  # fmt: skip
        if i >= minutes - new_for:
            out += [Line(at + timedelta(seconds=30 + k), TIMEOUT.format(30000 + i + k), "ERROR") for k in range(2)]
    out.append(Line(end + timedelta(seconds=30), "GET /api/cart/1 served in 3 ms"))  # the last minute is complete
    acme = [Line(end - timedelta(minutes=30 - i), f"shard {i % 3} unavailable: replica lag {i}s", "ERROR", "search")
            for i in range(30)] + [Line(end + timedelta(seconds=30), "shard 0 back", service="search")]  # fmt: skip
    return out, acme


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("log-faces") / "data"
    store = Store(f"chdb://{folder}")
    try:
        store.migrate()
        ours, acme = _lines(AT)
        insert_lines(store, ours)
        insert_lines(store, acme, tenant="acme")
        indexer = LogIndexer(store)
        for tenant in ("default", "acme"):
            indexer.catch_up(tenant, AT + timedelta(minutes=3))
    finally:
        store.close()  # chDB: one process per directory; the CLI opens it next
    return folder


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    env |= {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data}", "OLLYSTACK_API_PORT": "1"}  # no service: the store
    return subprocess.run([sys.executable, "-m", "ollystack.cli", "logs", "patterns", *args], env=env,
                          cwd=data.parent, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_functions_for_tools_and_chat(data: Path) -> None:
    store = Store(f"chdb://{data}")
    try:
        top = logfunctions.top_patterns(store, "default", timedelta(hours=1), AT)
        assert (top.start, top.end, top.bucket_seconds) == (AT - timedelta(hours=1), AT, 120)
        assert top.total == 60 * (10 + 3 + 4) + 20 * 2
        got = [(p.service, p.template.split()[0], p.count, p.errors, p.new) for p in top.patterns]
        assert got == [("checkout", "GET", 600, 0, False), ("search", "indexed", 240, 0, False),
                       ("checkout", "payment", 180, 0, False), ("checkout", "payment", 40, 40, True)]  # fmt: skip
        assert top.patterns[0].share == pytest.approx(600 / top.total, abs=1e-4)
        assert top.patterns[0].sparkline == "█" * 30  # ten a minute, every minute
        timeouts = top.patterns[3]
        assert timeouts.sparkline == "▁" * 20 + "█" * 10 and timeouts.counts[-1] == 4
        assert timeouts.first_seen == AT - timedelta(minutes=20) and timeouts.sample.startswith("payment provider")

        new = logfunctions.new_patterns(store, "default", timedelta(hours=1), AT)
        assert [p.template_id for p in new.patterns] == [timeouts.template_id]
        assert logfunctions.top_patterns(store, "default", timedelta(hours=1), AT, service="search").total == 240

        hist = logfunctions.pattern_history(store, "default", timeouts.template_id, since=timedelta(hours=3), at=AT)
        assert hist.total == 40 and hist.bucket_seconds == 360 and hist.points[-1].errors == 12
        assert hist.sparkline.startswith("▁" * 26)

        lines = logfunctions.pattern_lines(store, "default", timeouts.template_id, at=AT, limit=5)
        assert len(lines.lines) == 5 and all(ln.body.startswith("payment provider timeout") for ln in lines.lines)
        assert lines.lines[0].timestamp > lines.lines[-1].timestamp and lines.lines[0].severity == "ERROR"
        paid = next(p for p in top.patterns if p.template.startswith("payment authorized"))
        paid_lines = logfunctions.pattern_lines(store, "default", paid.template_id, at=AT, limit=50).lines
        assert len(paid_lines) == 50 and all(ln.body.startswith("payment authorized") for ln in paid_lines)

        with pytest.raises(logfunctions.UnknownPattern):
            logfunctions.pattern_history(store, "acme", timeouts.template_id)  # another tenant's pattern
    finally:
        store.close()


def test_cli_on_the_closed_store(data: Path) -> None:
    at = ["--at", AT.isoformat().replace("+00:00", "Z")]
    listed = _cli(data, "--since", "1h", "--json", *at)
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    assert [(p["count"], p["new"]) for p in report["patterns"]] == [(600, False), (240, False), (180, False),
                                                                    (40, True)]  # fmt: skip
    assert report["patterns"][3]["sparkline"] == "▁" * 20 + "█" * 10

    # the same command in this process (a second interpreter costs seconds; the store is closed here too)
    env = {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data}", "OLLYSTACK_API_PORT": "1"}
    text = CliRunner().invoke(app, ["logs", "patterns", "--since", "1h", *at], env=env)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0].startswith("log patterns, 2026-11-10 11:00 to 2026-11-10 12:00 UTC: 1,060 lines, 4 shown")
    timeout_row = next(ln for ln in lines if "payment provider timeout" in ln)
    assert "▁" * 20 + "█" * 10 in timeout_row and timeout_row.endswith("NEW")
    assert "56.6%" in next(ln for ln in lines if "served in" in ln)

    acme = CliRunner().invoke(app, ["logs", "patterns", "--tenant", "acme", "--service", "search", "--new", "--json",
                                    *at], env=env)  # fmt: skip
    assert acme.exit_code == 0, acme.output
    got = [(p["service"], p["count"], p["errors"], p["new"]) for p in json.loads(acme.stdout)["patterns"]]
    assert got == [("search", 30, 30, True)]


def test_the_api_answers_for_the_callers_tenant_only(data: Path) -> None:
    with warnings.catch_warnings():  # starlette's note about its httpx-based client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    store = Store(f"chdb://{data}")
    try:
        keys = ApiKeys({"key-default": "default", "key-acme": "acme"})
        api = TestClient(create_api(store, keys, metrics_text=lambda: b"", ready=lambda: (True, "ok")))
        params = {"since": "1h", "at": AT.isoformat()}
        ours = api.get("/api/v1/logs/patterns", params=params, headers={"x-ollystack-api-key": "key-default"})
        assert ours.status_code == 200 and ours.json()["tenant"] == "default"
        assert [p["count"] for p in ours.json()["patterns"]] == [600, 240, 180, 40]
        theirs = api.get("/api/v1/logs/patterns", params={**params, "new": "true"},
                         headers={"x-ollystack-api-key": "key-acme"})  # fmt: skip
        assert [(p["service"], p["new"]) for p in theirs.json()["patterns"]] == [("search", True)]
        assert api.get("/api/v1/logs/patterns", params={"since": "later"},
                       headers={"x-ollystack-api-key": "key-acme"}).status_code == 400  # fmt: skip
        assert api.get("/api/v1/logs/patterns").status_code == 401
    finally:
        store.close()


def test_the_service_indexes_its_logs_and_the_cli_reads_them_through_it(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    store = Store(f"chdb://{tmp_path / 'svc-data'}")  # where start_service keeps its store
    try:
        store.migrate()
        ours, acme = _lines(now - timedelta(minutes=1), minutes=30, new_for=10)
        insert_lines(store, ours)
        insert_lines(store, acme, tenant="acme")
    finally:
        store.close()
    keys = "key-of-default-0001=default,key-of-acme-0002=acme"
    svc = start_service(tmp_path, {"OLLYSTACK_DETECT_INTERVAL_S": "1", "OLLYSTACK_API_KEYS": keys})
    try:
        deadline = time.monotonic() + 60
        while True:  # the first detector cycle indexes what is there
            resp = httpx.get(f"{svc.api_url}/api/v1/logs/patterns", params={"since": "2h"},
                             headers={"x-ollystack-api-key": "key-of-acme-0002"}, timeout=30)  # fmt: skip
            assert resp.status_code == 200, resp.text
            if resp.json()["patterns"]:
                break
            assert time.monotonic() < deadline, "".join(svc.output)
            time.sleep(0.5)
        assert [p["template"].split()[0] for p in resp.json()["patterns"]] == ["shard"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
        env |= {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{svc.data_dir}", "OLLYSTACK_API_PORT": str(svc.api),
                "OLLYSTACK_API_KEYS": keys}  # fmt: skip
        out = subprocess.run([sys.executable, "-m", "ollystack.cli", "logs", "patterns", "--since", "2h", "--json"],
                             env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        assert report["tenant"] == "default"
        assert {p["template"].split()[0] for p in report["patterns"]} == {"GET", "indexed", "payment"}
    finally:
        svc.kill()

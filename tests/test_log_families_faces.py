"""Pattern families over the stored log patterns: the function for tools, the CLI, the API."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ollystack.cli import app
from ollystack.detect import LogIndexer
from ollystack.detect.logfamilies import stored_families
from ollystack.store import Store
from ollystack.tenancy import ApiKeys
from ollystack.web.api import create_api
from tests.support.logs import Line, insert_lines

AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
SSH = [  # four ways one story (logins failing) is logged, in the auth service
    "Failed password for root from 10.0.{} port 22 ssh2",
    "Failed password for invalid user admin from 10.0.{} port 22 ssh2",
    "Failed publickey for git from 10.0.{} port 22 ssh2",
    "Failed keyboard-interactive/pam for invalid user oracle from 10.0.{} port 22 ssh2",
]
DISK = [  # and the storage story, in two services
    ("blk_update_request: I/O error, dev sda, sector {}", "node"),
    ("Buffer I/O error on dev sda1, logical block {}, async page read", "node"),
    ("disk I/O error while writing segment {} to /var/lib/db", "db"),
]
OTHER = ["cache warmed with {} keys", "GET /api/cart/{} served in 3 ms"]


def _lines() -> list[Line]:
    out = []
    for i in range(60):
        at = AT - timedelta(minutes=60 - i)
        out += [Line(at + timedelta(seconds=k), t.format(i), "WARN", "auth") for k, t in enumerate(SSH)]
        out += [Line(at + timedelta(seconds=10 + k), t.format(i), "ERROR", svc) for k, (t, svc) in enumerate(DISK)]
        out += [Line(at + timedelta(seconds=20 + k), t.format(i), service="checkout") for k, t in enumerate(OTHER)]
    out.append(
        Line(AT + timedelta(seconds=30), "cache warmed with 1 keys", service="checkout")
    )  # the last minute is complete
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("log-families") / "data"
    store = Store(f"chdb://{folder}")
    try:
        store.migrate()
        insert_lines(store, _lines())
        acme = [Line(at, "Failed password for bob from 10.9.9.9 port 22 ssh2", service="auth")
                for at in (AT - timedelta(minutes=5), AT + timedelta(seconds=30))]  # fmt: skip
        insert_lines(store, acme, tenant="acme")
        indexer = LogIndexer(store)
        for tenant in ("default", "acme"):
            indexer.catch_up(tenant, AT + timedelta(minutes=3))
    finally:
        store.close()
    return folder


def _families(report: dict) -> list[set[str]]:
    return [{m["template"].split()[0] + "@" + m["id"].split("/")[0] for m in item["members"]}
            for item in report["items"]]  # fmt: skip


def test_related_patterns_form_families_across_services(data: Path) -> None:
    store = Store(f"chdb://{data}")
    try:
        report = stored_families(store, "default", timedelta(hours=2), AT)
        assert report["templates"] == len(SSH) + len(DISK) + len(OTHER)
        ssh = next(i for i in report["items"] if all(m["template"].startswith("Failed") for m in i["members"]))
        assert ssh["size"] == len(SSH) and ssh["lines"] == 60 * len(SSH)
        disk = next(i for i in report["items"] if any("I/O" in m["template"] for m in i["members"]))
        assert {m["id"].split("/")[0] for m in disk["members"]} == {"node", "db"}  # one story, two services
        assert disk["size"] == len(DISK)
        assert report["shown"] == 2  # the unrelated checkout lines are families of one, hidden by default
        only_auth = stored_families(store, "default", timedelta(hours=2), AT, service="auth", min_size=1)
        assert [i["size"] for i in only_auth["items"]] == [len(SSH)]
        assert stored_families(store, "acme", timedelta(hours=2), AT, min_size=1)["templates"] == 1
        with pytest.raises(ValueError):
            stored_families(store, "default", timedelta(0), AT)
    finally:
        store.close()


def test_cli_and_api(data: Path) -> None:
    env = {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data}", "OLLYSTACK_API_PORT": "1"}  # no service: the store
    at = ["--at", AT.isoformat().replace("+00:00", "Z"), "--since", "2h"]
    text = CliRunner().invoke(app, ["logs", "families", *at], env=env)
    assert text.exit_code == 0, text.output
    out = text.stdout
    assert "9 patterns in" in out.splitlines()[0]
    assert "4 patterns, 240 lines" in out and "auth/" in out and "node/" in out and "db/" in out
    as_json = CliRunner().invoke(app, ["logs", "families", "--json", "--service", "auth", *at], env=env)
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["items"][0]["size"] == len(SSH)
    bad = CliRunner().invoke(app, ["logs", "families", "--embedder", "bert", *at], env=env)
    assert bad.exit_code == 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    store = Store(f"chdb://{data}")
    try:
        keys = ApiKeys({"key-default": "default", "key-acme": "acme"})
        api = TestClient(create_api(store, keys, metrics_text=lambda: b"", ready=lambda: (True, "ok")))
        params = {"since": "2h", "at": AT.isoformat(), "min_size": "1"}
        ours = api.get("/api/v1/logs/families", params=params, headers={"x-ollystack-api-key": "key-default"})
        assert ours.status_code == 200 and ours.json()["templates"] == 9
        theirs = api.get("/api/v1/logs/families", params=params, headers={"x-ollystack-api-key": "key-acme"})
        assert theirs.json()["templates"] == 1 and theirs.json()["tenant"] == "acme"
        assert api.get("/api/v1/logs/families", params={"since": "soon"},
                       headers={"x-ollystack-api-key": "key-acme"}).status_code == 400  # fmt: skip
    finally:
        store.close()

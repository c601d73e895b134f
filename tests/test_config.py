"""Settings: environment over the YAML file over defaults, with clear errors and masked secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ollystack.config import ConfigError, load_settings


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("OLLYSTACK_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_yaml_file_sets_values_and_environment_wins(clean_env, tmp_path):
    cfg = tmp_path / "olly.yaml"
    cfg.write_text("otlp_http_port: 14318\napi_port: 18080\nretention_logs_days: 3\napi_keys:\n  k-123456789: acme\n")
    clean_env.setenv("OLLYSTACK_CONFIG", str(cfg))
    clean_env.setenv("OLLYSTACK_API_PORT", "9999")
    s = load_settings()
    assert s.otlp_http_port == 14318
    assert s.api_port == 9999
    assert s.ttl_days == {"traces": 30, "logs": 3, "metrics": 90}
    assert s.api_keys == {"k-123456789": "acme"}


def test_ollystack_yaml_in_the_working_directory_is_read(clean_env, tmp_path):
    (tmp_path / "ollystack.yaml").write_text("otlp_grpc_port: 24317\n")
    assert load_settings().otlp_grpc_port == 24317


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a1=t1,b2=t2", {"a1": "t1", "b2": "t2"}), ('{"a1": "t1"}', {"a1": "t1"}), ("", {})],
)
def test_api_keys_accept_pairs_or_json(clean_env, value, expected):
    clean_env.setenv("OLLYSTACK_API_KEYS", value)
    assert load_settings().api_keys == expected


def test_bad_values_name_the_setting(clean_env, tmp_path):
    clean_env.setenv("OLLYSTACK_OTLP_HTTP_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="otlp_http_port"):
        load_settings()
    clean_env.delenv("OLLYSTACK_OTLP_HTTP_PORT")
    clean_env.setenv("OLLYSTACK_API_KEYS", "justakey")
    with pytest.raises(ConfigError, match="key=tenant"):
        load_settings()


def test_bad_yaml_files_name_the_file(clean_env, tmp_path):
    cfg = tmp_path / "list.yaml"
    cfg.write_text("- a\n- b\n")
    clean_env.setenv("OLLYSTACK_CONFIG", str(cfg))
    with pytest.raises(ConfigError, match=r"list\.yaml"):
        load_settings()
    clean_env.setenv("OLLYSTACK_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match=r"missing\.yaml"):
        load_settings()


def test_config_show_masks_secrets_from_the_yaml_file(tmp_path):
    cfg = tmp_path / "olly.yaml"
    cfg.write_text(
        "clickhouse_url: http://ingest:hunter2-password@ch.example:8123/otel\napi_keys:\n  supersecretkey123: acme\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    env["OLLYSTACK_CONFIG"] = str(cfg)
    out = subprocess.run(
        [sys.executable, "-m", "ollystack.cli", "config", "show", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "hunter2" not in out and "supersecretkey123" not in out
    data = json.loads(out)
    assert data["clickhouse_url"] == "http://ingest:***@ch.example:8123/otel"
    assert data["api_keys"] == [{"key": "supe…", "tenant": "acme"}]
    bad = subprocess.run(
        [sys.executable, "-m", "ollystack.cli", "config", "show"],
        env={**env, "OLLYSTACK_CONFIG": str(Path(tmp_path, "nope.yaml"))}, cwd=tmp_path, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "nope.yaml" in bad.stderr


def test_errors_never_echo_api_keys_and_tenant_names_are_checked(clean_env):
    clean_env.setenv("OLLYSTACK_API_KEYS", "supersecretkey123=acme,broken")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "supersecretkey123" not in str(err.value)
    clean_env.setenv("OLLYSTACK_API_KEYS", "k1=acme corp")
    with pytest.raises(ConfigError, match="tenant"):
        load_settings()


@pytest.mark.parametrize("url", ["http://u:p@127.0.0.1:1/my-db", "http://u:p@127.0.0.1:1/x;DROP"])
def test_database_names_that_cannot_go_into_ddl_are_refused_before_connecting(url):
    from ollystack.store import Store, StoreConfigError

    with pytest.raises(StoreConfigError, match="database name"):
        Store(url)

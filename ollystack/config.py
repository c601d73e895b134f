"""Settings: `OLLYSTACK_*` environment variables over an optional YAML file over defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from .store.scope import TENANT_RE

CONFIG_ENV = "OLLYSTACK_CONFIG"
DEFAULT_CONFIG_FILE = "ollystack.yaml"


class ConfigError(ValueError):
    """Settings that cannot be used; the message names the setting."""


class _YamlSource(PydanticBaseSettingsSource):
    """Reads `OLLYSTACK_CONFIG` (or ./ollystack.yaml when present): keys are setting names."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        explicit = os.environ.get(CONFIG_ENV)
        path = Path(explicit) if explicit else Path(DEFAULT_CONFIG_FILE)
        self.path = path
        self.data: dict[str, Any] = {}
        if path.is_file():
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(loaded, dict):
                raise ConfigError(f"{path}: the top level must be a mapping of setting names to values")
            self.data = {str(k).lower(): v for k, v in loaded.items()}
        elif explicit:
            raise ConfigError(f"{CONFIG_ENV}={explicit}: no such file")

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k in self.settings_cls.model_fields}


def _parse_key_map(value: Any) -> Any:
    """Accept `key=tenant,key2=tenant2` as well as a JSON/YAML mapping."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return {}
        if text.startswith("{"):
            return yaml.safe_load(text)
        pairs = {}
        for item in text.split(","):
            key, sep, tenant = item.strip().partition("=")
            if not sep or not key or not tenant:
                # never echo the item: it may be a key
                raise ValueError("expected key=tenant pairs separated by commas")
            pairs[key.strip()] = tenant.strip()
        return pairs
    return value


class Settings(BaseSettings):
    """Everything an operator can set. Environment variables win over the YAML file."""

    model_config = SettingsConfigDict(env_prefix="OLLYSTACK_", extra="ignore", hide_input_in_errors=True)

    clickhouse_url: str = Field(
        "chdb://./.ollystack/data",
        description="chdb://<dir> for the embedded store, http(s)://user:pass@host:8123/db for a server",
    )
    clickhouse_cluster: str | None = Field(None, description="cluster name: Replicated + Distributed tables")
    bind_host: str = Field("127.0.0.1", description="address the receivers and API listen on")
    otlp_http_port: int = Field(4318, ge=0, le=65535)
    otlp_grpc_port: int = Field(4317, ge=0, le=65535)
    api_port: int = Field(8080, ge=0, le=65535)
    api_keys: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, description="API key -> tenant; empty means authentication off"
    )
    max_request_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="largest OTLP body, after gunzip")
    batch_max_items: int = Field(50_000, ge=1, description="flush a batch at this many items")
    batch_max_delay_ms: int = Field(200, ge=0, description="flush a batch when its oldest item is this old")
    ingest_writers: int = Field(1, ge=1, le=16, description="batches committed concurrently")
    queue_max_items: int = Field(500_000, ge=1, description="items waiting to commit before 429s start")
    retention_traces_days: int = Field(30, ge=0, description="0 keeps spans forever")
    retention_logs_days: int = Field(30, ge=0)
    retention_metrics_days: int = Field(90, ge=0)
    log_level: str = "info"
    slo_dir: Path = Field(Path("./slos"), description="SLO definitions: native YAML, OpenSLO v1 or Sloth")
    slo_eval_interval_s: float = Field(30.0, gt=0, description="seconds between SLO evaluation cycles")
    detect_interval_s: float = Field(60.0, gt=0, description="seconds between anomaly detector cycles")
    detect_fa_rate: float = Field(1e-4, gt=0, lt=0.5, description="share of normal points a detector may flag")
    detect_enabled: bool = Field(True, description="run the anomaly detectors in `ollystack serve`")
    log_patterns_enabled: bool = Field(
        True, description="mine log patterns (`ollystack logs patterns`); with detect_enabled, also watch them"
    )
    log_patterns_max_rows: int = Field(200_000, ge=1000, description="log rows mined per tenant and detector cycle")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _parse_key_map(value)

    @field_validator("api_keys")
    @classmethod
    def _tenants(cls, value: dict[str, str]) -> dict[str, str]:
        for tenant in value.values():
            if not TENANT_RE.match(tenant):
                raise ValueError(f"tenant {tenant!r}: letters, digits, '_', '.', '-' (max 64)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlSource(settings_cls), file_secret_settings)

    @property
    def ttl_days(self) -> dict[str, int]:
        return {
            "traces": self.retention_traces_days,
            "logs": self.retention_logs_days,
            "metrics": self.retention_metrics_days,
        }

    def masked(self) -> dict[str, Any]:
        """The effective settings with every secret masked, safe to print or log."""
        data = self.model_dump()
        data["api_keys"] = [{"key": _mask(k), "tenant": t} for k, t in self.api_keys.items()]
        data["clickhouse_url"] = mask_url(self.clickhouse_url)
        return data


def _mask(secret: str) -> str:
    return (secret[:4] + "…") if len(secret) > 8 else "…"


def mask_url(url: str) -> str:
    """Hide the password of `scheme://user:password@host`."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user, colon, _ = creds.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ConfigError:
        raise
    except Exception as exc:  # pydantic's message names the setting and the problem
        raise ConfigError(str(exc)) from exc


__all__ = ["ConfigError", "Settings", "load_settings", "mask_url"]

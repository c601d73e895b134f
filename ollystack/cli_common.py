"""What every `ollystack` command shares: settings, output, the store or the running service's API."""

from __future__ import annotations

import contextlib
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import orjson
import typer
from rich.console import Console

from .config import ConfigError, Settings, load_settings
from .store import Store, StoreConfigError
from .tenancy import ApiKeys
from .tenancy.keys import DEFAULT_TENANT

console = Console()
err = Console(stderr=True, soft_wrap=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print machine-readable JSON only")]


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _emit_json(data: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(data, default=str, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def _open_store(s: Settings) -> Store:
    try:
        return Store(s.clickhouse_url, cluster=s.clickhouse_cluster, ttl_days=s.ttl_days)
    except StoreConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def local_store(s: Settings) -> Store | None:
    """The store when this process can open it and its schema is current; None when the running
    service holds it (ask its API then)."""
    from .config import mask_url
    from .store import StoreBusy

    try:
        store = _open_store(s)
    except StoreBusy:
        return None
    if store.schema_version() < store.code_schema_version():
        store.close()
        err.print(f"[red]{mask_url(s.clickhouse_url)} has an older schema[/red]: start `ollystack serve` "
                  "or run `ollystack db migrate` first")  # fmt: skip
        raise typer.Exit(1)
    return store


def _api_request(s: Settings, method: str, path: str, params: list[tuple[str, str]], tenant: str | None = None,
                 content: bytes | None = None, json_body: Any = None) -> httpx.Response:  # fmt: skip
    """Ask the running service, for when it holds the embedded store, as `tenant` (None: any)."""
    url = f"http://127.0.0.1:{s.api_port}{path}"
    headers = {}
    keys = ApiKeys(s.api_keys)
    if keys.enabled:
        key = keys.key_for(tenant) if tenant else next(iter(s.api_keys))
        if key is None:
            err.print(f"[red]no API key is configured for tenant {tenant!r}[/red]")
            raise typer.Exit(2)
        headers["x-ollystack-api-key"] = key
    elif tenant not in (None, DEFAULT_TENANT):
        err.print(f"[red]authentication is off: the running service serves only the {DEFAULT_TENANT!r} tenant[/red]")
        raise typer.Exit(2)
    if content is not None:
        headers["content-type"] = "application/yaml"
    try:
        resp = httpx.request(method, url, params=params, headers=headers, content=content, json=json_body, timeout=120)
    except httpx.HTTPError as exc:
        err.print(f"[red]the embedded store is locked by another process and its API at {url} did not answer[/red]")
        raise typer.Exit(1) from exc
    if resp.status_code >= 300:
        detail = resp.text
        with contextlib.suppress(ValueError):
            detail = resp.json().get("detail", detail)
        err.print(
            f"[red]{detail}[/red]"
            if resp.status_code in (400, 404)
            else f"[red]{url}: HTTP {resp.status_code}: {detail}[/red]"
        )
        raise typer.Exit(2 if resp.status_code == 400 else 1)
    return resp


def _api_get(s: Settings, path: str, params: list[tuple[str, str]], tenant: str | None = None) -> Any:
    return _api_request(s, "GET", path, params, tenant).json()


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")


def parse_since(text: str) -> timedelta:
    m = _DURATION.match(text.strip())
    if not m:
        raise typer.BadParameter(f"{text!r}: use a number and s, m, h, d or w (e.g. 15m, 2h, 7d)")
    n, unit = float(m.group(1)), m.group(2)
    return timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: n})


def parse_time(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not an ISO-8601 time") from exc
    return t if t.tzinfo else t.replace(tzinfo=UTC)


Tenant = Annotated[str, typer.Option(help="tenant to read")]

"""`ollystack incidents …`: list and show incidents, acknowledge and resolve them."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from . import incidents as inc_mod
from .cli_common import (
    JsonOpt,
    Tenant,
    _api_request,
    _emit_json,
    _settings,
    console,
    err,
    local_store,
    parse_since,
)
from .config import Settings
from .store import Store

incidents_app = typer.Typer(help="Incidents: what is broken now, its timeline, who is on it.", no_args_is_help=True)
T = TypeVar("T")
By = Annotated[str, typer.Option("--by", help="who is acting (default: your user name)")]
Note = Annotated[str, typer.Option("--note", help="a note for the timeline")]
_COLOURS = {"critical": "bold red", "high": "red", "warning": "yellow", "info": "dim"}


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def _local(s: Settings, fn: Callable[[Store], T]) -> T | None:
    """Run `fn` on the store when this process can open it; None when the service holds it."""
    store = local_store(s)
    if store is None:
        return None
    try:
        try:
            return fn(store)
        except inc_mod.UnknownIncident as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(1) from exc
        except ValueError as exc:  # an unknown status, an action the status does not allow
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc
    finally:
        store.close()


@incidents_app.command("list")
def incidents_list(
    status: Annotated[str | None, typer.Option(help="open, acknowledged, mitigated or resolved")] = None,
    service: Annotated[str | None, typer.Option("--service", "-s", help="incidents involving this service")] = None,
    since: Annotated[str | None, typer.Option(help="only those open at some time in the last 15m, 2h, 7d…")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """Incidents, newest first."""
    s = _settings()
    start = datetime.now(UTC) - parse_since(since) if since else None
    rows = _local(s, lambda store: [i.to_json(timeline=False) for i in inc_mod.list_incidents(
        store, tenant, status, service, start, limit)])  # fmt: skip
    if rows is None:
        params = [("limit", str(limit))] + [(k, v) for k, v in (("status", status), ("service", service)) if v]
        params += [("since", start.isoformat())] if start else []
        rows = _api_request(s, "GET", "/api/v1/incidents", params, tenant).json()["incidents"]
    if as_json:
        _emit_json(rows)
        return
    table = Table("id", "severity", "status", "title", "services", "opened", "", title=f"incidents ({len(rows)})")
    for r in rows:
        flags = ", ".join(([f"reopened {r['reopen_count']}×"] if r["reopen_count"] else []) +
                          (["flapping"] if r["flapping"] else []))  # fmt: skip
        colour = _COLOURS.get(r["severity"], "")
        table.add_row(r["id"][:8], f"[{colour}]{r['severity']}[/]", r["status"], escape(r["title"]),
                      ", ".join(r["services"]), r["opened_at"][:19].replace("T", " "), flags)  # fmt: skip
    console.print(table)


def _one(s: Settings, tenant: str, local: Callable[[Store], inc_mod.Incident],
         api: tuple[str, str, list[tuple[str, str]]]) -> dict[str, Any]:  # fmt: skip
    out = _local(s, lambda store: local(store).to_json())
    if out is None:
        method, path, params = api
        out = _api_request(s, method, path, params, tenant).json()
    return out


def _print(r: dict[str, Any]) -> None:
    colour = _COLOURS.get(r["severity"], "")
    console.print(f"[bold]{escape(r['title'])}[/bold]")
    console.print(f"  id        {r['id']}")
    console.print(f"  severity  [{colour}]{r['severity']}[/]   status {r['status']}"
                  + ("   [yellow]flapping[/yellow]" if r["flapping"] else ""))  # fmt: skip
    console.print("  services  " + ", ".join(f"{sv} ({r['roles'].get(sv, '')})" for sv in r["services"]))
    console.print(f"  opened    {r['opened_at']}" + (f"   resolved {r['resolved_at']}" if r["resolved_at"] else ""))
    if r["acknowledged_by"]:
        console.print(f"  on it     {escape(r['acknowledged_by'])} since {r['acknowledged_at']}")
    if r["reopen_count"]:
        console.print(f"  reopened  {r['reopen_count']}×")
    if r["channel"]:
        console.print(f"  channel   {escape(r['channel'])}")
    console.print("  timeline")
    for e in r["timeline"]:
        console.print(f"    {e['at'][:19].replace('T', ' ')}  {e['kind']:<7} {escape(e['text'])}")


@incidents_app.command("show")
def incidents_show(incident_id: str, tenant: Tenant = "default", as_json: JsonOpt = False) -> None:
    """One incident with its timeline (an id, or the first characters of one)."""
    r = _one(_settings(), tenant, lambda store: inc_mod.get(store, tenant, incident_id),
             ("GET", f"/api/v1/incidents/{incident_id}", []))  # fmt: skip
    if as_json:
        _emit_json(r)
    else:
        _print(r)


@incidents_app.command("ack")
def incidents_ack(incident_id: str, by: By = "", note: Note = "", tenant: Tenant = "default",
                  as_json: JsonOpt = False) -> None:  # fmt: skip
    """Acknowledge an incident: you are on it."""
    who = by or _user()
    r = _one(_settings(), tenant, lambda store: inc_mod.acknowledge(store, tenant, incident_id, who, note),
             ("POST", f"/api/v1/incidents/{incident_id}/ack", [("by", who), ("note", note)]))  # fmt: skip
    if as_json:
        _emit_json(r)
    else:
        console.print(f"{r['id'][:8]} {r['status']} by {escape(who)}: {escape(r['title'])}")


@incidents_app.command("resolve")
def incidents_resolve(incident_id: str, by: By = "", note: Note = "", tenant: Tenant = "default",
                      as_json: JsonOpt = False) -> None:  # fmt: skip
    """Resolve an incident by hand (it still reopens if the problem comes back within the hour)."""
    who = by or _user()
    r = _one(_settings(), tenant, lambda store: inc_mod.resolve(store, tenant, incident_id, who, note),
             ("POST", f"/api/v1/incidents/{incident_id}/resolve", [("by", who), ("note", note)]))  # fmt: skip
    if as_json:
        _emit_json(r)
    else:
        console.print(f"{r['id'][:8]} resolved by {escape(who)}: {escape(r['title'])}")

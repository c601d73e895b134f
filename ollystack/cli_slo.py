"""`ollystack slo …`: define, list and evaluate SLOs, and draw their budget charts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from . import slo as slo_mod
from .cli_common import (
    JsonOpt,
    Tenant,
    _api_request,
    _emit_json,
    _settings,
    console,
    err,
    local_store,
    parse_time,
)
from .config import Settings
from .slo.durations import format_duration, parse_duration
from .store import Store

slo_app = typer.Typer(help="Service level objectives: status, error budgets, burn-rate alerts.", no_args_is_help=True)
At = Annotated[str | None, typer.Option("--at", help="evaluate as of this ISO-8601 time (default: now)")]
T = TypeVar("T")


def _local(s: Settings, fn: Callable[[Store], T]) -> T | None:
    """Run `fn` on the store when this process can open it; None when the service holds it."""
    store = local_store(s)
    if store is None:
        return None
    try:
        try:
            slo_mod.sync_dir(store, s.slo_dir)
        except slo_mod.SLOSpecError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc
        return fn(store)
    finally:
        store.close()


def _status_json(s: Settings, tenant: str, name: str, at: str | None, windows: list[str] | None = None
                 ) -> dict[str, Any]:  # fmt: skip
    when = parse_time(at) if at else None
    try:
        extra = [parse_duration(w) for w in windows or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc

    def local(store: Store) -> dict[str, Any]:
        try:
            return slo_mod.status(store, tenant, name, when, extra).to_json()
        except slo_mod.UnknownSLO as exc:
            err.print(f"[red]{exc}[/red] (tenant {tenant!r})")
            raise typer.Exit(1) from exc
        except ValueError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc

    out = _local(s, local)
    if out is None:
        params = ([("at", when.isoformat())] if when else []) + [("window", w) for w in windows or []]
        out = _api_request(s, "GET", f"/api/v1/slos/{name}", params, tenant).json()
    return out


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.3f}%"


def _rate(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}×"


def _status_colour(status: str) -> str:
    return {"OK": "green", "WARNING": "yellow", "BREACHED": "red"}.get(status, "dim")


@slo_app.command("list")
def slo_list(tenant: Tenant = "default", at: At = None, as_json: JsonOpt = False) -> None:
    """Every SLO with its status, SLI and remaining budget."""
    s = _settings()
    when = parse_time(at) if at else None
    rows = _local(s, lambda store: [st.to_json() for st in slo_mod.list_status(store, tenant, when)])
    if rows is None:
        rows = _api_request(s, "GET", "/api/v1/slos", [("at", when.isoformat())] if when else [], tenant).json()["slos"]
    if as_json:
        _emit_json(rows)
        return
    table = Table("name", "service", "SLI", "target", "window", "status", "SLI now", "budget left", "alerts",
                  title=f"SLOs ({len(rows)})")  # fmt: skip
    for r in rows:
        st = r["status"]
        table.add_row(r["name"], r["service"], r["sli_type"], f"{r['target']:g}%", r["window"],
                      f"[{_status_colour(st)}]{st}[/]", _pct(r["sli"]), _pct(r["error_budget_remaining"]),
                      ", ".join(a["severity"] for a in r["alerts"]) or "")  # fmt: skip
    console.print(table)


def _print_status(r: dict[str, Any]) -> None:
    st = r["status"]
    console.print(f"[bold]{r['name']}[/bold] ({r['service']}) [{_status_colour(st)}]{st}[/] as of {r['at']}")
    console.print(f"  objective  {r['target']:g}% {r['sli_type'].replace('_', ' ')} over {r['window']} "
                  f"({r['budgeting']}), window from {r['window_start']}")  # fmt: skip
    console.print(f"  SLI        {_pct(r['sli'])}  ({r['good']:g} good of {r['total']:g})")
    left = r["error_budget_remaining"]
    console.print(f"  budget     {_pct(left)} left: {r['error_budget_remaining_amount']:.1f} of "
                  f"{r['error_budget_total']:.1f} {r['error_budget_unit']}")  # fmt: skip
    tte = r["time_to_exhaustion_seconds"]
    if tte is not None:
        console.print(f"  exhausted  in {format_duration(round(tte / 60) * 60) if tte >= 60 else f'{tte:.0f}s'} "
                      "at the last hour's burn rate")  # fmt: skip
    console.print("  burn rate  " + ", ".join(f"{k}: {_rate(v)}" for k, v in r["burn_rates"].items()))
    for a in r["alert_rules"]:
        mark = {"firing": "[red]FIRING[/red]", "no_data": "[dim]no data[/dim]"}.get(a["state"], "[green]ok[/green]")
        console.print(f"  alert      {a['severity']:<6} {a['long_window']}/{a['short_window']} ≥ "
                      f"{a['burn_rate_threshold']:g}×: {mark} (long {_rate(a['long_burn_rate'])}, "
                      f"short {_rate(a['short_burn_rate'])})")  # fmt: skip


BurnWindow = Annotated[
    list[str] | None,
    typer.Option("--burn-window", "-w", help="also the burn rate over this window (e.g. 15m; repeatable)"),
]


@slo_app.command("status")
def slo_status(name: str, tenant: Tenant = "default", at: At = None, window: BurnWindow = None,
               as_json: JsonOpt = False) -> None:  # fmt: skip
    """One SLO as of now (or --at): SLI, budget, burn rates and the alerts that fire."""
    r = _status_json(_settings(), tenant, name, at, window)
    if as_json:
        _emit_json(r)
    else:
        _print_status(r)


@slo_app.command("budget")
def slo_budget(name: str, tenant: Tenant = "default", at: At = None,
               chart: Annotated[Path | None, typer.Option("--chart", help="also write the budget chart (PNG)")] = None,
               as_json: JsonOpt = False) -> None:  # fmt: skip
    """Error budget of one SLO: total, consumed, remaining, time to exhaustion; --chart draws it."""
    s = _settings()
    r = _status_json(s, tenant, name, at)
    keys = ("name", "status", "at", "target", "budgeting", "error_budget_total", "error_budget_consumed",
            "error_budget_consumed_fraction", "error_budget_remaining", "error_budget_remaining_amount",
            "error_budget_unit", "time_to_exhaustion_seconds", "burn_rates", "window", "window_start",
            "window_end")  # fmt: skip
    if chart is not None:
        _write_chart(s, tenant, name, r["at"], chart)
    if as_json:
        _emit_json({k: r[k] for k in keys} | ({"chart": str(chart)} if chart else {}))
    else:
        _print_status(r)
        if chart is not None:
            console.print(f"  chart      {chart}")


def _write_chart(s: Settings, tenant: str, name: str, at: str, out: Path) -> None:
    when = parse_time(at)
    png = _local(s, lambda store: slo_mod.chart(store, tenant, name, when)[1])
    if png is None:
        png = _api_request(s, "GET", f"/api/v1/slos/{name}/chart.png", [("at", when.isoformat())], tenant).content
    out.write_bytes(png)


@slo_app.command("chart")
def slo_chart(name: str, output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write")],
              tenant: Tenant = "default", at: At = None) -> None:  # fmt: skip
    """Draw the budget burn-down, burn rates and alert thresholds of one SLO as a PNG."""
    s = _settings()
    r = _status_json(s, tenant, name, at)
    _write_chart(s, tenant, name, r["at"], output)
    console.print(f"wrote {output}")


def _read_specs(paths: list[Path]) -> list[slo_mod.SLO]:
    found: list[slo_mod.SLO] = []
    try:
        for p in paths:
            found += slo_mod.load_dir(p) if p.is_dir() else slo_mod.load_file(p)
    except slo_mod.SLOSpecError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    return found


@slo_app.command("validate")
def slo_validate(paths: Annotated[list[Path], typer.Argument(help="files or directories")],
                 as_json: JsonOpt = False) -> None:  # fmt: skip
    """Check SLO files (native, OpenSLO v1, Sloth) without touching the store."""
    found = _read_specs(paths)
    if as_json:
        _emit_json([f.to_json() for f in found])
        return
    for f in found:
        console.print(f"ok  {f.tenant}/{f.name}: {f.target:g}% {f.sli.type} of {f.service} over "
                      f"{f.window.describe()}, {len(f.alerts)} alert rule(s)")  # fmt: skip


@slo_app.command("import")
def slo_import(path: Path, output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """Convert OpenSLO v1 or Sloth documents to native OllyStack YAML (stdout or --output)."""
    text = slo_mod.loader.to_yaml(_read_specs([path]))
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


def _define(s: Settings, tenant: str, text: str, origin: str) -> list[str]:
    def local(store: Store) -> list[str]:
        try:
            return [d.name for d in slo_mod.define(store, tenant, text, origin)]
        except slo_mod.SLOSpecError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc

    names = _local(s, local)
    if names is None:
        names = _api_request(s, "POST", "/api/v1/slos", [], tenant, content=text.encode()).json()["saved"]
    return names


@slo_app.command("apply")
def slo_apply(path: Path, tenant: Tenant = "default") -> None:
    """Store the SLOs of a file (any format) for a tenant, as if defined in chat or the API."""
    _read_specs([path])  # clear errors before anything is stored
    for name in _define(_settings(), tenant, path.read_text(encoding="utf-8"), "cli"):
        console.print(f"saved {name}")


@slo_app.command("create")
def slo_create(
    name: str,
    service: Annotated[str, typer.Option(help="service.name the SLI watches")],
    sli: Annotated[str, typer.Option("--type", help="latency, error_rate or availability")],
    target: Annotated[float, typer.Option(help="percent, e.g. 99.9")],
    window: Annotated[str, typer.Option(help="rolling (30d) or calendar (week, month)")] = "30d",
    threshold: Annotated[str | None, typer.Option(help="latency threshold, e.g. 300ms")] = None,
    route: Annotated[str | None, typer.Option(help="http.route to narrow to")] = None,
    span_name: Annotated[list[str] | None, typer.Option("--span-name", help="span name (repeatable)")] = None,
    budgeting: Annotated[str, typer.Option(help="occurrences or timeslices")] = "occurrences",
    timezone: Annotated[str, typer.Option(help="time zone of a calendar window")] = "UTC",
    tenant: Tenant = "default",
) -> None:
    """Define an SLO from the command line (kept in the store, not in a file)."""
    spec: dict[str, Any] = {"name": name, "service": service, "target": target, "sli": {"type": sli},
                            "budgeting": budgeting}  # fmt: skip
    win = slo_mod.loader.window_from(window)
    if isinstance(win, dict) and win.get("type") == "calendar":
        win["timezone"] = timezone
    spec["window"] = win
    if threshold:
        spec["sli"]["threshold"] = threshold
    if route:
        spec["sli"]["route"] = route
    if span_name:
        spec["sli"]["span_names"] = span_name
    for saved in _define(_settings(), tenant, yaml.safe_dump(spec), "cli"):
        console.print(f"saved {saved}")


@slo_app.command("delete")
def slo_delete(name: str, tenant: Tenant = "default") -> None:
    """Remove an SLO defined by the CLI, chat or API (file-defined ones go when their file does)."""
    s = _settings()

    def local(store: Store) -> bool:
        try:
            slo_mod.delete(store, tenant, name)
        except slo_mod.UnknownSLO as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(1) from exc
        return True

    if _local(s, local) is None:
        _api_request(s, "DELETE", f"/api/v1/slos/{name}", [], tenant)
    console.print(f"deleted {name}")

"""`ollystack map …`: the service map, its changes, a blast radius and the map around a deployment.

On a closed embedded store the command brings the stored map up to date first (as the running
service does every cycle), then reads it; while `ollystack serve` holds the store it asks the
service's API instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

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
    parse_time,
)
from .config import Settings
from .store import Store

T = TypeVar("T")
map_app = typer.Typer(
    help="Service map: who calls whom, how healthy each call is, what changed, who is hurt by trouble.",
    invoke_without_command=True,
)
From = Annotated[str | None, typer.Option("--from", help="window start, ISO-8601 (default: --since before --to)")]
To = Annotated[str | None, typer.Option("--to", help="window end, ISO-8601 (default: now)")]
Since = Annotated[str, typer.Option(help="window length when --from is not given: 15m, 1h, 1d…")]


def _local(s: Settings, tenant: str, fn: Callable[[Store], T]) -> T | None:
    """Run `fn` on the store when this process can open it (after deriving new spans into the
    stored map); None when the running service holds the store."""
    from .topology import TopologyUpdater

    store = local_store(s)
    if store is None:
        return None
    try:
        TopologyUpdater(store).update(tenant, datetime.now(UTC))
        try:
            return fn(store)
        except LookupError as exc:
            err.print(f"[red]{escape(str(exc).strip(chr(39)))}[/red]")
            raise typer.Exit(1) from exc
        except ValueError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc
    finally:
        store.close()


def _window(start: str | None, end: str | None, since: str) -> tuple[datetime, datetime]:
    b = parse_time(end) if end else datetime.now(UTC)
    a = parse_time(start) if start else b - parse_since(since)
    if a >= b:
        raise typer.BadParameter("--from must be before --to")
    return a, b


def _ms(x: float) -> str:
    return f"{x:,.0f} ms" if x >= 10 else f"{x:.1f} ms"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


@map_app.callback()
def map_show(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Option("--service", "-s", help="only this service's neighbourhood")] = None,
    depth: Annotated[int, typer.Option(min=1, max=10, help="with --service: how many calls away")] = 1,
    start: From = None,
    end: To = None,
    since: Since = "1h",
    png: Annotated[Path | None, typer.Option("--png", help="also draw the map into this PNG file")] = None,
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """Nodes and edges with calls, errors and latency (p50/p95/p99) over a window, and example traces."""
    if ctx.invoked_subcommand:
        return
    from .tools import topology as tools

    s = _settings()
    a, b = _window(start, end, since)

    def local(store: Store) -> tuple[dict[str, Any], bytes | None]:
        data = tools.service_map(store, tenant, a, b, service, depth)
        return data, tools.service_map_png(store, tenant, a, b, service, depth) if png else None

    found = _local(s, tenant, local)
    params = [("from", a.isoformat()), ("to", b.isoformat()), ("depth", str(depth))]
    params += [("service", service)] if service else []
    if found is None:
        data = _api_request(s, "GET", "/api/v1/map", params, tenant).json()
        image = _api_request(s, "GET", "/api/v1/map.png", params, tenant).content if png else None
    else:
        data, image = found
    if png is not None and image is not None:
        png.write_bytes(image)
    if as_json:
        _emit_json(data)
        return
    _print_map(data)
    if png is not None:
        console.print(f"wrote {png}")


def _lines(header: list[str], rows: list[list[str]], right: set[int]) -> None:
    """Aligned plain lines (no table borders): whole names stay on one line, for reading and grep."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        pairs = enumerate(zip(r, widths, strict=True))
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in pairs]
        _say(escape("  ".join(cells).rstrip()))


def _say(text: str) -> None:
    console.print(text, highlight=False, soft_wrap=True)


def _print_map(m: dict[str, Any]) -> None:
    scope = f" around {m['service']}" if m["service"] else ""
    start, end = (m[k][:16].replace("T", " ") for k in ("from", "to"))
    _say(f"[bold]service map{scope}[/bold], {start} to {end} UTC: {len(m['nodes'])} nodes, {len(m['edges'])} edges")
    nodes = [[n["name"] + (" (entry)" if n["entry"] else ""), n["kind"], f"{n['rate_per_min']:,.1f}",
              _pct(n["error_ratio"]), _ms(n["p50_ms"]), _ms(n["p95_ms"]), _ms(n["p99_ms"]), n["health"]]
             for n in m["nodes"]]  # fmt: skip
    _lines(["node", "kind", "req/min", "errors", "p50", "p95", "p99", "health"], nodes, right={2, 3, 4, 5, 6})
    _say("")
    edges = [[f"{e['source']} → {e['target']}", e["kind"], f"{e['calls']:,}", f"{e['rate_per_min']:,.1f}",
              _pct(e["error_ratio"]), _ms(e["p50_ms"]), _ms(e["p95_ms"]), _ms(e["p99_ms"]), e["health"],
              e["traces"][0]["trace_id"] if e["traces"] else ""]
             for e in sorted(m["edges"], key=lambda e: (e["source"], e["target"]))]  # fmt: skip
    header = ["caller → callee", "kind", "calls", "/min", "errors", "p50", "p95", "p99", "health", "example trace"]
    _lines(header, edges, right={2, 3, 4, 5, 6, 7})
    for n in m["nodes"]:
        if n["operations"]:
            _say(f"\n{n['name']} serves:")
            ops = [[o["name"], o["span_kind"], f"{o['requests']:,}", f"{o['entry_requests']:,}",
                    _pct(o["error_ratio"]), _ms(o["p95_ms"])] for o in n["operations"]]  # fmt: skip
            _lines(["operation", "kind", "requests", "entered here", "errors", "p95"], ops, right={2, 3, 4, 5})
    _say("[dim]open a trace: ollystack query trace ID[/dim]")


@map_app.command("changes")
def map_changes(
    recent: Annotated[str, typer.Option(help="the window judged: 15m, 1h…")] = "15m",
    baseline: Annotated[str, typer.Option(help="what it is compared with: the stretch before it")] = "7d",
    at: Annotated[str | None, typer.Option("--at", help="the recent window ends here (default: now)")] = None,
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """New and vanished dependencies (edges) and nodes: the recent window against a baseline."""
    from .tools import topology as tools

    s = _settings()
    when = parse_time(at) if at else datetime.now(UTC)
    r, base = parse_since(recent), parse_since(baseline)
    data = _local(s, tenant, lambda store: tools.dependency_changes(store, tenant, when, r, base))
    if data is None:
        params = [("at", when.isoformat()), ("recent", recent), ("baseline", baseline)]
        data = _api_request(s, "GET", "/api/v1/map/changes", params, tenant).json()
    if as_json:
        _emit_json(data)
        return
    _say(f"dependency changes {data['recent_from'][:16]} to {data['recent_to'][:16]} UTC against "
                  f"{data['baseline_from'][:16]} to {data['baseline_to'][:16]} ({data['baseline_hours']} hours "
                  "with traffic)")  # fmt: skip
    for e in data["new_edges"]:
        deploy = f" after deploying {e['deployment']['version']}" if e["deployment"] else ""
        node = " (new node)" if e["new_node"] else ""
        _say(f"  [yellow]new[/]      {e['source']} → {e['target']}{node}: {e['calls']} calls, "
                      f"first at {e['first_seen'][11:16]}{deploy}")  # fmt: skip
    for e in data["vanished_edges"]:
        deploy = f" after deploying {e['deployment']['version']}" if e["deployment"] else ""
        _say(f"  [red]vanished[/] {e['source']} → {e['target']}: about {e['expected_calls']:.0f} calls "
                      f"expected, none seen{deploy}")  # fmt: skip
    for n in data["new_nodes"] + data["vanished_nodes"]:
        _say(f"  node {n['change']}: {n['name']} ({n['kind']})")
    if not any(data[k] for k in ("new_edges", "vanished_edges", "new_nodes", "vanished_nodes")):
        _say("  no changes")


def _parse_target(target: str) -> tuple[str | None, str]:
    source, sep, callee = target.partition("->")
    return (source.strip(), callee.strip()) if sep else (None, target.strip())


@map_app.command("blast")
def map_blast(
    target: Annotated[str, typer.Argument(help="a service or other node (postgres), or a call: 'checkout->payments'")],
    start: From = None,
    end: To = None,
    since: Since = "1h",
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """Blast radius: the upstream services, entry points and endpoints a troubled node or call reaches,
    with their traffic shares, and the SLOs at risk."""
    from .tools import topology as tools

    s = _settings()
    a, b = _window(start, end, since)
    source, callee = _parse_target(target)

    def local(store: Store) -> dict[str, Any]:
        from . import slo

        try:
            slo.sync_dir(store, s.slo_dir)  # the SLO files the service would know
        except slo.SLOSpecError as exc:
            err.print(f"[yellow]SLO files not read: {escape(str(exc))}[/yellow]")
        return tools.blast_radius(store, tenant, callee, source, a, b).to_json()

    data = _local(s, tenant, local)
    if data is None:
        params = [("target", callee), ("from", a.isoformat()), ("to", b.isoformat())]
        params += [("source", source)] if source else []
        data = _api_request(s, "GET", "/api/v1/map/blast", params, tenant).json()
    if as_json:
        _emit_json(data)
        return
    _say(f"[bold]blast radius of {data['target']}[/bold]: {data['affected_traces']:,} of {data['traces']:,} "
         "traces in the window reach it\n")  # fmt: skip
    ups = [[u["name"], str(u["distance"]), ", ".join(u["via"]), f"{u['requests']:,}", f"{u['affected']:,}",
            _pct(u["share"])] for u in data["upstream"]]  # fmt: skip
    _lines(["upstream service", "distance", "via", "traces", "reaching", "share"], ups, right={1, 3, 4, 5})
    _say("")
    entries = [[f"{e['service']}: {e['name']}", e["kind"], f"{e['requests']:,}", f"{e['affected']:,}",
                _pct(e["share"]), _pct(e["of_trouble"])] for e in data["entry_points"]]  # fmt: skip
    _lines(["entry point", "kind", "requests", "reaching", "share", "of the trouble's"], entries, right={2, 3, 4, 5})
    _say("")
    if data["slos_at_risk"]:
        slos = [[r["name"], r["service"], _pct(r["share"]), r["status"] or "—", _pct(r["error_budget_remaining"]),
                 r["why"]] for r in data["slos_at_risk"]]  # fmt: skip
        _lines(["SLO at risk", "service", "reaching", "status", "budget left", "why"], slos, right={2, 4})
    else:
        _say("no SLO covers what it reaches")


@map_app.command("deploys")
def map_deploys(
    service: Annotated[str | None, typer.Option("--service", "-s")] = None,
    start: From = None,
    end: To = None,
    since: Annotated[str, typer.Option(help="window length when --from is not given")] = "1d",
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """Deployments seen in the telemetry: when a service's `service.version` changed."""
    from .tools import topology as tools

    s = _settings()
    a, b = _window(start, end, since)
    rows = _local(s, tenant, lambda store: tools.deployments(store, tenant, a, b, service))
    if rows is None:
        params = [("from", a.isoformat()), ("to", b.isoformat())] + ([("service", service)] if service else [])
        rows = _api_request(s, "GET", "/api/v1/map/deploys", params, tenant).json()["deployments"]
    if as_json:
        _emit_json(rows)
        return
    for d in rows:
        _say(f"{d['at'][:16].replace('T', ' ')}  {d['service']}  {d['previous_version']} → {d['version']}")
    if not rows:
        _say("no deployments in the window")


@map_app.command("deploy")
def map_deploy(
    service: Annotated[str, typer.Argument(help="the deployed service")],
    deploy_at: Annotated[str | None, typer.Option("--deploy-at", help="when (default: its latest in a day)")] = None,
    window: Annotated[str, typer.Option(help="compared before and after: 15m, 30m, 1h…")] = "30m",
    all_edges: Annotated[bool, typer.Option("--all", help="every edge, not only the service's own")] = False,
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """Before/after a deployment: the service's edges with their rate, error and latency deltas."""
    from .tools import topology as tools

    s = _settings()
    at = parse_time(deploy_at) if deploy_at else None
    span = parse_since(window)
    data = _local(s, tenant, lambda store: tools.deploy_comparison(store, tenant, service, at, span, all_edges))
    if data is None:
        params = [("service", service), ("window", window), ("all", str(all_edges).lower())]
        params += [("at", at.isoformat())] if at else []
        data = _api_request(s, "GET", "/api/v1/map/deploy", params, tenant).json()
    if as_json:
        _emit_json(data)
        return
    d = data["deployment"]
    what = f"{d['previous_version']} → {d['version']}" if d else "(no version change seen there)"
    _say(f"[bold]{service}[/bold] deployed at {data['at'][:16].replace('T', ' ')} UTC {what}")
    rows = []
    for e in data["edges"]:
        b, a = e["before"] or {}, e["after"] or {}
        rows.append([f"{e['source']} → {e['target']}", e["change"],
                     f"{b.get('rate_per_min', 0):,.1f} → {a.get('rate_per_min', 0):,.1f}",
                     f"{_pct(b.get('error_ratio'))} → {_pct(a.get('error_ratio'))}",
                     f"{_ms(b.get('p95_ms', 0))} → {_ms(a.get('p95_ms', 0))}"])  # fmt: skip
    _lines(["edge", "change", "/min before → after", "errors before → after", "p95 before → after"], rows, set())

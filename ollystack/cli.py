"""`ollystack` command line. Every command that shows data takes `--json` for machines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from .cli_common import (
    JsonOpt,
    Tenant,
    _api_get,
    _emit_json,
    _open_store,
    _settings,
    console,
    err,
    parse_since,
    parse_time,
)
from .cli_detect import detect_app
from .cli_incidents import incidents_app
from .cli_logs import logs_app
from .cli_map import map_app
from .cli_slo import slo_app
from .config import Settings, mask_url
from .store import SchemaTooNewError, StoreBusy, StoreConfigError
from .store.queries import Filters, get_trace, parse_attrs, search_logs, search_metrics, search_traces

app = typer.Typer(
    help="OllyStack: observability ChatOps and AI investigations.", no_args_is_help=True, pretty_exceptions_enable=False
)
config_app = typer.Typer(help="Settings.", no_args_is_help=True)
db_app = typer.Typer(help="The ClickHouse store.", no_args_is_help=True)
query_app = typer.Typer(help="A quick look at stored telemetry.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure detection and investigation quality on scenarios.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(query_app, name="query")
app.add_typer(eval_app, name="eval")
app.add_typer(slo_app, name="slo")
app.add_typer(detect_app, name="detect")
app.add_typer(logs_app, name="logs")
app.add_typer(incidents_app, name="incidents")
app.add_typer(map_app, name="map")


@app.command()
def serve() -> None:
    """Run the OTLP receivers (HTTP 4318, gRPC 4317) and the API (8080) until stopped."""
    from .server import StartupError
    from .server import serve as run

    s = _settings()
    try:
        run(s)
    except (StoreConfigError, SchemaTooNewError, StoreBusy, StartupError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        pass


@app.command()
def demo(
    history: Annotated[str, typer.Option(help="history to backfill first")] = "2h",
    replay: Annotated[str, typer.Option(help="recent stretch replayed as if live, with the fault")] = "15m",
    speed: Annotated[float, typer.Option(min=1, help="how much faster than real time the replay runs")] = 15.0,
    data_dir: Annotated[str, typer.Option(help="embedded store directory")] = ".ollystack/demo-data",
) -> None:
    """Start the service on the embedded store, feed it the simulated shop, and break payments."""
    from pathlib import Path

    from .demo import run

    run(Path(data_dir).resolve(), parse_since(history).total_seconds(), parse_since(replay).total_seconds(), speed)


@app.command()
def simulate(
    endpoint: Annotated[str, typer.Option(help="OTLP/HTTP endpoint to send to")] = "http://127.0.0.1:4318",
    seed: Annotated[int, typer.Option(help="shop and traffic seed (0: the canonical shop)")] = 0,
    history: Annotated[str, typer.Option(help="how much past to backfill first (e.g. 6h, 14d; 0s: none)")] = "1h",
    live: Annotated[str, typer.Option(help="then run live this long (e.g. 10m; 0s: stop after backfill)")] = "0s",
    rps: Annotated[float, typer.Option(min=0.001, help="mean user requests per second")] = 0.25,
    fault: Annotated[
        list[str] | None,
        typer.Option(help="KIND:ROLE:START:DURATION, START relative to now (e.g. bad_deploy:payments:-30m:20m)"),
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="x-ollystack-api-key to send")] = None,
    deployments: Annotated[
        str | None, typer.Option(help="write the shop's deployments here as GitHub deployment_status webhooks (JSONL)")
    ] = None,
) -> None:
    """Run the simulated shop: backfill history in virtual time, then live, sending real OTLP."""
    import time

    from .simulate.faults import Fault, FaultKind
    from .simulate.runner import SimSpec, backfill, backfill_parallel, run_live
    from .simulate.sender import OtlpSender, SendFailed
    from .simulate.topology import build_shop

    now = time.time() // 60 * 60
    faults = []
    for spec in fault or []:
        try:
            kind, role, start, length = spec.split(":")
            offset = _signed_duration(start)
            faults.append(
                Fault(FaultKind(kind), role, now + offset, now + offset + parse_since(length).total_seconds())
            )
        except ValueError as exc:
            raise typer.BadParameter(f"--fault {spec!r}: {exc}") from exc
    shop = build_shop(seed)
    unknown = [f.target for f in faults if f.target not in shop.services and f.target not in shop.dependencies]
    if unknown:
        roles = ", ".join(sorted([*shop.services, *shop.dependencies]))
        raise typer.BadParameter(f"unknown role(s) {unknown}; this shop has: {roles}")
    spec = SimSpec(seed=seed, rps=rps, faults=tuple(faults))
    sim = spec.build()
    headers = {"x-ollystack-api-key": api_key} if api_key else None
    sender = OtlpSender(endpoint, headers=headers)
    past = parse_since(history).total_seconds()

    def report(p: Any) -> None:
        err.print(f"sent until {datetime.fromtimestamp(p.until, UTC):%Y-%m-%d %H:%M} UTC: {p.requests:,} requests, "
                  f"{p.spans:,} spans, {p.logs:,} log records in {p.seconds:.0f} s")  # fmt: skip

    try:
        if past >= 6 * 3600:  # long histories: one producing process per core
            report(backfill_parallel(spec, endpoint, now - past, now, processes=2, headers=headers))
        elif past:
            backfill(sim, sender, now - past, now, on_window=report)
        if parse_since(live).total_seconds():
            run_live(sim, sender, now, parse_since(live).total_seconds(), on_step=report)
    except KeyboardInterrupt:
        pass
    except SendFailed as exc:
        err.print(f"[red]{exc}[/red] (is `ollystack serve` running, and is --endpoint its OTLP/HTTP address?)")
        raise typer.Exit(1) from exc
    finally:
        sender.close()
    if deployments:
        from .simulate.deploys import github_event

        events = sim.releases.between(now - past, now + parse_since(live).total_seconds())
        with open(deployments, "w", encoding="utf-8") as fh:
            for dep in events:
                fh.write(orjson.dumps(github_event(dep)).decode() + "\n")
        err.print(f"wrote {len(events)} deployments to {deployments}")
    for truth in sim.ground_truth():
        span = f"{datetime.fromtimestamp(truth.start, UTC):%H:%M}–{datetime.fromtimestamp(truth.end, UTC):%H:%M} UTC"
        err.print(f"injected {truth.kind} in {truth.root_cause_service} {span}")


def _signed_duration(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    return sign * parse_since(text.lstrip("+-")).total_seconds()


@eval_app.command("run")
def eval_run(
    scenarios: Annotated[str | None, typer.Option(help="folder of scenario *.yaml files")] = None,
    json_out: Annotated[str | None, typer.Option("--json", help="write the JSON report to this file")] = None,
    simulate: Annotated[
        bool, typer.Option(help="send each scenario's telemetry to a fresh store (off: only check the files)")
    ] = True,
) -> None:
    """Run every scenario end to end in virtual time and print (and optionally write) the scores."""
    from pathlib import Path

    from .evals.harness import run as run_evals
    from .evals.scenario import ScenarioError

    try:
        report = run_evals(
            Path(scenarios) if scenarios else None,
            simulate=simulate,
            on_scenario=lambda r: err.print(f"{r.name}: {'; '.join(r.notes)}"),
        )
    except ScenarioError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if json_out:
        Path(json_out).write_text(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    table = Table("scenario", "detected", "time to detect", "root cause rank", "false positives", "notes",
                  title=f"{len(report.results)} scenarios")  # fmt: skip
    shown = lambda v: "missing" if v is None else str(v)  # noqa: E731
    for r in report.results:
        table.add_row(r.name, shown(r.detected), shown(r.ttd_seconds), shown(r.root_cause_rank),
                      shown(r.fp_incidents), "; ".join(r.notes))  # fmt: skip
    console.print(table)
    console.print("summary: " + ", ".join(f"{k}={shown(v)}" for k, v in report.summary.items()))


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Print the effective settings, secrets masked."""
    data = _settings().masked()
    if as_json:
        _emit_json(data)
        return
    table = Table("setting", "value", title="OllyStack settings")
    for key, value in data.items():
        table.add_row(key, str(value))
    console.print(table)


@db_app.command("migrate")
def db_migrate(as_json: JsonOpt = False) -> None:
    """Create or upgrade the schema; safe to run again."""
    s = _settings()
    try:
        store = _open_store(s)
    except StoreBusy:
        err.print("[yellow]the service is running and migrated the store when it started[/yellow]")
        raise typer.Exit(0) from None
    try:
        report = store.migrate()
    except SchemaTooNewError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(3) from exc
    finally:
        store.close()
    if as_json:
        _emit_json(report.__dict__)
        return
    applied = ", ".join(report.applied) or "nothing to apply"
    console.print(f"schema version {report.before} -> {report.after}: {applied}")
    if report.ttl_changed:
        console.print(f"retention changed on: {', '.join(report.ttl_changed)}")


@db_app.command("stats")
def db_stats(as_json: JsonOpt = False) -> None:
    """Rows, size and time range of every table."""
    s = _settings()
    try:
        store = _open_store(s)
        try:
            data = {"schema_version": store.schema_version(), "tables": [t.__dict__ for t in store.table_stats()]}
        finally:
            store.close()
    except StoreBusy:
        data = _api_get(s, "/api/v1/db/stats", [])
    if as_json:
        _emit_json(data)
        return
    table = Table("table", "rows", "on disk", "ratio", "parts", "oldest", "newest",
                  title=f"schema version {data['schema_version']}")  # fmt: skip
    for t in data["tables"]:
        on_disk = t["bytes_on_disk"]
        ratio = f"{t['uncompressed_bytes'] / on_disk:.1f}x" if on_disk else "-"
        size = _size(on_disk) if on_disk is not None else "-"
        parts = "-" if t["parts"] is None else str(t["parts"])
        table.add_row(t["table"], f"{t['rows']:,}", size, ratio, parts, t["oldest"] or "-", t["newest"] or "-")
    console.print(table)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n:.1f} TiB"


Service = Annotated[str | None, typer.Option("--service", "-s", help="service.name")]
Since = Annotated[str, typer.Option(help="look back this far (15m, 2h, 7d); ignored with --from")]
From = Annotated[str | None, typer.Option("--from", help="ISO-8601 start")]
To = Annotated[str | None, typer.Option("--to", help="ISO-8601 end")]
Attr = Annotated[list[str] | None, typer.Option("--attr", "-a", help="key=value (repeatable)")]
Limit = Annotated[int, typer.Option(min=1, max=10_000)]


def _filters(service: str | None, since: str, start: str | None, end: str | None, attr: list[str] | None,
             limit: int) -> Filters:  # fmt: skip
    try:
        attributes = parse_attrs(attr)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    t_end = parse_time(end) if end else None
    t_start = parse_time(start) if start else (t_end or datetime.now(UTC)) - parse_since(since)
    return Filters(service=service, start=t_start, end=t_end, attributes=attributes, limit=limit)


def _api_params(f: Filters, **extra: str | None) -> list[tuple[str, str]]:
    params = [("limit", str(f.limit))]
    if f.service:
        params.append(("service", f.service))
    if f.start:
        params.append(("from", f.start.isoformat()))
    if f.end:
        params.append(("to", f.end.isoformat()))
    params += [("attr", f"{k}={v}") for k, v in f.attributes.items()]
    params += [(k, v) for k, v in extra.items() if v]
    return params


def _run_query(s: Settings, tenant: str, local: Any, api_path: str, api_params: list[tuple[str, str]]) -> list[dict]:
    try:
        store = _open_store(s)
    except StoreBusy:
        return _api_get(s, api_path, api_params, tenant)["rows"]
    try:
        if store.schema_version() == 0:
            err.print(f"[red]{mask_url(s.clickhouse_url)} holds no OllyStack data yet[/red]: "
                      "start `ollystack serve` (it creates the schema) or run `ollystack db migrate`")  # fmt: skip
            raise typer.Exit(1)
        return local(store.scope(tenant))
    finally:
        store.close()


def _show(rows: list[dict], columns: list[str], title: str, as_json: bool) -> None:
    if as_json:
        _emit_json(rows)
        return
    table = Table(*columns, title=f"{title} ({len(rows)})")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    console.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in list(value.items())[:4]) + (" …" if len(value) > 4 else "")
    return "" if value is None else str(value)


@query_app.command("traces")
def query_traces(service: Service = None, since: Since = "1h", start: From = None, end: To = None,
                 attr: Attr = None, limit: Limit = 50, tenant: Tenant = "default",
                 as_json: JsonOpt = False) -> None:  # fmt: skip
    """Recent spans."""
    s = _settings()
    f = _filters(service, since, start, end, attr, limit)
    rows = _run_query(s, tenant, lambda sc: search_traces(sc, f), "/api/v1/traces", _api_params(f))
    _show(rows, ["Timestamp", "ServiceName", "SpanName", "DurationMs", "StatusCode", "TraceId"], "spans", as_json)


@query_app.command("trace")
def query_trace(trace_id: str, tenant: Tenant = "default", as_json: JsonOpt = False) -> None:
    """Every span of one trace."""
    s = _settings()
    rows = _run_query(s, tenant, lambda sc: get_trace(sc, trace_id), f"/api/v1/traces/{trace_id}", [])
    _show(rows, ["Timestamp", "ServiceName", "SpanName", "DurationMs", "StatusCode", "SpanId", "ParentSpanId"],
          f"trace {trace_id}", as_json)  # fmt: skip


@query_app.command("logs")
def query_logs(service: Service = None, since: Since = "1h", start: From = None, end: To = None,
               attr: Attr = None, limit: Limit = 50, tenant: Tenant = "default",
               contains: Annotated[str | None, typer.Option(help="substring of the body")] = None,
               as_json: JsonOpt = False) -> None:  # fmt: skip
    """Recent log records."""
    s = _settings()
    f = _filters(service, since, start, end, attr, limit)
    rows = _run_query(s, tenant, lambda sc: search_logs(sc, f, contains), "/api/v1/logs",
                      _api_params(f, contains=contains))  # fmt: skip
    _show(rows, ["Timestamp", "ServiceName", "SeverityText", "Body"], "log records", as_json)


@query_app.command("metrics")
def query_metrics(service: Service = None, since: Since = "1h", start: From = None, end: To = None,
                  attr: Attr = None, limit: Limit = 50, tenant: Tenant = "default",
                  name: Annotated[str | None, typer.Option(help="metric name")] = None,
                  as_json: JsonOpt = False) -> None:  # fmt: skip
    """Recent metric points of every kind."""
    s = _settings()
    f = _filters(service, since, start, end, attr, limit)
    rows = _run_query(s, tenant, lambda sc: search_metrics(sc, f, name), "/api/v1/metrics",
                      _api_params(f, name=name))  # fmt: skip
    _show(rows, ["TimeUnix", "ServiceName", "MetricName", "Kind", "Value", "MetricUnit", "Attributes"],
          "metric points", as_json)  # fmt: skip


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""`ollystack logs …`: log patterns found in stored logs, and template mining on your own lines."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .cli_common import (
    JsonOpt,
    Tenant,
    _api_request,
    _emit_json,
    _settings,
    err,
    local_store,
    parse_since,
    parse_time,
)
from .config import Settings
from .store import Store

T = TypeVar("T")

logs_app = typer.Typer(help="Log patterns: what the service found in your logs, or templates of raw lines.",
                        no_args_is_help=True)  # fmt: skip


@logs_app.command("templates")
def logs_templates(
    file: Annotated[Path, typer.Argument(help="raw log lines ('-' for stdin)")],
    similarity: Annotated[float, typer.Option(min=0.1, max=1.0, help="share of tokens to join a template")] = 0.65,
) -> None:
    """Print `TEMPLATE<TAB>ORIGINAL` for every input line (templates as generalised by all lines)."""
    from .detect.logtemplates import TemplateMiner, mine

    try:
        if str(file) == "-":
            lines = [line.rstrip("\n") for line in sys.stdin]
        else:
            with file.open(encoding="utf-8", errors="replace") as fh:
                lines = [line.rstrip("\n") for line in fh]
    except OSError as exc:
        err.print(f"{file}: {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    miner, ids = mine(lines, TemplateMiner(similarity=similarity))
    out = sys.stdout
    for line, tid in zip(lines, ids, strict=True):
        out.write(f"{miner.templates[tid].text}\t{line}\n")
    err.print(f"{len(miner.templates)} templates from {len(lines)} lines")


def _patterns_local(s: Settings, fn: Callable[[Store], T]) -> T | None:
    """Run `fn` on the store when this process can open it; None when the service holds it."""
    store = local_store(s)
    if store is None:
        return None
    try:
        return fn(store)
    finally:
        store.close()


@logs_app.command("patterns")
def logs_patterns(
    service: Annotated[str | None, typer.Option("--service", "-s", help="one service's patterns")] = None,
    since: Annotated[str, typer.Option(help="the window: 15m, 1h, 1d…")] = "1h",
    at: Annotated[str | None, typer.Option("--at", help="the window ends at this ISO-8601 time (default: now)")] = None,
    new: Annotated[bool, typer.Option("--new", help="only patterns first seen in the window")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """Top log patterns (or new ones) in a window: lines, share, first seen and a sparkline."""
    from .detect import logfunctions

    s = _settings()
    window = parse_since(since)
    end = parse_time(at) if at else None
    report = _patterns_local(s, lambda store: logfunctions.top_patterns(
        store, tenant, window, end, service, limit, new_only=new).model_dump(mode="json"))  # fmt: skip
    if report is None:
        params = [("since", since), ("limit", str(limit)), ("new", str(new).lower())]
        params += [(k, v) for k, v in (("service", service), ("at", end.isoformat() if end else None)) if v]
        report = _api_request(s, "GET", "/api/v1/logs/patterns", params, tenant).json()
    if as_json:
        _emit_json(report)
        return
    _print_patterns(report, new)


@logs_app.command("families")
def logs_families(
    service: Annotated[str | None, typer.Option("--service", "-s", help="one service's patterns")] = None,
    since: Annotated[str, typer.Option(help="patterns seen in this window: 1h, 1d, 7d…")] = "1d",
    at: Annotated[str | None, typer.Option("--at", help="the window ends at this ISO-8601 time (default: now)")] = None,
    embedder: Annotated[str, typer.Option(help="tfidf (built in) or embeddings (the [embeddings] extra)")] = "tfidf",
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="min similarity in a family")] = None,
    min_size: Annotated[int, typer.Option(min=1, help="hide families smaller than this")] = 2,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    tenant: Tenant = "default",
    as_json: JsonOpt = False,
) -> None:
    """Families of related log patterns (e.g. every way SSH logins fail), largest first."""
    from .detect import logfamilies

    if embedder not in ("tfidf", "embeddings"):
        err.print(f"--embedder must be tfidf or embeddings, not {embedder!r}")
        raise typer.Exit(2)
    s = _settings()
    window = parse_since(since)
    end = parse_time(at) if at else None
    try:
        report = _patterns_local(s, lambda store: logfamilies.stored_families(
            store, tenant, window, end, service, embedder, threshold, min_size, limit))  # type: ignore[arg-type]  # fmt: skip
    except ImportError as exc:  # the embeddings extra is not installed
        err.print(str(exc))
        raise typer.Exit(2) from exc
    if report is None:
        params = [("since", since), ("limit", str(limit)), ("embedder", embedder), ("min_size", str(min_size))]
        params += [(k, v) for k, v in (("service", service), ("at", end.isoformat() if end else None),
                                       ("threshold", None if threshold is None else str(threshold))) if v]  # fmt: skip
        report = _api_request(s, "GET", "/api/v1/logs/families", params, tenant).json()
    if as_json:
        _emit_json(report)
        return
    out = sys.stdout
    scope = f" in {report['service']}" if report["service"] else ""
    out.write(f"pattern families{scope}, {report['start'][:16].replace('T', ' ')} to "
              f"{report['end'][:16].replace('T', ' ')} UTC: {report['templates']} patterns in "
              f"{report['families']} families ({report['embedder']}), {report['shown']} shown\n")  # fmt: skip
    for item in report["items"]:
        out.write(f"\n{item['size']} patterns, {item['lines']:,} lines: {item['name']}\n")
        for m in item["members"]:
            out.write(f"  {m['similarity']:.2f}  {m['id']}: {m['template']}\n")


def _print_patterns(r: dict[str, Any], new: bool) -> None:
    """Plain lines (no table): whole patterns stay on one line, for reading and for grep."""
    out = sys.stdout
    what = "new log patterns" if new else "log patterns"
    scope = f" in {r['service']}" if r["service"] else ""
    start, end = (r[k][:16].replace("T", " ") for k in ("start", "end"))
    out.write(f"{what}{scope}, {start} to {end} UTC: {r['total']:,} lines, {len(r['patterns'])} shown "
              f"({r['bucket_seconds'] // 60} min per bar)\n")  # fmt: skip
    if not r["patterns"]:
        out.write("no patterns in this window (are logs arriving, and is the service indexing them?)\n")
        return
    width = max(len(p["sparkline"]) for p in r["patterns"])
    out.write(f"{'lines':>9} {'share':>6} {'errors':>7}  {'first seen':<16}  {'trend':<{width}}  service: pattern\n")
    for p in r["patterns"]:
        first = (p["first_seen"] or "")[:16].replace("T", " ")
        mark = " NEW" if p["new"] and not new else ""
        out.write(f"{p['count']:>9,} {100 * p['share']:>5.1f}% {p['errors']:>7,}  {first:<16}  "
                  f"{p['sparkline']:<{width}}  {p['service']}: {p['template']}{mark}\n")  # fmt: skip

"""`ollystack detect …`: the anomaly detector on your own data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import (
    JsonOpt,
    Tenant,
    _api_request,
    _emit_json,
    _open_store,
    _settings,
    console,
    err,
    parse_since,
    parse_time,
)
from .store import StoreBusy

detect_app = typer.Typer(help="Anomaly detection: backtest the detector on a CSV series.", no_args_is_help=True)


@detect_app.command("score")
def detect_score(
    file: Annotated[Path, typer.Argument(help="CSV with a `timestamp,value` header ('-' for stdin)")],
    model: Annotated[
        str, typer.Option(help="auto, seasonal, prophet, iforest, autoencoder, flat, sparse, rolling")
    ] = "auto",
    fa_rate: Annotated[
        float, typer.Option(min=1e-9, max=0.5, help="share of normal points allowed to score >= 0.5")
    ] = 1e-4,
) -> None:
    """Print `timestamp,value,score,is_anomaly` for every row, scored as the live detector would."""
    from .detect.offline import CsvError, score_lines, to_csv

    try:
        if str(file) == "-":
            scored = score_lines(sys.stdin, model, fa_rate)
        else:
            with file.open(encoding="utf-8", newline="") as fh:
                scored = score_lines(fh, model, fa_rate)
    except OSError as exc:
        err.print(f"{file}: {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    except (CsvError, ValueError) as exc:
        err.print(f"{file}: {exc}")
        raise typer.Exit(2) from exc
    sys.stdout.write(to_csv(scored))
    first = scored.models[0]
    err.print(f"model: {first.name} ({first.reason}); {len(scored.models)} fits; "
              f"{int(scored.flags.sum())} of {scored.flags.size} points anomalous")  # fmt: skip


@detect_app.command("suppress")
def detect_suppress(
    pattern: Annotated[str, typer.Argument(help="fnmatch over service/name:measure, e.g. 'payments/*'")],
    duration: Annotated[str, typer.Option("--for", help="how long (e.g. 30m, 2h)")] = "1h",
    start: Annotated[str | None, typer.Option("--from", help="ISO-8601 start (default: now)")] = None,
    reason: Annotated[str, typer.Option(help="why, for the people who see no alert")] = "",
    by: Annotated[str, typer.Option(help="who asks")] = "",
    tenant: Tenant = "default",
) -> None:
    """Silence anomaly signals of matching series for a while (planned work, a load test)."""
    from datetime import UTC, datetime

    from .detect import suppressions

    s = _settings()
    begin = parse_time(start) if start else datetime.now(UTC)
    end = begin + parse_since(duration)
    try:
        store = _open_store(s)
    except StoreBusy:
        body = {"pattern": pattern, "start": begin.isoformat(), "end": end.isoformat(), "reason": reason, "by": by}
        _api_request(s, "POST", "/api/v1/detect/suppressions", [], tenant, json_body=body)
    else:
        try:
            suppressions.add(store, tenant, pattern, begin, end, reason, by)
        except ValueError as exc:
            err.print(str(exc))
            raise typer.Exit(2) from exc
        finally:
            store.close()
    console.print(f"suppressed {pattern} from {begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")


@detect_app.command("suppressions")
def detect_suppressions(tenant: Tenant = "default", as_json: JsonOpt = False) -> None:
    """Suppression windows not over yet."""
    from datetime import UTC, datetime

    from .detect import suppressions

    s = _settings()
    try:
        store = _open_store(s)
    except StoreBusy:
        rows = _api_request(s, "GET", "/api/v1/detect/suppressions", [], tenant).json()["suppressions"]
    else:
        try:
            rows = [w.to_json() for w in suppressions.active(store, tenant, datetime.now(UTC))]
        finally:
            store.close()
    if as_json:
        _emit_json(rows)
        return
    for r in rows:
        console.print(f"{r['pattern']}: {r['start']} → {r['end']}  {r['reason']}")
    if not rows:
        console.print("no suppression windows")

"""`ollystack detect …`: the anomaly detector on your own data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import err

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

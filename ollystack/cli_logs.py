"""`ollystack logs …`: log template mining on your own lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import err

logs_app = typer.Typer(help="Log patterns: mine templates from raw log lines.", no_args_is_help=True)


@logs_app.command("templates")
def logs_templates(
    file: Annotated[Path, typer.Argument(help="raw log lines ('-' for stdin)")],
    similarity: Annotated[float, typer.Option(min=0.1, max=1.0, help="share of equal tokens to join a template")] = 0.5,
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

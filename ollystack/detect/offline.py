"""`ollystack detect score FILE.csv`: backtest the detector on your own series.

The series is scored as the live detector would have scored it (see `walk_forward`): learn from
the first week (at most half the file), then a day at a time, relearning daily.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .anomaly import AnomalyDetector, Fitted, walk_forward


class CsvError(ValueError):
    """A CSV the scorer cannot read, with the line that shows why."""


@dataclass
class Scored:
    raw_times: list[str]
    ts: np.ndarray
    values: np.ndarray
    scores: np.ndarray
    flags: np.ndarray
    models: list[Fitted]


def _parse_time(text: str, line: int) -> int:
    t = text.strip()
    try:
        x = float(t)
        return int(x / 1000) if x > 1e11 else int(x)  # epoch milliseconds or seconds
    except ValueError:
        pass
    try:
        d = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CsvError(f"line {line}: {text!r} is not a timestamp (ISO-8601 or epoch seconds)") from exc
    return int((d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp())


def read(lines: Iterable[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:2]] != ["timestamp", "value"]:
        raise CsvError(f"line 1: the header must be `timestamp,value`, not {','.join(header or [])!r}")
    raw, ts, vals = [], [], []
    for n, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise CsvError(f"line {n}: expected timestamp,value")
        raw.append(row[0])
        ts.append(_parse_time(row[0], n))
        v = row[1].strip()
        try:
            vals.append(float(v) if v else float("nan"))
        except ValueError as exc:
            raise CsvError(f"line {n}: {v!r} is not a number") from exc
    if len(ts) < 10:
        raise CsvError("at least 10 rows are needed")
    order = np.argsort(np.array(ts), kind="stable")
    return [raw[i] for i in order], np.array(ts, dtype=np.int64)[order], np.array(vals)[order]


def score_lines(lines: Iterable[str], model: str = "auto", fa_rate: float = 1e-4) -> Scored:
    raw, ts, values = read(lines)
    scores, flags, models = walk_forward(AnomalyDetector(fa_rate=fa_rate, model=model), ts, values)
    return Scored(raw, ts, values, scores, flags, models)


def to_csv(s: Scored) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["timestamp", "value", "score", "is_anomaly"])
    for t, v, sc, f in zip(s.raw_times, s.values, s.scores, s.flags, strict=True):
        w.writerow([t, "" if np.isnan(v) else f"{v:g}", f"{sc:.4f}", "true" if f else "false"])
    return out.getvalue()

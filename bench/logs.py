"""Log template mining: grouping accuracy on the Loghub 2k samples, and lines per second.

Accuracy: one miner configuration on every dataset in `bench/data/loghub/` (the `Content` of each
line, as the Loghub benchmark scores it), averaged, and on our own labelled corpus
(`tests/data/logcorpus/`, many formats, independent of Loghub). Speed: at least a million lines on
one core — the Loghub lines cycled with every number redrawn at random, so values are as fresh as
in real logs and no cache sees the same token twice by accident — and in the same run drain3
(installed only in this benchmark's own virtualenv, `bench/.venv-drain3`, because it pins old
packages) on the same lines, for the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ollystack.detect.logtemplates import TemplateMiner
from ollystack.evals.loggrouping import grouping_accuracy, read_labelled

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "loghub"
CORPUS = HERE.parent / "tests" / "data" / "logcorpus"
DRAIN_VENV = HERE / ".venv-drain3"
DRAIN_SCRIPT = """
import sys, time
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
mode = sys.argv[2]
cfg = TemplateMinerConfig()
cfg.profiling_enabled = False
miner = TemplateMiner(config=cfg)
t = time.perf_counter()
ids = [miner.add_log_message(line)["cluster_id"] for line in lines]
took = time.perf_counter() - t
if mode == "speed":
    print(len(lines) / took)
else:
    # the final cluster of each line, as the clusters stand after all lines
    print("\\n".join(str(miner.match(line).cluster_id if miner.match(line) else -1) for line in lines))
"""


def drain3_python() -> Path | None:
    """drain3 in its own venv (created on first use from the package registry)."""
    py = DRAIN_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(DRAIN_VENV)], check=True)
        done = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "drain3==0.9.11"], check=False)
        if done.returncode != 0:
            return None
    return py


def _drain3_groups(py: Path, lines: list[str]) -> list[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    done = subprocess.run([str(py), "-c", DRAIN_SCRIPT, fh.name, "groups"], capture_output=True, text=True, check=True)
    Path(fh.name).unlink()
    return done.stdout.split()


def _corpus_accuracy(directory: Path, py: Path | None) -> dict[str, dict[str, float]]:
    """Per system: ours, and drain3's on the same lines (its lines hold no newline, as drain3 needs)."""
    scores = {}
    for path in sorted(directory.glob("*.tsv")):
        truth, lines = read_labelled(path)
        miner = TemplateMiner()
        for line in lines:
            miner.add(line)
        row = {"ollystack": grouping_accuracy(truth, [(miner.match(line) or miner.add(line)).id for line in lines])}
        if py is not None:
            row["drain3"] = grouping_accuracy(truth, _drain3_groups(py, lines))
        scores[path.stem] = row
    return scores


def _mean(rows: dict[str, dict[str, float]]) -> dict[str, float]:
    keys = {k for row in rows.values() for k in row}
    return {k: sum(row[k] for row in rows.values()) / len(rows) for k in sorted(keys)}


def _speeds(lines: list[str], py: Path | None) -> tuple[float, float | None]:
    """Lines per second of a fresh miner on `lines`, and of drain3 on the same lines."""
    miner = TemplateMiner()
    t = time.perf_counter()
    for line in lines:
        miner.add(line)
    ours = len(lines) / (time.perf_counter() - t)
    if py is None:
        return ours, None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    done = subprocess.run([str(py), "-c", DRAIN_SCRIPT, fh.name, "speed"], capture_output=True, text=True, check=True)
    Path(fh.name).unlink()
    return ours, float(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines for the speed test")
    ap.add_argument("--no-drain3", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "logs.json")
    args = ap.parse_args()
    datasets = sorted(DATA.glob("*_2k.tsv"))
    if not datasets:
        sys.exit(f"no datasets in {DATA}")
    py = None if args.no_drain3 else drain3_python()
    accuracy: dict[str, dict[str, float]] = {}
    corpus: list[str] = []
    for path in datasets:
        name = path.name.removesuffix("_2k.tsv")
        truth, lines = read_labelled(path)
        corpus += lines
        miner = TemplateMiner()
        for line in lines:
            miner.add(line)
        final = [(miner.match(line) or miner.add(line)).id for line in lines]
        row = {"ollystack": grouping_accuracy(truth, final), "templates": len(miner.templates),
               "true_templates": len(set(truth))}  # fmt: skip
        if py is not None:
            row["drain3"] = grouping_accuracy(truth, _drain3_groups(py, lines))
        accuracy[name] = row
        print(f"{name:<12} ollystack {row['ollystack']:.3f}" + (f"  drain3 {row['drain3']:.3f}" if "drain3" in row
                                                                 else ""))  # fmt: skip
    avg = sum(r["ollystack"] for r in accuracy.values()) / len(accuracy)
    avg_drain = sum(r["drain3"] for r in accuracy.values()) / len(accuracy) if py is not None else None
    own = {label: _corpus_accuracy(directory, py) for label, directory in
           (("events", CORPUS), ("statements", CORPUS / "statements"))}  # fmt: skip
    # speed: the samples cycled to N lines, every number redrawn (same digit count)
    rng = random.Random(7)
    digits = re.compile(r"\d+")
    big = [digits.sub(lambda m: str(rng.randrange(10 ** len(m.group()))).zfill(len(m.group())),
                      corpus[i % len(corpus)]) for i in range(args.lines)]  # fmt: skip
    speed = {"fresh values": _speeds(big, py)}
    # the easy case for comparison: the samples cycled verbatim, so every cache hits
    speed["repeated lines"] = _speeds([corpus[i % len(corpus)] for i in range(args.lines)], py)
    ours, theirs = speed["fresh values"]
    result = {"datasets": accuracy, "average_grouping_accuracy": avg, "drain3_average": avg_drain,
              "corpus": own, "corpus_average": {k: _mean(v) for k, v in own.items() if v},
              "lines": args.lines, "lines_per_s": ours, "drain3_lines_per_s": theirs,
              "ratio_to_drain3": ours / theirs if theirs else None,
              "repeated_lines": dict(zip(("lines_per_s", "drain3_lines_per_s"), speed["repeated lines"],
                                         strict=True))}  # fmt: skip
    print(f"average grouping accuracy: ollystack {avg:.3f}" + (f", drain3 {avg_drain:.3f}" if avg_drain else ""))
    for label, scores in own.items():
        if scores:
            means = _mean(scores)
            print(f"labelled corpus, {label} ({len(scores)} systems, not Loghub): ollystack {means['ollystack']:.3f}"
                  + (f", drain3 {means['drain3']:.3f}" if "drain3" in means else ""))  # fmt: skip
    for label, (us, them) in speed.items():
        print(f"speed, {args.lines:,} lines, {label}: {us:,.0f} lines/s"
              + (f", drain3 {them:,.0f} lines/s, ratio {us / them:.2f}" if them else ""))  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

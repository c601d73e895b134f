"""The labelled log corpus in tests/data/logcorpus: well formed, reproducible from its generator,
independent of Loghub, and how well the template miner groups it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ollystack.detect.logtemplates import mine
from ollystack.evals.loggrouping import grouping_accuracy, read_labelled

CORPUS = Path(__file__).parent / "data" / "logcorpus"
FILES = sorted(CORPUS.glob("*.tsv"))
LOGHUB = Path(__file__).resolve().parents[1] / "bench" / "data" / "loghub"

# the miner's average grouping accuracy over the corpus must not fall below this
MIN_MEAN_ACCURACY = 0.80


def test_the_corpus_covers_many_systems() -> None:
    assert len(FILES) >= 25


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_is_well_formed(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    assert raw.startswith("EventId\tContent\n")
    assert raw.endswith("\n")
    assert "\r" not in raw
    rows = raw.split("\n")[1:-1]
    assert all(row.count("\t") == 1 for row in rows), "a TAB inside Content"
    truth, lines = read_labelled(path)
    assert len(lines) == len(rows) >= 300
    assert len(set(truth)) >= 8
    assert all(event.startswith(f"{path.stem}-E") for event in truth)
    assert all(line.strip() for line in lines)


def test_the_generator_reproduces_every_file_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(CORPUS / "generate.py"), str(tmp_path)], check=True, capture_output=True)
    assert sorted(p.name for p in tmp_path.glob("*.tsv")) == [p.name for p in FILES]
    for path in FILES:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), f"{path.name} differs when regenerated"


def test_no_line_is_taken_from_loghub() -> None:
    if not LOGHUB.is_dir():
        pytest.skip("no Loghub samples in this checkout")
    loghub: set[str] = set()
    for path in LOGHUB.glob("*.tsv"):
        loghub.update(line.strip() for line in read_labelled(path)[1])
    shared = [(path.stem, line) for path in FILES for line in read_labelled(path)[1] if line.strip() in loghub]
    assert not shared


def test_the_miner_groups_the_corpus_well_on_average() -> None:
    scores = {}
    for path in FILES:
        truth, lines = read_labelled(path)
        _, predicted = mine(lines)
        scores[path.stem] = grouping_accuracy(truth, predicted)
    mean = sum(scores.values()) / len(scores)
    table = "\n".join(f"  {name:<20} {acc:.3f}" for name, acc in sorted(scores.items(), key=lambda kv: kv[1]))
    assert mean >= MIN_MEAN_ACCURACY, f"mean grouping accuracy {mean:.3f} < {MIN_MEAN_ACCURACY}; per system:\n{table}"

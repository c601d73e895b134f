"""The labelled log corpus in tests/data/logcorpus: well formed, reproducible from its generator,
independent of Loghub, and how well the template miner groups it.

Two label sets cover the same lines: `<system>.tsv` (event-level: statement plus its
closed-vocabulary values, e.g. `nginx-E1-GET-HTTP_1.1`) and `statements/<system>.tsv` (one label
per log statement, `nginx-E1`). The miner is scored on the event-level labels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ollystack.detect.logtemplates import mine
from ollystack.evals.loggrouping import grouping_accuracy, read_labelled

CORPUS = Path(__file__).parent / "data" / "logcorpus"
STATEMENTS = CORPUS / "statements"
FILES = sorted(CORPUS.glob("*.tsv"))
STATEMENT_FILES = sorted(STATEMENTS.glob("*.tsv"))
LOGHUB = Path(__file__).resolve().parents[1] / "bench" / "data" / "loghub"

# A regression guard, not a target: the miner's average grouping accuracy was 0.584 on the
# event-level labels and 0.668 on the statement-level ones when these were set (2026-11-28); the
# Loghub figure (0.92) flatters it, this corpus (whole lines, access logs, JSON) is harder.
MIN_MEAN_ACCURACY = 0.55
MIN_MEAN_STATEMENT_ACCURACY = 0.63


def test_the_corpus_covers_many_systems() -> None:
    assert len(FILES) >= 25
    assert [p.name for p in STATEMENT_FILES] == [p.name for p in FILES]


@pytest.mark.parametrize(
    "path", FILES + STATEMENT_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}" if p.parent == STATEMENTS else p.stem
)
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


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_event_labels_refine_statement_labels(path: Path) -> None:
    """The same lines in both files; each event's id is its statement's id plus the values that
    split it, so every event lies within one statement."""
    events, lines = read_labelled(path)
    statements, statement_lines = read_labelled(STATEMENTS / path.name)
    assert lines == statement_lines
    assert all(s.count("-") == path.stem.count("-") + 1 for s in statements), "a statement id with a value part"
    for event, statement in zip(events, statements, strict=True):
        assert event == statement or event.startswith(statement + "-")


def test_the_generator_reproduces_every_file_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(CORPUS / "generate.py"), str(tmp_path)], check=True, capture_output=True)
    for there, files in ((tmp_path, FILES), (tmp_path / "statements", STATEMENT_FILES)):
        assert sorted(p.name for p in there.glob("*.tsv")) == [p.name for p in files]
        for path in files:
            regenerated = (there / path.name).read_bytes()
            assert regenerated == path.read_bytes(), f"{path.relative_to(CORPUS)} differs when regenerated"


def test_no_line_is_taken_from_loghub() -> None:
    if not LOGHUB.is_dir():
        pytest.skip("no Loghub samples in this checkout")
    loghub: set[str] = set()
    for path in LOGHUB.glob("*.tsv"):
        loghub.update(line.strip() for line in read_labelled(path)[1])
    shared = [(path.stem, line) for path in FILES for line in read_labelled(path)[1] if line.strip() in loghub]
    assert not shared


@pytest.mark.parametrize(
    ("files", "floor"),
    [(FILES, MIN_MEAN_ACCURACY), (STATEMENT_FILES, MIN_MEAN_STATEMENT_ACCURACY)],
    ids=["events", "statements"],
)
def test_the_miner_groups_the_corpus_well_on_average(files: list[Path], floor: float) -> None:
    scores = {}
    for path in files:
        truth, lines = read_labelled(path)
        _, predicted = mine(lines)
        scores[path.stem] = grouping_accuracy(truth, predicted)
    mean = sum(scores.values()) / len(scores)
    table = "\n".join(f"  {name:<20} {acc:.3f}" for name, acc in sorted(scores.items(), key=lambda kv: kv[1]))
    assert mean >= floor, f"mean grouping accuracy {mean:.3f} < {floor}; per system:\n{table}"

"""Grouping accuracy of a log template miner, as the Loghub benchmark defines it.

A line is parsed correctly when the set of lines that share its mined template is exactly the set
that shares its true template; grouping accuracy is the share of such lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path


def grouping_accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    if len(truth) != len(predicted):
        raise ValueError("one predicted template per line")
    by_truth: dict[str, set[int]] = defaultdict(set)
    by_pred: dict[str, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted, strict=True)):
        by_truth[t].add(i)
        by_pred[p].add(i)
    correct = 0
    for members in by_pred.values():
        first = next(iter(members))
        # the predicted group is right when it is exactly one true group
        if by_truth[truth[first]] == members:
            correct += len(members)
    return correct / len(truth) if truth else 1.0


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """`EventId<TAB>Content` rows (a header first) -> (event ids, contents)."""
    ids, lines = [], []
    with path.open(encoding="utf-8") as fh:
        next(fh, None)
        for row in fh:
            event, _, content = row.rstrip("\n").partition("\t")
            ids.append(event)
            lines.append(content)
    return ids, lines

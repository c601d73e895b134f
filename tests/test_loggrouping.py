"""Grouping accuracy as Loghub defines it: whole groups right, or the lines count as wrong."""

from __future__ import annotations

import pytest

from ollystack.evals.loggrouping import grouping_accuracy


def test_exact_grouping_scores_one_whatever_the_labels() -> None:
    assert grouping_accuracy(["a", "a", "b"], ["x", "x", "y"]) == 1.0


def test_a_split_group_loses_all_its_lines() -> None:
    # the two 'a' lines were split: both are wrong; 'b' is right
    assert grouping_accuracy(["a", "a", "b"], ["x", "z", "y"]) == pytest.approx(1 / 3)


def test_a_merged_group_loses_all_its_lines() -> None:
    assert grouping_accuracy(["a", "a", "b", "c"], ["x", "x", "x", "w"]) == pytest.approx(1 / 4)

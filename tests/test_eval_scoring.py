"""The harness's metric math, on hand-made cases."""

from __future__ import annotations

import pytest

from ollystack.evals.scoring import (
    Hypothesis,
    ScenarioResult,
    Truth,
    ac_at,
    avg_at_5,
    brier,
    false_positives,
    root_cause_rank,
    summarize,
    time_to_detect,
)

TRUTH = Truth("payments", "bad_deploy", start=1000.0, end=2000.0)


def test_time_to_detect_counts_only_incidents_during_the_fault():
    assert time_to_detect(TRUTH, [500.0, 1090.0, 1500.0]) == 90.0
    assert time_to_detect(TRUTH, [500.0, 2500.0]) is None


def test_false_positives_exclude_faults_and_their_recovery():
    assert false_positives([100.0, 1500.0, 2600.0, 5000.0], [TRUTH], grace=900) == 2  # 100 and 5000


def test_rank_needs_service_and_kind_in_confidence_order():
    hyps = [
        Hypothesis("checkout", "bad_deploy", 0.5),
        Hypothesis("payments", "dependency_slowness", 0.7),
        Hypothesis("payments", "bad_deploy", 0.4),
    ]
    assert root_cause_rank(hyps, TRUTH) == 3
    assert root_cause_rank(hyps[:2], TRUTH) is None


def test_ac_at_k_and_avg_at_5():
    ranks = [1, 2, 3, None]
    assert ac_at(ranks, 1) == 0.25
    assert ac_at(ranks, 3) == 0.75
    assert avg_at_5(ranks) == pytest.approx((0.25 + 0.5 + 0.75 + 0.75 + 0.75) / 5)


def test_brier_score():
    assert brier([(1.0, True), (0.0, False)]) == 0.0
    assert brier([(0.5, True), (0.5, False)]) == 0.25
    assert brier([(0.9, False)]) == pytest.approx(0.81)


def test_summary_reports_missing_parts_as_missing_not_zero():
    results = [ScenarioResult("a"), ScenarioResult("b")]
    summary = summarize(results, {"a": TRUTH, "b": TRUTH})
    assert summary == {"scenarios": 2, "detected": None, "ac1": None, "ac3": None, "avg5": None, "brier": None,
                       "fp_per_day": None}  # fmt: skip


def test_summary_over_a_hand_made_suite():
    hit = [Hypothesis("payments", "bad_deploy", 0.8), Hypothesis("checkout", "bad_deploy", 0.2)]
    miss = [Hypothesis("cart", "bad_config", 0.6)]
    results = [
        ScenarioResult("a", detected=True, ttd_seconds=60, hypotheses=hit, root_cause_rank=1, fp_incidents=1,
                       fault_free_days=2.0),
        ScenarioResult("b", detected=False, hypotheses=miss, root_cause_rank=None, fp_incidents=0,
                       fault_free_days=2.0),
    ]  # fmt: skip
    s = summarize(results, {"a": TRUTH, "b": TRUTH})
    assert s["detected"] == 0.5 and s["ac1"] == 0.5 and s["ac3"] == 0.5
    assert s["avg5"] == pytest.approx(0.5)
    assert s["brier"] == pytest.approx(((0.8 - 1) ** 2 + 0.2**2 + 0.6**2) / 3)
    assert s["fp_per_day"] == 0.25

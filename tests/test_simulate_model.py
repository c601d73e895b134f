"""The simulated shop's topology and traffic: complete, consistent, seasonal and deterministic."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from ollystack.simulate.clock import VirtualClock
from ollystack.simulate.topology import build_shop
from ollystack.simulate.traffic import Surge, TrafficModel, lognormal_ms

MONDAY = datetime(2026, 11, 2, tzinfo=UTC).timestamp()  # a Monday, 00:00 UTC
HOUR, DAY = 3600.0, 86_400.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 7, 42])
def test_every_shop_is_complete_and_consistent(seed):
    shop = build_shop(seed)
    assert len(shop.services) >= 10
    kinds = {d.kind for d in shop.dependencies.values()}
    assert kinds == {"database", "cache", "queue", "external"}
    names = [s.name for s in shop.services.values()] + [d.name for d in shop.dependencies.values()]
    assert len(names) == len(set(names)), "telemetry names must be unique"
    for role, endpoint, call in shop.calls():
        assert call.target in shop.services or call.target in shop.dependencies, (role, call)
        if call.target in shop.services:
            shop.services[call.target].endpoint(call.operation)  # the called endpoint exists
        assert 0 < call.probability <= 1
        assert endpoint.latency_ms > 0
    # the service graph is acyclic: a request always ends
    graph: dict[str, set[str]] = {}
    for a, b in shop.edges():
        graph.setdefault(a, set()).add(b)
    seen: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"cycle {(*path, node)}"
        if node in seen:
            return
        for nxt in graph.get(node, ()):
            visit(nxt, (*path, node))
        seen.add(node)

    visit(shop.entry, ())
    # and every service is reachable from the entry or the queue
    reachable = {shop.entry} | {b for _, b in shop.edges()}
    assert set(shop.services) <= reachable


def test_a_seed_gives_the_same_shop_and_other_seeds_other_shops():
    assert build_shop(5) == build_shop(5)
    canonical = build_shop(0)
    assert canonical.name_of("payments") == "payments" and canonical.name_of("frontend") == "web-frontend"
    renamed = [build_shop(s) for s in range(1, 9)]
    assert any(s.name_of("payments") != "payments" for s in renamed)
    assert any(set(s.services) != set(canonical.services) for s in renamed), "some seeds reshape the shop"
    for shop in renamed:
        assert shop.role_of(shop.name_of("payments")) == "payments"


def test_asynchronous_orders_reach_the_consumer():
    shop = build_shop(0)
    assert ("checkout", "queue") in shop.edges()
    assert ("checkout", "shipping") in shop.edges()


def test_traffic_follows_days_and_weeks():
    model = TrafficModel(base_rps=10, noise=0.0)
    monday_peak = model.rate(MONDAY + 14 * HOUR)
    monday_night = model.rate(MONDAY + 3 * HOUR)
    saturday_peak = model.rate(MONDAY + 5 * DAY + 14 * HOUR)
    assert monday_peak > 3 * monday_night
    assert saturday_peak == pytest.approx(0.6 * monday_peak)
    week = [model.rate(MONDAY + i * 600) for i in range(7 * 144)]
    assert sum(week) / len(week) == pytest.approx(10, rel=0.02)  # base_rps is the weekly mean


def test_quiet_days_and_surges_change_the_rate():
    quiet_day = datetime(2026, 11, 4, tzinfo=UTC).date()
    surge = Surge(MONDAY + 10 * HOUR, MONDAY + 11 * HOUR, 5.0)
    model = TrafficModel(base_rps=10, noise=0.0, quiet_days=(quiet_day,), surges=(surge,))
    normal = TrafficModel(base_rps=10, noise=0.0)
    wednesday = MONDAY + 2 * DAY + 14 * HOUR
    assert model.rate(wednesday) == pytest.approx(0.35 * normal.rate(wednesday))
    assert model.rate(MONDAY + 10.5 * HOUR) == pytest.approx(5 * normal.rate(MONDAY + 10.5 * HOUR))


def test_arrivals_are_deterministic_and_follow_the_rate():
    model = TrafficModel(base_rps=5, seed=3)
    first = model.arrivals(MONDAY, MONDAY + 2 * HOUR, random.Random(1))
    assert first == model.arrivals(MONDAY, MONDAY + 2 * HOUR, random.Random(1))
    assert all(MONDAY <= t < MONDAY + 2 * HOUR for t in first) and first == sorted(first)
    expected = sum(model.rate(MONDAY + i) for i in range(int(2 * HOUR)))
    assert len(first) == pytest.approx(expected, rel=0.05)
    assert model.rate(MONDAY + 600) != TrafficModel(base_rps=5, seed=4).rate(MONDAY + 600)  # noise follows the seed


def test_latency_is_long_tailed_around_its_median():
    rnd = random.Random(0)
    samples = sorted(lognormal_ms(rnd, 20.0, 0.5) for _ in range(20_000))
    assert samples[len(samples) // 2] == pytest.approx(20.0, rel=0.05)
    assert samples[int(0.99 * len(samples))] > 2.5 * 20.0


def test_virtual_clock_only_moves_forward():
    clock = VirtualClock(MONDAY)
    assert clock.advance(60) == MONDAY + 60
    with pytest.raises(ValueError):
        clock.set(MONDAY)

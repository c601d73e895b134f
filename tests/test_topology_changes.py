"""Dependency changes on the simulated shop (real chDB store, virtual time): payments stops writing
to the database and calls a new fraud API for twenty minutes, then goes back. The change report
names exactly those two edges; the detector signals each once, through a restart, and resolves
both; a change right after a deployment is expected, and nothing is said while learning."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ollystack.detect import Scheduler
from ollystack.detect.dependencies import DependencyDetector
from ollystack.detect.suppressions import add as suppress
from ollystack.signals import Collect, StoreSignals
from ollystack.simulate.clock import VirtualClock
from ollystack.simulate.topology import Call, Dependency, Shop, build_shop
from ollystack.store import Store
from ollystack.topology import TopologyUpdater, dependency_changes
from tests.support.simspans import insert_spans, simulate

T0 = 1_792_983_600.0  # Monday 03:00 UTC: no routine releases (they happen 09:00-17:00)
START = datetime.fromtimestamp(T0, UTC)
SWITCH, BACK, END = (START + timedelta(minutes=m) for m in (60, 80, 100))


def _fraud_shop(shop: Shop) -> Shop:
    """payments scores each charge with a fraud API and no longer writes to the database."""
    payments = shop.services["payments"]
    charge = payments.endpoints[0]
    calls = (*[c for c in charge.calls if c.target != "postgres"], Call("fraud", "POST /v1/score"))
    services = {**shop.services, "payments": replace(payments, endpoints=(replace(charge, calls=calls),))}
    deps = {**shop.dependencies, "fraud": Dependency("fraud", "fraud-api", "external", "http", 40.0)}
    return replace(shop, services=services, dependencies=deps)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shop = build_shop(0)
    path = tmp_path_factory.mktemp("changes") / "data"
    store = Store(f"chdb://{path}")
    try:
        store.migrate()
        insert_spans(store, simulate(shop, T0, SWITCH.timestamp(), rps=2.0, seed=11))
        insert_spans(store, simulate(_fraud_shop(shop), SWITCH.timestamp(), BACK.timestamp(), rps=2.0, seed=12))
        insert_spans(store, simulate(shop, BACK.timestamp(), END.timestamp(), rps=2.0, seed=13))
    finally:
        store.close()
    return path


@pytest.fixture
def shop_store(data: Path) -> Iterator[Store]:
    store = Store(f"chdb://{data}")
    try:
        yield store
    finally:
        store.close()


def test_the_removed_and_the_new_dependency_are_reported(shop_store: Store) -> None:
    at = SWITCH + timedelta(minutes=15)
    changes = dependency_changes(shop_store, "default", at, recent=timedelta(minutes=15), baseline=timedelta(hours=1))
    assert [(e.source, e.target, e.kind) for e in changes.new_edges] == [("payments", "fraud-api", "external")]
    assert changes.new_edges[0].new_node == "fraud-api" and changes.new_edges[0].first_seen == SWITCH
    assert changes.new_edges[0].traces, "the new edge links example traces"
    assert [(e.source, e.target) for e in changes.vanished_edges] == [("payments", "postgres")]
    assert (changes.vanished_edges[0].expected_calls or 0) >= 20
    assert [(n.name, n.kind) for n in changes.new_nodes] == [("fraud-api", "external")]
    assert changes.vanished_nodes == []  # others still use the database
    # before the switch nothing changed, and the quiet half of the hour is not "vanished"
    calm = dependency_changes(
        shop_store, "default", SWITCH, recent=timedelta(minutes=15), baseline=timedelta(minutes=45)
    )
    assert (calm.new_edges, calm.vanished_edges, calm.new_nodes, calm.vanished_nodes) == ([], [], [], [])


def _run(store: Store, clock: VirtualClock, until: datetime, step: float = 120) -> list[Any]:
    detector = DependencyDetector(store, baseline=timedelta(hours=1), min_baseline_hours=1)
    collect = Collect()
    sched = Scheduler(store, clock, [TopologyUpdater(store), detector], [StoreSignals(store), collect])
    while clock.now() + step <= until.timestamp():
        clock.advance(step)
        sched.cycle()
    return collect.signals


def test_the_detector_signals_each_change_once_and_resolves_both(shop_store: Store) -> None:
    clock = VirtualClock(SWITCH.timestamp())
    signals = _run(shop_store, clock, SWITCH + timedelta(minutes=18))
    signals += _run(shop_store, clock, END)  # a new detector: a restart remembers what it said
    firing = [(s.kind, s.series, s.severity) for s in signals if s.state == "firing"]
    assert firing == [("dependency_new", "payments->fraud-api", "warning"),
                      ("dependency_vanished", "payments->postgres", "warning")]  # fmt: skip
    new, gone = (s for s in signals if s.state == "firing")
    assert new.service == "payments" and new.at <= SWITCH + timedelta(minutes=4)
    assert new.title == "payments calls a new dependency: fraud-api (external API, {} calls in 15m, new on the map)" \
        .format(new.evidence["calls"])  # fmt: skip
    assert SWITCH + timedelta(minutes=15) <= gone.at <= SWITCH + timedelta(minutes=18)
    assert gone.title.startswith("payments no longer calls postgres (database: about ")
    assert "topology_edge_minutes" in gone.query
    resolved = {s.series: (s.title, s.at) for s in signals if s.state == "resolved"}
    assert resolved["payments->postgres"][0] == "payments → postgres: dependency calls are back"
    assert BACK < resolved["payments->postgres"][1] <= BACK + timedelta(minutes=4)
    assert resolved["payments->fraud-api"][0].endswith("new dependency settled (calls stopped again)")
    assert BACK + timedelta(minutes=15) <= resolved["payments->fraud-api"][1] <= END
    assert len(signals) == 4


# -- hand-written spans: deployments, learning, suppression -------------------------------------------
COLUMNS = ["TenantId", "Timestamp", "TraceId", "SpanId", "ParentSpanId", "ServiceName", "SpanName", "SpanKind",
           "Duration", "StatusCode", "SpanAttributes", "ResourceAttributes"]  # fmt: skip


def _requests(start: datetime, minutes: int, version: str, new_call: bool) -> list[list[Any]]:
    """Ten requests a minute to `orders`, each calling `billing`; with `new_call`, also risk-api."""
    rows = []
    for m in range(minutes):
        for i in range(10):
            n = int(start.timestamp()) // 60 + m
            trace, ts = f"{n:016x}{i:016x}", start + timedelta(minutes=m, seconds=6 * i)
            res = {"service.name": "orders", "service.version": version}
            rows += [["default", ts, trace, f"{n:08x}{i:04x}0001", "", "orders", "POST /orders", "Server", 9_000_000,
                      "Ok", {}, res],
                     ["default", ts, trace, f"{n:08x}{i:04x}0002", f"{n:08x}{i:04x}0001", "billing", "POST /bill",
                      "Server", 4_000_000, "Ok", {}, {"service.name": "billing"}]]  # fmt: skip
            if new_call:
                rows.append(["default", ts, trace, f"{n:08x}{i:04x}0003", f"{n:08x}{i:04x}0001", "orders",
                             "GET /risk", "Client", 2_000_000, "Ok", {"server.address": "risk-api"}, res])  # fmt: skip
    return rows


def test_a_change_right_after_a_deployment_is_expected_and_nothing_is_said_while_learning(store: Store) -> None:
    t = START
    rows = _requests(t, 120, "1.4.0", new_call=False) + _requests(t + timedelta(minutes=120), 15, "1.5.0", True)
    store.client.insert("otel_traces", rows, column_names=COLUMNS)
    at = t + timedelta(minutes=135)
    learning = DependencyDetector(store, baseline=timedelta(hours=2))  # wants a day of baseline
    assert learning.run("default", at) == []
    detector = DependencyDetector(store, baseline=timedelta(hours=2), min_baseline_hours=1)
    (signal,) = detector.run("default", at)
    assert (signal.kind, signal.series, signal.severity) == ("dependency_new", "orders->risk-api", "info")
    assert signal.title.endswith("after deploying 1.5.0")
    assert signal.evidence["deployment"]["previous_version"] == "1.4.0"
    suppress(store, "default", "orders/calls/risk-*", at - timedelta(hours=1), at + timedelta(hours=1), "rollout")
    assert detector.run("default", at) == []

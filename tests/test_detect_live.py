"""The live metric detector over stored spans, in virtual time: it fires on a real change, says
which series and why, resolves, stays quiet when suppressed, and admits a short history."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from ollystack.detect import MetricDetector, Scheduler
from ollystack.signals import Collect
from ollystack.simulate.clock import VirtualClock
from ollystack.store import Store
from tests.support.spans import Minute, insert_minutes

T0 = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)  # a Tuesday


def _traffic(i: int) -> Minute:
    """A daily cycle: 10 requests a minute at night, 30 at midday."""
    hour = (i % 1440) / 60
    n = round(20 - 10 * math.cos(2 * math.pi * hour / 24))
    return Minute(n, errors=1 if i % 97 == 0 else 0, fast_ms=40 + (i % 7), service="checkout")


def _run(sched: Scheduler, clock: VirtualClock, minutes: int) -> list:
    out = []
    for _ in range(minutes):
        clock.advance(60)
        out += sched.cycle()
    return out


@pytest.fixture
def history(store: Store) -> Store:
    insert_minutes(store, T0 - timedelta(days=3), 3 * 1440, _traffic)
    return store


def test_an_error_burst_fires_on_the_error_ratio_and_resolves(history: Store) -> None:
    store = history
    det = MetricDetector(store)
    clock = VirtualClock(T0.timestamp())
    sink = Collect()
    sched = Scheduler(store, clock, [det], [sink])
    assert sched.cycle() == []  # fit on three days, nothing new to score yet
    # ten minutes where half the checkouts fail, then back to normal
    insert_minutes(store, T0, 40, lambda i: Minute(_traffic(i).total, errors=_traffic(i).total // 2 if i < 10 else 0,
                                                   fast_ms=42, service="checkout"))  # fmt: skip
    signals = _run(sched, clock, 40)
    firing = [s for s in signals if s.state == "firing"]
    assert firing, "the burst went unnoticed"
    first = firing[0]
    assert first.kind == "metric_anomaly" and first.service == "checkout"
    assert first.series.endswith(":error_ratio")
    assert first.at <= T0 + timedelta(minutes=5)  # three anomalous minutes of five
    assert first.evidence["model"] in ("seasonal", "flat", "sparse", "iforest")
    assert "SELECT" in first.query
    assert {s.series for s in firing} <= {f"checkout/POST /api/checkout:{m}" for m in ("error_ratio", "rate")}
    resolved = [s for s in signals if s.state == "resolved" and s.series == first.series]
    assert resolved and resolved[0].at > T0 + timedelta(minutes=10)


def test_quiet_traffic_raises_nothing(history: Store) -> None:
    store = history
    insert_minutes(store, T0, 60, lambda i: _traffic(3 * 1440 + i))
    clock = VirtualClock(T0.timestamp())
    sched = Scheduler(store, clock, [MetricDetector(store)], [Collect()])
    sched.cycle()
    assert [s for s in _run(sched, clock, 60) if s.state == "firing"] == []


def test_a_suppression_window_silences_planned_work(history: Store) -> None:
    store = history
    det = MetricDetector(store)
    det.suppress("checkout/*", T0, T0 + timedelta(hours=1), reason="planned failover")
    insert_minutes(store, T0, 20, lambda i: Minute(_traffic(i).total, errors=_traffic(i).total, service="checkout"))
    clock = VirtualClock(T0.timestamp())
    sched = Scheduler(store, clock, [det], [Collect()])
    sched.cycle()
    assert _run(sched, clock, 20) == []


def test_short_history_falls_back_and_says_so(store: Store) -> None:
    insert_minutes(store, T0 - timedelta(hours=6), 6 * 60, _traffic)
    det = MetricDetector(store)
    clock = VirtualClock(T0.timestamp())
    sched = Scheduler(store, clock, [det], [Collect()])
    sched.cycle()
    insert_minutes(store, T0, 15, lambda i: Minute(20, errors=20, service="checkout"))
    firing = [s for s in _run(sched, clock, 15) if s.state == "firing"]
    assert firing
    assert firing[0].evidence["model"] == "rolling"
    assert "short history" in firing[0].evidence["model_reason"] and "short history" in firing[0].title


def test_minutes_not_yet_arrived_are_not_zero_traffic(history: Store) -> None:
    """A Collector that is late (or a replay behind real time) must not read as traffic dropping to zero."""
    store = history
    clock = VirtualClock(T0.timestamp())
    sched = Scheduler(store, clock, [MetricDetector(store)], [Collect()])
    sched.cycle()
    assert _run(sched, clock, 20) == []  # nothing arrived for 20 minutes: nothing scored, nothing fired
    insert_minutes(store, T0, 25, lambda i: _traffic(3 * 1440 + i))  # then it all arrives, normal
    assert [s for s in _run(sched, clock, 10) if s.state == "firing"] == []


def test_a_stored_suppression_window_silences_the_service_detector(history: Store, tmp_path) -> None:
    """`ollystack detect suppress` writes the window to the store; the detector honours it."""
    import subprocess
    import sys

    from ollystack.detect import suppressions

    store = history
    data = store.url.removeprefix("chdb://")
    store.close()
    env = {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data}", "OLLYSTACK_API_PORT": "1", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "ollystack.cli", "detect", "suppress", "checkout/*", "--from",
                          T0.isoformat(), "--for", "1h", "--reason", "failover drill", "--by", "alice"],
                         env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    now = subprocess.run([sys.executable, "-m", "ollystack.cli", "detect", "suppress", "search/*:p99_ms", "--for",
                          "30m", "--reason", "load test"], env=env, capture_output=True, text=True, timeout=120,
                         check=False)  # fmt: skip
    assert now.returncode == 0, now.stderr
    listed = subprocess.run([sys.executable, "-m", "ollystack.cli", "detect", "suppressions", "--json"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert "load test" in listed.stdout and "failover drill" not in listed.stdout  # that one is over
    reopened = Store(f"chdb://{data}")
    try:
        assert "checkout/*" in [w.pattern for w in suppressions.active(reopened, "default", T0)]
        insert_minutes(reopened, T0, 20, lambda i: Minute(_traffic(i).total, errors=_traffic(i).total,
                                                          service="checkout"))  # fmt: skip
        clock = VirtualClock(T0.timestamp())
        sched = Scheduler(reopened, clock, [MetricDetector(reopened)], [Collect()])
        sched.cycle()
        assert _run(sched, clock, 20) == []
    finally:
        reopened.close()

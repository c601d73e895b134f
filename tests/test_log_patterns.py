"""Log patterns on real parts, in virtual time: the indexer mines stored logs into templates and
per-minute counts that survive a restart, and the detector raises what an SRE would want to hear
about (a new error pattern, a pattern spiking or vanishing, an error surge), and nothing on
ordinary traffic with its daily rhythm.

Two days of a shop's logs are written and indexed once per module and the data directory is
copied for each test (chDB: one open directory per process), so every test starts from the same
history in a store of its own.
"""

from __future__ import annotations

import math
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from ollystack.detect import LogIndexer, LogPatternDetector, MetricDetector, Scheduler, logstore, suppressions
from ollystack.incidents import IncidentManager
from ollystack.signals import Collect, Signal, StoreSignals
from ollystack.simulate.clock import VirtualClock
from ollystack.store import Store
from tests.support.logs import Line, insert_lines
from tests.support.spans import Minute, insert_minutes

T0 = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)  # where history ends and each test's story begins
DAYS = 2
ACME_DAYS = 1.5

# (lines a minute on average, severity, line maker): a checkout service's everyday logs
CHECKOUT: list[tuple[float, str, Callable[[np.random.Generator], str]]] = [
    (20, "INFO", lambda r: f"GET /api/cart/{r.integers(1, 9999)} served in {r.integers(3, 90)} ms"),
    (6, "INFO", lambda r: f"user {uuid.UUID(int=int(r.integers(0, 2**62)))} added item sku-{r.integers(99, 999)}"),
    (4, "INFO", lambda r: f"payment authorized for order {r.integers(10000, 99999)} amount {r.integers(1, 500)} EUR"),
    (2, "WARN", lambda r: f"slow query on table carts took {r.integers(200, 900)}ms"),
    (0.2, "ERROR", lambda r: f"payment declined for order {r.integers(10000, 99999)}: card expired"),
]
ACME = [(3, "INFO", lambda r: f"indexed document {r.integers(1, 10**6)} in {r.integers(1, 50)} ms")]
NEW_ERROR = "payment provider timeout after {ms} ms calling https://psp.example.com/v1/charges"


def _minute(rng: np.random.Generator, at: datetime, mix: list, scale: float = 1.0, service: str = "checkout",
            only: set[int] | None = None, boost: dict[int, float] | None = None) -> list[Line]:  # fmt: skip
    """One minute of `mix` with a daily rhythm (busiest at noon, a third of it at night)."""
    day = 1 + 0.5 * math.sin(2 * math.pi * ((at.hour * 60 + at.minute) / 1440 - 0.25))
    out = []
    for i, (rate, sev, make) in enumerate(mix):
        if only is not None and i not in only:
            continue
        n = rng.poisson(rate * day * scale * (boost or {}).get(i, 1.0))
        out += [Line(at + timedelta(seconds=float(rng.uniform(0, 59.9))), make(rng), sev, service) for _ in range(n)]
    return out


def _traffic(rng: np.random.Generator, start: datetime, minutes: int, **kw: object) -> list[Line]:
    return [ln for i in range(minutes) for ln in _minute(rng, start + timedelta(minutes=i), CHECKOUT, **kw)]  # type: ignore[arg-type]


def _new_errors(start: datetime, minutes: int, per_minute: int = 2) -> list[Line]:
    return [Line(start + timedelta(minutes=i, seconds=10 + 20 * k), NEW_ERROR.format(ms=30000 + 7 * i + k), "ERROR")
            for i in range(minutes) for k in range(per_minute)]  # fmt: skip


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days of checkout logs and spans, a day and a half of tenant acme's logs, indexed."""
    data = tmp_path_factory.mktemp("log-history") / "data"
    rng = np.random.default_rng(20261110)
    store = Store(f"chdb://{data}")
    try:
        store.migrate()
        insert_lines(store, _traffic(rng, T0 - timedelta(days=DAYS), DAYS * 1440))
        acme_start = T0 - timedelta(days=ACME_DAYS)
        insert_lines(store, [ln for i in range(int(ACME_DAYS * 1440))
                             for ln in _minute(rng, acme_start + timedelta(minutes=i), ACME, service="search")],
                     tenant="acme")  # fmt: skip
        insert_minutes(
            store, T0 - timedelta(days=DAYS), DAYS * 1440, lambda i: Minute(20, errors=1 if i % 97 == 0 else 0)
        )
        indexer = LogIndexer(store)
        for tenant in ("default", "acme"):
            indexer.catch_up(tenant, T0)
    finally:
        store.close()
    return data


@pytest.fixture
def store(history_dir: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "data"
    shutil.copytree(history_dir, copy, symlinks=True)  # relative links inside the engine's layout
    s = Store(f"chdb://{copy}")
    try:
        yield s
    finally:
        s.close()


class Shop:
    """The service's detector steps on a virtual clock: index, metric detector, log detector."""

    def __init__(self, store: Store, metrics: bool = False, sinks: list | None = None, **kw: object) -> None:
        self.store = store
        self.clock = VirtualClock(T0.timestamp())
        self.logs = LogPatternDetector(store, **kw)  # type: ignore[arg-type]
        steps = [LogIndexer(store), *([MetricDetector(store)] if metrics else []), self.logs]
        self.sink = Collect()
        self.scheduler = Scheduler(store, self.clock, steps, [StoreSignals(store), self.sink, *(sinks or [])])
        assert self.scheduler.cycle() == []  # learns the history; nothing new to judge yet

    def run(self, minutes: int, step: int = 5) -> list[Signal]:
        """Cycles every `step` minutes (the service's are a minute apart; fewer keep the test quick)."""
        out = []
        for _ in range(0, minutes, step):
            self.clock.advance(60 * step)
            out += self.scheduler.cycle()
        return out


def _logs(signals: list[Signal], kind: str | None = None, state: str = "firing") -> list[Signal]:
    return [s for s in signals if s.kind.startswith("log_") and (kind is None or s.kind == kind) and s.state == state]


def test_steady_traffic_with_its_daily_rhythm_raises_nothing(store: Store) -> None:
    insert_lines(store, _traffic(np.random.default_rng(1), T0, 120))
    shop = Shop(store)
    assert shop.run(120) == []


def test_a_new_error_pattern_fires_once_with_what_it_says_then_resolves(store: Store) -> None:
    rng = np.random.default_rng(2)
    insert_lines(store, _traffic(rng, T0, 40) + _new_errors(T0 + timedelta(minutes=5), 10))
    shop = Shop(store)
    signals = shop.run(40)
    (new,) = _logs(signals)  # one signal, not one per minute the pattern shows
    assert new.kind == "log_new_pattern" and new.service == "checkout" and new.tenant == "default"
    assert new.severity == "high" and new.start == T0 + timedelta(minutes=5)
    assert new.at <= T0 + timedelta(minutes=9)  # its first minute, once indexed
    assert new.evidence["template"].startswith("payment provider timeout after <*>")
    assert new.evidence["errors"] == new.evidence["count"] >= 2
    assert new.evidence["sample"].startswith("payment provider timeout after 3")
    assert "payment provider timeout" in new.title and "error" in new.title
    rows = store.scope("default").rows(new.query)
    assert rows and all("payment provider timeout" in r["Body"] for r in rows)  # the query shows its lines
    (quiet,) = _logs(signals, state="resolved")
    assert quiet.kind == "log_new_pattern" and quiet.at >= T0 + timedelta(minutes=25)


def test_a_brand_new_service_does_not_announce_its_patterns(store: Store) -> None:
    rng = np.random.default_rng(3)
    fresh = [ln for i in range(30) for ln in _minute(rng, T0 + timedelta(minutes=i), ACME, service="recommendations")]
    fresh += [
        Line(T0 + timedelta(minutes=i), f"model reload failed: {i}", "ERROR", "recommendations") for i in range(30)
    ]
    insert_lines(store, _traffic(rng, T0, 30) + fresh)
    assert _logs(Shop(store).run(30)) == []


def test_a_pattern_spiking_twentyfold_fires_and_resolves(store: Store) -> None:
    rng = np.random.default_rng(4)
    lines = _traffic(rng, T0, 10) + _traffic(rng, T0 + timedelta(minutes=10), 10, boost={3: 20.0})
    insert_lines(store, lines + _traffic(rng, T0 + timedelta(minutes=20), 30))
    signals = Shop(store).run(50)
    (spike,) = _logs(signals)
    assert spike.kind == "log_pattern_anomaly" and spike.service == "checkout"
    assert spike.evidence["direction"] == "spike" and spike.evidence["template"].startswith("slow query on table carts")
    assert spike.evidence["value"] >= 10 * spike.evidence["usual"]
    assert T0 + timedelta(minutes=12) <= spike.at <= T0 + timedelta(minutes=17)
    assert "spiked to" in spike.title and spike.series.startswith("checkout/logs/")
    (back,) = _logs(signals, state="resolved")
    assert back.series == spike.series and back.at >= T0 + timedelta(minutes=30)


def test_a_busy_pattern_that_disappears_fires(store: Store) -> None:
    rng = np.random.default_rng(5)
    insert_lines(store, _traffic(rng, T0, 10) + _traffic(rng, T0 + timedelta(minutes=10), 25, only={1, 2, 3, 4}))
    signals = Shop(store).run(35)
    gone = [s for s in _logs(signals) if s.evidence.get("direction") == "drop"]
    assert len(gone) == 1 and gone[0].evidence["template"].startswith("GET <*> served in")
    assert gone[0].evidence["value"] == 0 and "dropped to 0/min" in gone[0].title
    assert gone[0].at <= T0 + timedelta(minutes=30)
    assert _logs(signals, "log_new_pattern") == []


def test_an_error_surge_fires_with_the_patterns_that_carry_it(store: Store) -> None:
    rng = np.random.default_rng(6)
    insert_lines(store, _traffic(rng, T0, 10) + _traffic(rng, T0 + timedelta(minutes=10), 10, boost={4: 100.0}))
    signals = Shop(store).run(20)
    (surge,) = _logs(signals, "log_error_surge")
    assert surge.service == "checkout" and surge.series == "checkout/logs:errors"
    assert surge.evidence["value"] >= 5 > surge.evidence["usual"] and "error logs surged" in surge.title
    assert surge.evidence["error_patterns"][0]["sample"].startswith("payment declined for order")
    assert "SeverityNumber >= 17" in surge.query


def test_metric_anomalies_of_the_same_service_are_cited_and_share_the_incident(store: Store) -> None:
    rng = np.random.default_rng(7)
    insert_lines(store, _traffic(rng, T0, 30) + _new_errors(T0, 15, per_minute=3))
    insert_minutes(store, T0, 30, lambda i: Minute(20, errors=10 if i < 15 else 0))  # half the checkouts fail
    clock_incidents: list[IncidentManager] = []
    shop = Shop(store, metrics=True)
    incidents = IncidentManager(store, shop.clock)
    clock_incidents.append(incidents)
    shop.scheduler.sinks.append(incidents)
    signals = shop.run(30)
    metric = [s for s in signals if s.kind == "metric_anomaly" and s.state == "firing"]
    assert metric, "the failing checkouts went unnoticed"
    new = _logs(signals, "log_new_pattern")
    cited = {a["series"] for s in new for a in s.evidence["metric_anomalies"]}
    assert {s.series for s in metric} <= cited  # later updates cite anomalies that fired after the pattern
    assert all(s.dedup_key == new[0].dedup_key for s in new)
    from ollystack import incidents as inc

    (one,) = inc.list_incidents(store, "default")
    kinds = {m.kind for m in one.members}
    assert {"metric_anomaly", "log_new_pattern"} <= kinds


def test_a_stored_suppression_window_silences_log_signals(store: Store) -> None:
    suppressions.add(store, "default", "checkout/logs*", T0, T0 + timedelta(hours=1), "payment provider drill")
    rng = np.random.default_rng(8)
    insert_lines(store, _traffic(rng, T0, 20, boost={4: 100.0}) + _new_errors(T0, 20))
    assert _logs(Shop(store).run(20)) == []


def test_tenants_are_judged_on_their_own_logs(store: Store) -> None:
    rng = np.random.default_rng(9)
    insert_lines(store, _traffic(rng, T0, 20))
    acme = [ln for i in range(20) for ln in _minute(rng, T0 + timedelta(minutes=i), ACME, service="search")]
    acme += [Line(T0 + timedelta(minutes=i, seconds=5), f"shard {i % 3} unavailable: replica lag {i}s", "ERROR",
                  "search") for i in range(3, 20)]  # fmt: skip
    insert_lines(store, acme, tenant="acme")
    signals = Shop(store).run(20)
    (new,) = _logs(signals)
    assert (new.tenant, new.service, new.kind) == ("acme", "search", "log_new_pattern")
    assert new.evidence["template"].startswith("shard <*> unavailable")
    assert not logstore.templates(store, "default", "ServiceName = 'search'")
    assert all(k[0] == "search" for k in logstore.templates(store, "acme"))

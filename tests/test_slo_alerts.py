"""Multi-window multi-burn-rate alerts in virtual time: when they fire, when they don't, when they clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ollystack.signals import Collect, StoreSignals
from ollystack.simulate.clock import VirtualClock
from ollystack.slo import Registry, parse_text
from ollystack.slo.evaluator import Evaluator, evaluate
from ollystack.store import Store
from tests.support.spans import Minute, insert_minutes

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
SLO_999 = """
name: checkout-availability
service: checkout
target: 99.9
window: 30d
sli: {type: error_rate}
"""


def _setup(store: Store, text: str = SLO_999) -> tuple[Evaluator, VirtualClock, Collect]:
    for slo in parse_text(text):
        Registry(store).save(slo, "test")
    clock = VirtualClock(T0.timestamp())
    sink = Collect()
    return Evaluator(store, clock, [sink, StoreSignals(store)]), clock, sink


def _run(ev: Evaluator, clock: VirtualClock, until: datetime, step: timedelta) -> list[tuple[datetime, dict[str, str]]]:
    """Cycle every `step` until `until`; record each cycle's alert states by rule."""
    seen = []
    while clock.now() <= until.timestamp():
        (st,) = ev.cycle()
        seen.append((st.at, {a.rule.key: a.state for a in st.alerts}))
        clock.advance(step.total_seconds())
    return seen


def _first(seen: list[tuple[datetime, dict[str, str]]], key: str, state: str) -> datetime | None:
    return next((at for at, states in seen if states.get(key) == state), None)


PAGE_FAST = "page:1h/5m"
PAGE_SLOW = "page:6h/30m"
TICKET_1D = "ticket:1d/2h"
TICKET_3D = "ticket:3d/6h"


def test_total_outage_pages_within_about_a_minute(store: Store) -> None:
    """At 100% errors a 99.9% SLO burns 1000x; the 1h/5m page needs 2% of the budget: 0.86 minutes."""
    insert_minutes(store, T0 - timedelta(hours=2), 120, lambda i: Minute(100))
    insert_minutes(store, T0, 10, lambda i: Minute(100, errors=100))
    ev, clock, sink = _setup(store)
    seen = _run(ev, clock, T0 + timedelta(minutes=3), timedelta(seconds=10))
    fired = _first(seen, PAGE_FAST, "firing")
    assert fired is not None
    assert timedelta(seconds=40) <= fired - T0 <= timedelta(seconds=70)
    pages = [s for s in sink.signals if s.state == "firing" and s.evidence["long_window"] == "1h"]
    assert len(pages) == 1, "one signal per transition, not one per cycle"
    page = pages[0]
    assert (page.kind, page.severity, page.service, page.series) == ("slo_burn_rate", "critical", "checkout",
                                                                      "checkout-availability")  # fmt: skip
    assert page.evidence["long_burn_rate"] >= 14.4 and page.evidence["short_burn_rate"] >= 14.4
    stored = StoreSignals(store).recent("default", T0)
    assert any(s.dedup_key == page.dedup_key and s.state == "firing" for s in stored)


def test_steady_double_burn_raises_a_ticket_and_never_a_page(store: Store) -> None:
    """0.2% errors is 2x burn: the 3d/6h ticket (1x) fires; pages (14.4x, 6x) and the 1d ticket (3x) do not."""
    insert_minutes(store, T0 - timedelta(hours=12), 12 * 60 + 240, lambda i: Minute(100, errors=1 if i % 5 == 0 else 0))
    ev, clock, sink = _setup(store)
    seen = _run(ev, clock, T0 + timedelta(hours=4), timedelta(minutes=5))
    states = {key for _, s in seen for key, state in s.items() if state == "firing"}
    assert TICKET_3D in states
    assert PAGE_FAST not in states and PAGE_SLOW not in states and TICKET_1D not in states
    assert {s.severity for s in sink.signals} == {"warning"}


def test_a_one_minute_blip_raises_nothing(store: Store) -> None:
    """Half the requests fail for one minute: the 5m window burns 100x but the 1h window only 8x.

    (A whole minute of 100% errors is not a blip for a 99.9% SLO: it spends 2.3% of the 30-day
    budget, more than the 2% the Workbook's fast page is there to catch.)
    """
    insert_minutes(store, T0 - timedelta(hours=26), 26 * 60, lambda i: Minute(100))
    insert_minutes(store, T0, 30, lambda i: Minute(100, errors=50 if i == 0 else 0, spread=True))
    ev, clock, sink = _setup(store)
    seen = _run(ev, clock, T0 + timedelta(minutes=30), timedelta(seconds=10))
    assert not any(state == "firing" for _, s in seen for state in s.values())
    assert sink.signals == []
    blip = evaluate(store, ev.registry.get("default", "checkout-availability").slo, T0 + timedelta(minutes=1))
    assert blip.burn_rates["5m"] > 14.4 > blip.burn_rates["1h"]  # the short window alone never pages


def test_half_a_minute_of_total_outage_raises_nothing(store: Store) -> None:
    """Shorter than the fast page's detection time (0.86 min at 1000x): no alert."""
    insert_minutes(store, T0 - timedelta(hours=26), 26 * 60, lambda i: Minute(100))
    insert_minutes(store, T0, 30, lambda i: Minute(100, errors=50 if i == 0 else 0))  # the minute's first 30 s
    ev, clock, sink = _setup(store)
    seen = _run(ev, clock, T0 + timedelta(minutes=20), timedelta(seconds=10))
    assert not any(state == "firing" for _, s in seen for state in s.values())
    assert sink.signals == []


def test_page_clears_when_the_short_window_recovers(store: Store) -> None:
    insert_minutes(store, T0 - timedelta(hours=2), 120, lambda i: Minute(100))
    insert_minutes(store, T0, 40, lambda i: Minute(100, errors=100 if i < 10 else 0))
    ev, clock, sink = _setup(store)
    seen = _run(ev, clock, T0 + timedelta(minutes=30), timedelta(seconds=30))
    fired = _first(seen, PAGE_FAST, "firing")
    assert fired is not None
    cleared = next(at for at, s in seen if at > fired and s[PAGE_FAST] == "ok")
    # the outage ended at +10m; the 5m window drops under 14.4x once errors are < 1.44% of it
    assert timedelta(minutes=14) <= cleared - T0 <= timedelta(minutes=16)
    st = evaluate(store, ev.registry.get("default", "checkout-availability").slo, cleared)
    assert st.burn_rates["1h"] > 14.4, "the long window still burns: clearing follows the short window"
    resolved = [s for s in sink.signals if s.state == "resolved" and s.evidence["long_window"] == "1h"]
    assert len(resolved) == 1 and resolved[0].at == cleared
    # no flapping: once cleared it stays clear while the long window is still hot
    after = [s[PAGE_FAST] for at, s in seen if at > cleared]
    assert after and set(after) == {"ok"}


def test_no_data_is_its_own_state(store: Store) -> None:
    """Traffic stops: the alerts go to no_data (not ok, not firing) and a firing page resolves."""
    insert_minutes(store, T0 - timedelta(minutes=70), 70, lambda i: Minute(100, errors=100 if i >= 60 else 0))
    ev, clock, sink = _setup(store)
    seen = _run(ev, clock, T0 + timedelta(hours=1, minutes=10), timedelta(minutes=10))
    assert seen[0][1][PAGE_FAST] == "firing"
    assert seen[-1][1][PAGE_FAST] == "no_data"
    assert any(s.state == "resolved" for s in sink.signals)
    st = evaluate(store, ev.registry.get("default", "checkout-availability").slo, T0 + timedelta(hours=1, minutes=10))
    assert "1h" not in {a["long_window"] for a in st.to_json()["alerts"]}  # tickets' longer windows still see it


def test_status_at_reads_recorded_alert_history(store: Store) -> None:
    """`slo status --at` is stateless; the recorded alert events tell since when a page fires."""
    insert_minutes(store, T0 - timedelta(hours=2), 120, lambda i: Minute(100))
    insert_minutes(store, T0, 40, lambda i: Minute(100, errors=100 if i < 10 else 0))
    ev, clock, _ = _setup(store)
    seen = _run(ev, clock, T0 + timedelta(minutes=12), timedelta(minutes=1))
    fired = _first(seen, PAGE_FAST, "firing")
    slo = ev.registry.get("default", "checkout-availability").slo
    out = evaluate(store, slo, T0 + timedelta(minutes=12)).to_json()
    page = next(
        a for a in out["alerts"] if (a["severity"], a["long_window"], a["short_window"]) == ("page", "1h", "5m")
    )
    assert fired is not None and page["since"] == fired.isoformat()
    assert out["status"] == "BREACHED"  # two hours of history cannot absorb 1,000 failed requests
    before = evaluate(store, slo, T0 - timedelta(minutes=1)).to_json()
    assert before["alerts"] == [] and before["status"] == "OK"

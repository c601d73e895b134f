"""Signals become incidents, in virtual time on the real engine (chDB): dedup, grouping by service
relations (declared, or derived from real spans), severity, auto-resolve with hysteresis, reopen,
flapping, persistence, a failing notifier, the CLI on a closed store, the API, and tenants.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ollystack import incidents
from ollystack.incidents import Incident, IncidentManager, StaticRelations, UnknownIncident
from ollystack.signals import Signal, StoreSignals
from ollystack.simulate.clock import VirtualClock
from ollystack.slo import Registry, parse_text
from ollystack.slo.evaluator import Evaluator
from ollystack.store import Store
from ollystack.tenancy import ApiKeys
from ollystack.topology import TopologyRelations
from ollystack.web.api import create_api
from tests.support.spans import Minute, insert_minutes

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
SHOP = StaticRelations([("frontend", "checkout"), ("checkout", "payments")])


class Recorder:
    """A Notifier that keeps what it is told, as a chat channel would show it."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.posts: list[tuple[str, str]] = []
        self.updates: list[tuple[str, str]] = []

    def open_channel(self, incident: Incident) -> str:
        self.opened.append(str(incident.id))
        return f"#inc-{str(incident.id)[:8]}"

    def post(self, incident: Incident, message: str) -> None:
        self.posts.append((str(incident.id), message))

    def update(self, incident: Incident) -> None:
        self.updates.append((str(incident.id), incident.status))


class Broken(Recorder):
    """Chat is down: every call fails (the first `failures` of them, or all)."""

    def __init__(self, failures: int = 1_000_000) -> None:
        super().__init__()
        self.failures = failures

    def _fail(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("chat API: 503 Service Unavailable")

    def open_channel(self, incident: Incident) -> str:
        self._fail()
        return super().open_channel(incident)

    def post(self, incident: Incident, message: str) -> None:
        self._fail()
        super().post(incident, message)

    def update(self, incident: Incident) -> None:
        self._fail()
        super().update(incident)


def _engine(store: Store, relations: Any = SHOP, notifier: Recorder | None = None,
            start: datetime = T0) -> tuple[IncidentManager, VirtualClock, Recorder]:  # fmt: skip
    clock = VirtualClock(start.timestamp())
    rec = notifier or Recorder()
    return IncidentManager(store, clock, rec, relations), clock, rec


def anomaly(service: str, minute: float, state: str = "firing", severity: str = "high", measure: str = "p95_ms",
            tenant: str = "default") -> Signal:  # fmt: skip
    """What the metric detector raises (one kind for every series; transitions only)."""
    at = T0 + timedelta(minutes=minute)
    series = f"{service}/POST /api/{service}:{measure}"
    what = "p99 latency is anomalous" if state == "firing" else "p99 latency is back to normal"
    return Signal(tenant=tenant, source="detector", kind="metric_anomaly", state=state, service=service,
                  series=series, title=f"{service} {what}", severity=severity, score=0.95 if state == "firing" else 0.1,
                  start=at, at=at, dedup_key=f"anomaly:{tenant}:{series}")  # fmt: skip


def slo_page(service: str, minute: float, state: str = "firing") -> Signal:
    at = T0 + timedelta(minutes=minute)
    return Signal(source="slo", kind="slo_burn_rate", state=state, service=service, series=f"{service}-availability",
                  title=f"SLO {service}-availability is burning its error budget", severity="critical", score=0.9,
                  start=at, at=at, dedup_key=f"slo:default:{service}-availability:page:1h/5m")  # fmt: skip


def feed(mgr: IncidentManager, clock: VirtualClock, *signals: Signal) -> None:
    """Each signal arrives when it happened; the engine ticks as the service would."""
    for s in signals:
        clock.set(max(clock.now(), s.at.timestamp()))
        mgr.emit(s)
        mgr.tick()


def tick_until(mgr: IncidentManager, clock: VirtualClock, minute: float, step: float = 1.0) -> None:
    while clock.now() + step * 60 <= (T0 + timedelta(minutes=minute)).timestamp():
        clock.advance(step * 60)
        mgr.tick()


def listed(store: Store, tenant: str = "default", **kw: Any) -> list[Incident]:
    return incidents.list_incidents(store, tenant, **kw)


# -- dedup and grouping ------------------------------------------------------------------------
def test_repeated_firing_signals_make_one_incident_whose_timeline_grows(store: Store) -> None:
    mgr, clock, rec = _engine(store)
    feed(mgr, clock, *[anomaly("checkout", m) for m in range(5)])
    (inc,) = listed(store)
    assert (inc.services, inc.status, inc.severity) == (["checkout"], "open", "high")
    full = incidents.get(store, "default", inc.id)
    assert [e.kind for e in full.timeline] == ["status"] + ["signal"] * 5
    assert [e.at for e in full.timeline if e.kind == "signal"] == [T0 + timedelta(minutes=m) for m in range(5)]
    assert full.dedup_keys == ["anomaly:default:checkout/POST /api/checkout:p95_ms"]
    assert rec.opened == [str(inc.id)] and len(rec.posts) == 1, "repeats do not notify again"
    assert full.channel == f"#inc-{str(inc.id)[:8]}"


def test_a_caller_and_its_callee_within_the_window_are_one_incident(store: Store) -> None:
    mgr, clock, rec = _engine(store)
    feed(mgr, clock, anomaly("checkout", 0), anomaly("payments", 2, measure="error_ratio"),
         anomaly("search", 3))  # fmt: skip
    by_service = {tuple(i.services): i for i in listed(store)}
    assert set(by_service) == {("checkout", "payments"), ("search",)}
    grouped = by_service[("checkout", "payments")]
    assert grouped.roles == {"checkout": "affected", "payments": "suspected cause"}
    assert len(rec.opened) == 2, "one channel per incident"
    # 13 minutes after the last signal, but checkout and payments still fire (no recovery yet):
    # frontend, which calls checkout, joins through the member it is related to
    feed(mgr, clock, anomaly("frontend", 15))
    grouped = incidents.get(store, "default", grouped.id)
    assert grouped.services == ["checkout", "payments", "frontend"]
    assert grouped.roles["payments"] == "suspected cause" and grouped.roles["frontend"] == "affected"


def test_a_related_signal_after_the_window_opens_its_own_incident(store: Store) -> None:
    mgr, clock, _ = _engine(store)
    feed(mgr, clock, anomaly("checkout", 0), anomaly("checkout", 1, state="resolved"), anomaly("payments", 12))
    assert sorted(tuple(i.services) for i in listed(store)) == [("checkout",), ("payments",)]


def _span_rows(tenant: str, start: datetime, pairs: list[tuple[str, str]], n: int = 3) -> list[list[object]]:
    """Traces in which a client span of `caller` has a server child span in `callee`."""
    rows: list[list[object]] = []
    for k, (caller, callee) in enumerate(pairs):
        for i in range(n):
            trace, ts = f"{tenant}{k:04d}{i:04d}".ljust(32, "0"), start + timedelta(seconds=10 * i)
            root, client, server = f"{k:02d}{i:02d}".ljust(16, "a"), f"{k:02d}{i:02d}".ljust(16, "b"), \
                f"{k:02d}{i:02d}".ljust(16, "c")  # fmt: skip
            rows += [
                [tenant, ts, trace, root, "", caller, f"POST /{caller}", "Server", 30_000_000, "Ok"],
                [tenant, ts, trace, client, root, caller, f"POST {callee}", "Client", 20_000_000, "Ok"],
                [tenant, ts, trace, server, client, callee, f"POST /{callee}", "Server", 10_000_000, "Ok"],
            ]
    return rows


def test_relations_come_from_real_spans_of_the_tenant(store: Store) -> None:
    cols = ["TenantId", "Timestamp", "TraceId", "SpanId", "ParentSpanId", "ServiceName", "SpanName", "SpanKind",
            "Duration", "StatusCode"]  # fmt: skip
    rows = _span_rows("default", T0 - timedelta(minutes=20), [("checkout", "payments")])
    rows += _span_rows("acme", T0 - timedelta(minutes=20), [("frontend", "search")])  # another tenant's calls
    rows += _span_rows("default", T0 - timedelta(hours=3), [("cart", "redis")])  # older than the last hour
    store.client.insert("otel_traces", rows, column_names=cols)
    mgr, clock, _ = _engine(store, relations=None)
    mgr.relations = TopologyRelations(store, clock)  # what the service passes: the service map's callers and callees
    feed(mgr, clock, anomaly("checkout", 0), anomaly("payments", 2), anomaly("frontend", 3), anomaly("search", 4),
         anomaly("cart", 5), anomaly("redis", 6))  # fmt: skip
    groups = sorted(tuple(i.services) for i in listed(store))
    assert groups == [("cart",), ("checkout", "payments"), ("frontend",), ("redis",), ("search",)]
    grouped = next(i for i in listed(store) if len(i.services) == 2)
    assert grouped.roles == {"checkout": "affected", "payments": "suspected cause"}


# -- severity --------------------------------------------------------------------------------------
def test_an_slo_page_makes_the_incident_critical(store: Store) -> None:
    mgr, clock, rec = _engine(store)
    feed(mgr, clock, anomaly("checkout", 0, severity="high"))
    feed(mgr, clock, slo_page("checkout", 3))
    (inc,) = listed(store)
    assert inc.severity == "critical"
    assert inc.title == "SLO checkout-availability is burning its error budget"
    assert any("severity high → critical" in text for _, text in rec.posts)
    assert rec.updates, "the channel's incident card is refreshed"
    # a critical anomaly later does not take the lead from the SLO page
    feed(mgr, clock, anomaly("payments", 4, severity="critical"))
    (inc,) = listed(store)
    assert (inc.severity, inc.title) == ("critical", "SLO checkout-availability is burning its error budget")
    # at the same level, an SLO page takes the lead from an anomaly that came first
    feed(mgr, clock, anomaly("search", 5, severity="critical"), slo_page("search", 6))
    search = listed(store, service="search")[0]
    assert (search.severity, search.title) == ("critical", "SLO search-availability is burning its error budget")


SLO_PAGE_ONLY = """
name: checkout-availability
service: checkout
target: 99.9
window: 30d
sli: {type: error_rate}
alerts:
  - {severity: page, long_window: 1h, short_window: 5m, burn_rate: 14.4}
"""


def test_a_real_slo_page_opens_a_critical_incident_that_resolves_after_recovery(store: Store) -> None:
    """10 minutes of total outage: the evaluator pages, the incident opens critical; the page clears
    at about +15 min and the incident resolves after 15 more quiet minutes."""
    insert_minutes(store, T0 - timedelta(hours=2), 120, lambda i: Minute(100))
    insert_minutes(store, T0, 45, lambda i: Minute(100, errors=100 if i < 10 else 0))
    for slo in parse_text(SLO_PAGE_ONLY):
        Registry(store).save(slo, "test")
    clock = VirtualClock(T0.timestamp())
    rec = Recorder()
    mgr = IncidentManager(store, clock, rec, SHOP)
    ev = Evaluator(store, clock, [StoreSignals(store), mgr])
    states: list[tuple[float, str | None]] = []
    while clock.now() <= (T0 + timedelta(minutes=40)).timestamp():
        ev.cycle()
        mgr.tick()
        found = listed(store)
        states.append(((clock.now() - T0.timestamp()) / 60, found[0].status if found else None))
        clock.advance(120)
    opened = next(m for m, st in states if st == "open")
    resolved = next(m for m, st in states if st == "resolved")
    assert 1 <= opened <= 2
    assert 29 <= resolved <= 32, states
    (inc,) = listed(store)
    assert (inc.severity, inc.services, inc.resolved_by) == ("critical", ["checkout"], "")
    texts = [e.text for e in incidents.get(store, "default", inc.id).timeline]
    assert texts[0].startswith("opened: SLO checkout-availability is burning its error budget")
    assert any(t.startswith("resolved: SLO checkout-availability burn rate recovered") for t in texts)
    assert texts[-1] == "resolved: every signal recovered and stayed quiet for 15m"


# -- resolve, reopen, flapping -----------------------------------------------------------------
def test_auto_resolve_waits_for_a_quiet_period_that_a_recurrence_restarts(store: Store) -> None:
    mgr, clock, rec = _engine(store)
    feed(mgr, clock, anomaly("checkout", 0), anomaly("checkout", 5, state="resolved"))
    tick_until(mgr, clock, 12)
    assert listed(store)[0].status == "open", "7 quiet minutes are not enough"
    feed(mgr, clock, anomaly("checkout", 12), anomaly("checkout", 14, state="resolved"))
    tick_until(mgr, clock, 28)
    assert listed(store)[0].status == "open", "the quiet period restarted at +14"
    tick_until(mgr, clock, 29)
    (inc,) = listed(store)
    assert (inc.status, inc.resolved_at) == ("resolved", T0 + timedelta(minutes=29))
    assert rec.posts[-1][1] == "resolved: every signal recovered and stayed quiet for 15m"
    assert rec.updates[-1] == (str(inc.id), "resolved")


def test_silence_is_still_firing_until_the_stale_limit_except_for_slo_alerts(store: Store) -> None:
    """Detectors and SLO alerts signal only transitions: a silent member still fires. After 6 silent
    hours a detector's anomaly counts as recovered (its resolve was lost, say in a restart); an
    SLO alert remembers its state across restarts, so it never goes stale."""
    mgr, clock, _ = _engine(store)
    feed(mgr, clock, anomaly("search", 0), slo_page("checkout", 0))
    tick_until(mgr, clock, 6 * 60 + 14, step=15)
    assert {i.services[0]: i.status for i in listed(store)} == {"search": "open", "checkout": "open"}
    tick_until(mgr, clock, 6 * 60 + 15)  # stale at +6h, then 15 quiet minutes
    assert {i.services[0]: i.status for i in listed(store)} == {"search": "resolved", "checkout": "open"}
    tick_until(mgr, clock, 24 * 60, step=60)
    assert {i.services[0]: i.status for i in listed(store)}["checkout"] == "open"


def _fire_and_recover(mgr: IncidentManager, clock: VirtualClock, minute: float) -> None:
    """One flap: checkout fires, recovers a minute later, and the incident resolves 15 quiet minutes on."""
    feed(mgr, clock, anomaly("checkout", minute), anomaly("checkout", minute + 1, state="resolved"))
    tick_until(mgr, clock, minute + 16)


def test_recurrence_within_the_hour_reopens_and_later_opens_a_new_incident(store: Store) -> None:
    mgr, clock, rec = _engine(store)
    _fire_and_recover(mgr, clock, 0)  # resolved at +16
    (first,) = listed(store)
    assert first.status == "resolved"
    feed(mgr, clock, anomaly("checkout", 50))  # 34 minutes after it resolved
    (inc,) = listed(store)
    assert (inc.id, inc.status, inc.reopen_count, inc.resolved_at) == (first.id, "open", 1, None)
    texts = [e.text for e in incidents.get(store, "default", inc.id).timeline]
    assert "reopened (1×): checkout p99 latency is anomalous" in texts
    assert rec.posts[-1] == (str(inc.id), "reopened (1×): checkout p99 latency is anomalous")
    # a person resolves it by hand; a recurrence reopens it all the same
    incidents.resolve(store, "default", str(inc.id)[:8], "alice", "rolled back", at=T0 + timedelta(minutes=52))
    feed(mgr, clock, anomaly("checkout", 70))
    (inc,) = listed(store)
    assert (inc.id, inc.status, inc.reopen_count) == (first.id, "open", 2)
    incidents.resolve(store, "default", inc.id, "alice", at=T0 + timedelta(minutes=72))
    feed(mgr, clock, anomaly("checkout", 72 + 61))  # more than an hour after: a new incident
    newest, old = listed(store)
    assert newest.id != first.id and (newest.status, old.status) == ("open", "resolved")
    assert rec.opened == [str(first.id), str(newest.id)]


def test_flapping_incident_is_marked_goes_quiet_and_needs_a_longer_quiet_period(store: Store) -> None:
    mgr, clock, rec = _engine(store)
    for flap in range(4):  # open, then three reopens within 2 h
        _fire_and_recover(mgr, clock, 20 * flap) if flap < 3 else feed(mgr, clock, anomaly("checkout", 60))
    (inc,) = listed(store)
    assert (inc.flapping, inc.reopen_count, inc.status) == (True, 3, "open")
    assert rec.posts[-1][1].startswith("flapping: reopened 3 times within 2h")
    notified = (len(rec.posts), len(rec.updates))
    feed(mgr, clock, anomaly("checkout", 61, state="resolved"))
    tick_until(mgr, clock, 100)
    assert listed(store)[0].status == "open", "a flapping incident needs an hour of quiet, not 15 minutes"
    tick_until(mgr, clock, 121)
    assert listed(store)[0].status == "resolved"
    feed(mgr, clock, anomaly("checkout", 130))  # the fifth flap
    (inc,) = listed(store)
    assert (inc.status, inc.reopen_count, inc.flapping) == ("open", 4, True)
    assert (len(rec.posts), len(rec.updates)) == notified, "no reopen/resolve notices while it flaps"
    assert [e.text for e in incidents.get(store, "default", inc.id).timeline].count("opened: checkout p99 latency "
                                                                                     "is anomalous") == 1  # fmt: skip


def test_people_acknowledge_mitigate_and_comment(store: Store) -> None:
    mgr, clock, rec = _engine(store)
    feed(mgr, clock, anomaly("payments", 0))
    (inc,) = listed(store)
    acked = mgr.acknowledge("default", str(inc.id), "alice", "looking at the payment provider")
    assert (acked.status, acked.acknowledged_by, acked.acknowledged_at) == ("acknowledged", "alice", T0)
    mgr.add_message("default", inc.id, "bob", "provider status page shows an outage")
    mitigated = mgr.mitigate("default", inc.id, "bob", "failed over to the backup provider")
    assert (mitigated.status, mitigated.acknowledged_by) == ("mitigated", "alice")
    assert [e.text for e in mitigated.timeline][-3:] == [
        "acknowledged by alice: looking at the payment provider", "provider status page shows an outage",
        "mitigated by bob: failed over to the backup provider"]  # fmt: skip
    assert mitigated.timeline[-2].data == {"by": "bob"}
    assert [u[1] for u in rec.updates][-2:] == ["acknowledged", "mitigated"]
    mgr.resolve("default", inc.id, "bob", "provider recovered")
    assert rec.posts[-1][1] == "resolved by bob: provider recovered"
    with pytest.raises(incidents.InvalidTransition):
        incidents.acknowledge(store, "default", inc.id, "carol")
    assert listed(store, status="resolved")[0].resolved_by == "bob"


def test_a_persons_action_wins_even_when_the_engine_runs_ahead_of_wall_time(store: Store) -> None:
    """The engine may run in virtual time ahead of the clock a person's CLI or chat action carries
    (a backfill, an eval); the action is the newer change and must stick."""
    mgr, clock, _ = _engine(store)
    feed(mgr, clock, anomaly("checkout", 0), anomaly("checkout", 30))
    (inc,) = listed(store)
    incidents.acknowledge(store, "default", inc.id, "alice", at=T0 - timedelta(days=1))
    assert listed(store)[0].status == "acknowledged"
    feed(mgr, clock, anomaly("checkout", 31))
    (inc,) = listed(store)
    assert (inc.status, inc.acknowledged_by, len(inc.members)) == ("acknowledged", "alice", 1)


# -- robustness -------------------------------------------------------------------------------------
def test_a_new_manager_on_the_same_store_continues_the_incidents(store: Store) -> None:
    first, clock, _ = _engine(store)
    feed(first, clock, anomaly("checkout", 0), slo_page("checkout", 1))
    later, clock2, rec2 = _engine(store, start=T0 + timedelta(minutes=3))  # the service restarted
    feed(later, clock2, anomaly("checkout", 4), slo_page("checkout", 5, state="resolved"),
         anomaly("checkout", 6, state="resolved"))  # fmt: skip
    (inc,) = listed(store)
    assert (inc.severity, len(inc.members), rec2.opened) == ("critical", 2, [])
    tick_until(later, clock2, 20)
    assert listed(store)[0].status == "open"
    tick_until(later, clock2, 21)
    assert listed(store)[0].status == "resolved"


def test_a_notifier_that_raises_loses_nothing(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    mgr, clock, _ = _engine(store, notifier=Broken())
    feed(mgr, clock, anomaly("checkout", 0), anomaly("checkout", 1), slo_page("checkout", 2))
    (inc,) = listed(store)
    assert (inc.severity, inc.channel, len(inc.members)) == ("critical", "", 2)
    assert "notifier open_channel failed" in caplog.text
    # chat is back: the next change opens the channel it could not open before
    flaky, clock2, _ = _engine(store, notifier=Broken(failures=0), start=T0 + timedelta(minutes=3))
    feed(flaky, clock2, anomaly("checkout", 3, severity="critical"), anomaly("payments", 4, severity="critical"))
    feed(flaky, clock2, slo_page("checkout", 5, state="resolved"))
    flaky.resolve("default", inc.id, "alice")
    assert listed(store)[0].channel == f"#inc-{str(inc.id)[:8]}"


# -- faces and tenants ------------------------------------------------------------------------------
def _cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    env |= {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data}", "OLLYSTACK_API_PORT": "1"}  # no service: store only
    return subprocess.run([sys.executable, "-m", "ollystack.cli", "incidents", *args], env=env, cwd=data.parent,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_cli_lists_shows_and_acknowledges_on_a_closed_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(f"chdb://{data}")
    try:
        store.migrate()
        mgr, clock, _ = _engine(store)
        feed(mgr, clock, anomaly("checkout", 0), anomaly("payments", 2), anomaly("search", 3))
        feed(mgr, clock, anomaly("search", 4, tenant="acme"))
        resolved = incidents.resolve(store, "default", listed(store, service="search")[0].id, "alice")
        grouped = listed(store, service="payments")[0]
    finally:
        store.close()  # chDB: one process per data directory, and the CLI opens it next
    out = _cli(["list", "--json"], data)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["id"], r["services"], r["status"]) for r in rows] == [
        (str(resolved.id), ["search"], "resolved"),  # newest first
        (str(grouped.id), ["checkout", "payments"], "open"),
    ]
    assert rows[1]["roles"]["payments"] == "suspected cause" and "timeline" not in rows[1]
    ack = _cli(["ack", str(grouped.id)[:8], "--by", "alice", "--note", "on it"], data)
    assert ack.returncode == 0, ack.stderr
    shown = _cli(["show", str(grouped.id)[:8]], data)
    assert shown.returncode == 0, shown.stderr
    for text in ("status acknowledged", "payments (suspected cause)", "acknowledged by alice: on it",
                 "firing: payments p99 latency is anomalous"):  # fmt: skip
        assert text in shown.stdout, shown.stdout


def test_tenants_see_and_act_on_their_own_incidents_only(store: Store) -> None:
    mgr, clock, _ = _engine(store)
    feed(mgr, clock, anomaly("checkout", 0), anomaly("checkout", 0, tenant="acme"))
    (ours,), (theirs,) = listed(store), listed(store, "acme")
    assert ours.id != theirs.id and (ours.tenant, theirs.tenant) == ("default", "acme")
    with pytest.raises(UnknownIncident):
        incidents.get(store, "default", theirs.id)
    with pytest.raises(UnknownIncident):
        incidents.acknowledge(store, "default", theirs.id, "mallory")
    feed(mgr, clock, anomaly("checkout", 1, state="resolved"))  # default's recovery is not acme's
    tick_until(mgr, clock, 17)
    assert (listed(store)[0].status, listed(store, "acme")[0].status) == ("resolved", "open")

    with warnings.catch_warnings():  # starlette's note about its httpx-based client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    keys = ApiKeys({"key-default": "default", "key-acme": "acme"})
    api = TestClient(create_api(store, keys, metrics_text=lambda: b"", ready=lambda: (True, "ok")))
    acme = {"x-ollystack-api-key": "key-acme"}
    assert [r["id"] for r in api.get("/api/v1/incidents", headers=acme).json()["incidents"]] == [str(theirs.id)]
    assert api.get(f"/api/v1/incidents/{theirs.id}", headers={"x-ollystack-api-key": "key-default"}).status_code == 404
    assert api.get("/api/v1/incidents", headers={"x-ollystack-api-key": "nope"}).status_code == 401
    acked = api.post(f"/api/v1/incidents/{theirs.id}/ack", json={"by": "ops", "note": "paging the owner"},
                     headers=acme)  # fmt: skip
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["timeline"][-1]["text"] == "acknowledged by ops: paging the owner"
    done = api.post(f"/api/v1/incidents/{str(theirs.id)[:8]}/resolve", params={"by": "ops"}, headers=acme)
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    again = api.post(f"/api/v1/incidents/{theirs.id}/resolve", json={"by": "ops"}, headers=acme)
    assert again.status_code == 409
    assert api.get("/api/v1/incidents", params={"status": "sleeping"}, headers=acme).status_code == 400

"""The service map on the simulated shop's real spans (real chDB store): its edges are the shop's
topology, RED numbers are the spans' own, stored and live maps agree and late spans are counted
once; blast radius, deployments and the faces (CLI, API, PNG) on a known topology."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ollystack.simulate.faults import Fault, FaultKind
from ollystack.simulate.topology import Shop, build_shop
from ollystack.slo import Registry, define, load_file
from ollystack.store import Store
from ollystack.tenancy import ApiKeys
from ollystack.tools import topology as tools
from ollystack.topology import TopologyUpdater, blast_radius, build_map, compare_deploy
from ollystack.topology.deploys import SpanVersions
from ollystack.web.api import create_api
from tests.support.simspans import insert_spans, simulate

T0 = 1_792_999_980.0  # Monday 07:33 UTC: before the shop's routine releases (09:00-17:00)
START = datetime.fromtimestamp(T0, UTC)
END = START + timedelta(minutes=40)
DEPLOY = START + timedelta(minutes=20)  # a bad deploy of payments
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class ShopData:
    data: Path
    shop: Shop
    spans: list[Any]

    def served(self, service: str) -> list[Any]:
        return [s for s in self.spans if s.resource.attributes["service.name"] == service and s.kind.name == "SERVER"]


@pytest.fixture(scope="module")
def shop_data(tmp_path_factory: pytest.TempPathFactory) -> ShopData:
    """40 minutes of the canonical shop, payments badly deployed halfway, in a closed store."""
    shop = build_shop(0)
    fault = Fault(FaultKind.BAD_DEPLOY, "payments", DEPLOY.timestamp(), END.timestamp(), magnitude=2.0)
    spans = simulate(shop, T0, END.timestamp(), rps=1.0, seed=1, faults=[fault])
    data = tmp_path_factory.mktemp("shop") / "data"
    store = Store(f"chdb://{data}")
    try:
        store.migrate()
        insert_spans(store, spans)
    finally:
        store.close()
    return ShopData(data, shop, spans)


@pytest.fixture
def shop_store(shop_data: ShopData) -> Iterator[Store]:
    store = Store(f"chdb://{shop_data.data}")
    try:
        yield store
    finally:
        store.close()


def _true_edges(shop: Shop) -> set[tuple[str, str]]:
    return {(shop.name_of(a), shop.name_of(b)) for a, b in shop.edges()}


# -- edges and nodes -------------------------------------------------------------------------------
def test_the_map_of_simulated_traces_is_the_shops_topology(shop_data: ShopData, shop_store: Store) -> None:
    m = build_map(shop_store, "default", START, END)
    assert {(e.source, e.target) for e in m.edges} == _true_edges(shop_data.shop)
    kinds = {n.name: n.kind for n in m.nodes}
    assert {n: k for n, k in kinds.items() if k != "service"} == {
        "postgres": "database", "redis": "cache", "orders-queue": "queue", "stripe-api": "external",
        "llm-api": "external",
    }  # fmt: skip
    by = {(e.source, e.target): e for e in m.edges}
    assert by[("checkout", "shipping")].kind == "async"  # the order message, linked across traces
    assert by[("checkout", "orders-queue")].kind == "messaging"
    assert by[("notifications", "orders-queue")].kind == "messaging"
    assert by[("checkout", "payments")].kind == "sync"
    assert by[("payments", "stripe-api")].kind == "external"
    assert by[("cart", "redis")].kind == "cache" and by[("search", "postgres")].kind == "database"
    assert [n.name for n in m.nodes if n.entry] == ["web-frontend"]


def test_red_numbers_are_the_spans_own(shop_data: ShopData, shop_store: Store) -> None:
    m = build_map(shop_store, "default", START, END)
    served = shop_data.served("payments")
    failed = sum(s.status.status_code.name == "ERROR" for s in served)
    p95 = float(np.percentile([(s.end_time - s.start_time) / 1e6 for s in served], 95))
    edge = m.edge("checkout", "payments")
    node = m.node("payments")
    assert edge is not None and node is not None
    assert (edge.calls, edge.errors) == (len(served), failed) == (node.requests, node.errors)
    assert failed > 0.1 * len(served), "the bad deploy shows as errors on the call into payments"
    assert edge.p95_ms == pytest.approx(p95, rel=0.03)
    assert edge.rate_per_min == pytest.approx(len(served) / 40, rel=1e-3)
    assert edge.health == "critical" and node.health == "critical"
    assert {t.why for t in edge.traces} >= {"error", "slowest", "sample"}
    assert edge.traces[0].url == f"/api/v1/traces/{edge.traces[0].trace_id}"
    psp = m.node("stripe-api")
    assert psp is not None and psp.requests == m.edge("payments", "stripe-api").calls  # type: ignore[union-attr]


def test_a_services_neighbourhood_shows_its_edges_and_endpoints(shop_store: Store) -> None:
    m = build_map(shop_store, "default", START, END, service="checkout")
    assert {(e.source, e.target) for e in m.edges} == {
        ("api-gateway", "checkout"), ("checkout", "cart"), ("checkout", "inventory"), ("checkout", "payments"),
        ("checkout", "postgres"), ("checkout", "orders-queue"), ("checkout", "shipping"),
    }  # fmt: skip
    checkout = m.node("checkout")
    assert checkout is not None and [o.name for o in checkout.operations] == ["POST /orders"]
    two = build_map(shop_store, "default", START, END, service="checkout", depth=2)
    assert ("payments", "stripe-api") in {(e.source, e.target) for e in two.edges}


def test_another_seed_renames_and_reshapes_the_shop_and_the_map_follows(store: Store) -> None:
    shop = build_shop(7)
    insert_spans(store, simulate(shop, T0, T0 + 1200, rps=1.0, seed=3))
    m = build_map(store, "default", START, START + timedelta(minutes=20))
    assert {(e.source, e.target) for e in m.edges} == _true_edges(shop)
    assert {n.name for n in m.nodes} == {shop.name_of(r) for r in [*shop.services, *shop.dependencies]}


# -- the stored map --------------------------------------------------------------------------------
def _numbers(m: Any) -> dict[tuple[str, str], tuple[int, int]]:
    return {(e.source, e.target): (e.calls, e.errors) for e in m.edges}


def test_the_stored_map_is_the_live_map_updated_incrementally_and_late_spans_count_once(store: Store) -> None:
    shop = build_shop(0)
    insert_spans(store, simulate(shop, T0, T0 + 900, rps=1.0, seed=5))
    live = build_map(store, "default", START, START + timedelta(minutes=15))
    updater = TopologyUpdater(store)
    first = updater.update("default", START + timedelta(minutes=17))  # derives up to 2 minutes ago
    assert first.chunks == 1 and first.measured_to == START + timedelta(minutes=15)
    stored = build_map(store, "default", START, START + timedelta(minutes=15))
    assert _numbers(stored) == _numbers(live)
    for e in stored.edges:
        assert e.p95_ms == pytest.approx(live.edge(e.source, e.target).p95_ms, rel=0.05)  # type: ignore[union-attr]
    # one more minute of spans: only that minute is derived
    insert_spans(store, simulate(shop, T0 + 900, T0 + 960, rps=1.0, seed=6))
    again = updater.update("default", START + timedelta(minutes=18))
    assert (again.chunks, again.rederived_hours) == (1, [])
    assert again.measured_to == START + timedelta(minutes=16)
    # spans arriving late for derived minutes: their hour is derived again, nothing counted twice
    late = simulate(shop, T0 + 300, T0 + 420, rps=1.0, seed=7)
    before = _numbers(build_map(store, "default", START, START + timedelta(minutes=15)))
    insert_spans(store, late)
    report = updater.update("default", START + timedelta(minutes=18))
    assert report.rederived_hours == [START.replace(minute=0)]
    after = _numbers(build_map(store, "default", START, START + timedelta(minutes=15)))
    extra = sum(1 for s in late if s.resource.attributes["service.name"] == "payments" and s.kind.name == "SERVER")
    assert extra and after[("checkout", "payments")][0] == before[("checkout", "payments")][0] + extra
    unchanged = updater.update("default", START + timedelta(minutes=18))
    assert (unchanged.chunks, unchanged.rederived_hours) == (0, [])


def test_client_spans_and_uninstrumented_callees(store: Store) -> None:
    """Instrumentations that make client spans, newer semantic conventions, a consumer that is the
    producer's child, and an HTTP call to a host nobody instruments."""
    t = START
    cols = ["TenantId", "Timestamp", "TraceId", "SpanId", "ParentSpanId", "ServiceName", "SpanName", "SpanKind",
            "Duration", "StatusCode", "SpanAttributes"]  # fmt: skip
    rows = []
    for i in range(20):
        trace, ts = f"{i:032x}", t + timedelta(seconds=i)

        def span(n: int, parent: int | None, service: str, name: str, kind: str, ms: float,
                 attrs: dict[str, str] | None = None, status: str = "Ok", i: int = i, ts: datetime = ts,
                 tr: str = trace) -> list[Any]:  # fmt: skip
            return ["default", ts, tr, f"{i:08x}{n:08x}", f"{i:08x}{parent:08x}" if parent is not None else "",
                    service, name, kind, int(ms * 1e6), status, attrs or {}]  # fmt: skip

        rows += [
            span(1, None, "orders", "POST /orders", "Server", 120),
            span(2, 1, "orders", "POST /charge", "Client", 80, {"peer.service": "billing", "server.address": "b.svc"},
                 status="Error" if i < 2 else "Ok"),
            span(3, 2, "billing", "POST /charge", "Server", 70),
            span(4, 3, "billing", "INSERT", "Client", 5, {"db.system.name": "postgresql", "server.address": "db-1"}),
            span(5, 1, "orders", "GET /score", "Client", 30, {"server.address": "api.fraud.example"}),
            span(6, 1, "orders", "publish orders", "Producer", 2, {"messaging.system": "rabbitmq",
                                                                     "server.address": "mq-1"}),
            span(7, 6, "mailer", "process orders", "Consumer", 15),
        ]  # fmt: skip
    store.client.insert("otel_traces", rows, column_names=cols)
    m = build_map(store, "default", t, t + timedelta(minutes=1))
    kinds = {(e.source, e.target): e.kind for e in m.edges}
    assert kinds == {("orders", "billing"): "sync", ("billing", "db-1"): "database",
                     ("orders", "api.fraud.example"): "external", ("orders", "mq-1"): "messaging",
                     ("orders", "mailer"): "async"}  # fmt: skip
    billing = m.edge("orders", "billing")
    assert billing is not None and (billing.calls, billing.errors) == (20, 2)  # the caller saw two failures
    assert billing.p50_ms == pytest.approx(80, rel=0.01)  # what the caller waited: its client span


# -- blast radius ------------------------------------------------------------------------------------
def test_blast_radius_of_a_service_a_database_and_a_call(shop_data: ShopData, shop_store: Store) -> None:
    payments = blast_radius(shop_store, "default", "payments", START, END)
    assert [(u.name, u.distance) for u in payments.upstream] == [("checkout", 1), ("api-gateway", 2),
                                                                  ("web-frontend", 3)]  # fmt: skip
    checkouts = len(shop_data.served("checkout"))
    assert [(e.kind, e.service, e.name, e.affected, e.share) for e in payments.entry_points] == [
        ("endpoint", "web-frontend", "POST /checkout", checkouts, 1.0)]  # fmt: skip
    gateway = payments.upstream[1]
    assert gateway.share == pytest.approx(checkouts / len(shop_data.served("api-gateway")), abs=1e-6)
    # the database: every caller and the callers' callers, and the entry points that reach it
    postgres = blast_radius(shop_store, "default", "postgres", START, END)
    callers = {a for a, b in _true_edges(shop_data.shop) if b == "postgres"}
    assert {u.name for u in postgres.upstream if u.distance == 1} == callers
    assert {u.name for u in postgres.upstream} == callers | {"api-gateway", "web-frontend", "cart",
                                                             "shopping-assistant"}  # fmt: skip
    entries = {(e.kind, e.name): e for e in postgres.entry_points}
    assert entries[("endpoint", "GET /")].share == 1.0  # product listing always reads the database
    assert entries[("consumer", "process order.created")].share == 1.0  # shipping writes shipments
    assert 0 < entries[("endpoint", "POST /cart")].share < 1  # only stock reads that miss the cache
    # one call: the caller is hurt first, and only the requests that make that call
    call = blast_radius(shop_store, "default", "payments", START, END, source="checkout")
    assert call.target == "checkout->payments" and call.upstream[0].name == "checkout"
    assert [e.name for e in call.entry_points] == ["POST /checkout"]
    with pytest.raises(LookupError):
        blast_radius(shop_store, "default", "payments", START, END, source="search")


def test_the_slos_at_risk_are_those_whose_requests_reach_the_trouble(shop_store: Store) -> None:
    examples = Path(__file__).resolve().parent.parent / "ollystack" / "slo" / "examples" / "shop.yaml"
    for slo in load_file(examples):
        Registry(shop_store).save(slo, "test")
    radius = tools.blast_radius(shop_store, "default", "payments", start=START, end=END)
    at_risk = {r.name: r for r in radius.slos_at_risk}
    assert set(at_risk) == {"payments-charge-availability", "checkout-latency", "api-gateway-availability"}
    assert at_risk["payments-charge-availability"].share == 1.0
    assert at_risk["checkout-latency"].share == 1.0  # every order charges a card
    assert 0 < (at_risk["api-gateway-availability"].share or 0) < 0.2  # checkouts are a few of its requests
    assert all(r.status is not None and r.error_budget_remaining is not None for r in at_risk.values())
    cache = tools.blast_radius(shop_store, "default", "redis", start=START, end=END)
    assert "search-p99-minutes" in {r.name for r in cache.slos_at_risk}  # product pages read the cache


def test_entry_points_are_endpoints_synthetic_checks_and_rum_pages(store: Store) -> None:
    """Checkouts started by a browser page (the RUM SDK's root span), by a synthetic check (its run
    records the trace) and by plain API requests, all reaching payments."""
    cols = ["TenantId", "Timestamp", "TraceId", "SpanId", "ParentSpanId", "ServiceName", "SpanName", "SpanKind",
            "Duration", "StatusCode", "SpanAttributes", "ResourceAttributes"]  # fmt: skip
    rows, runs = [], []
    for i in range(30):
        trace, ts = f"{i + 1:032x}", START + timedelta(seconds=10 * i)
        web = {"service.name": "web-frontend"}
        if i % 3 == 0:  # a page in the browser, then its request to the frontend
            rows.append(["default", ts, trace, f"{i:08x}00000009", "", "shop-browser", "HTTP POST", "Client",
                         300_000_000, "Ok", {"url.full": "https://shop.example/checkout?step=2"},
                         {"service.name": "shop-browser", "telemetry.sdk.language": "webjs"}])  # fmt: skip
        parent = f"{i:08x}00000009" if i % 3 == 0 else ""
        rows += [["default", ts, trace, f"{i:08x}00000001", parent, "web-frontend", "POST /checkout", "Server",
                  250_000_000, "Ok", {"http.route": "/checkout"}, web],
                 ["default", ts, trace, f"{i:08x}00000002", f"{i:08x}00000001", "payments", "POST /charge", "Server",
                  200_000_000, "Ok", {"http.route": "/charge"}, {"service.name": "payments"}]]  # fmt: skip
        if i % 3 == 1:
            runs.append([uuid.uuid4(), uuid.uuid4(), "checkout-canary", ts, 1, 0.4, "eu-west-1", trace])
    store.client.insert("otel_traces", rows, column_names=cols)
    store.writer("default").insert_rows("synthetics_runs", ["RunId", "CanaryId", "CanaryName", "Timestamp", "Success",
                                                            "Duration", "Region", "TraceId"], runs)  # fmt: skip
    end = START + timedelta(minutes=10)
    radius = blast_radius(store, "default", "payments", START, end)
    assert sorted((e.kind, e.service, e.name, e.affected, e.share) for e in radius.entry_points) == [
        ("endpoint", "web-frontend", "POST /checkout", 10, 1.0), ("rum", "shop-browser", "/checkout", 10, 1.0),
        ("synthetic", "web-frontend", "checkout-canary", 10, 1.0)]  # fmt: skip
    spec = ("name: checkout-canary\nservice: web-frontend\ntarget: 99\nwindow: 7d\n"
            "sli: {type: availability, source: synthetics, check: checkout-canary}")  # fmt: skip
    define(store, "default", spec, "test")
    at_risk = tools.blast_radius(store, "default", "payments", start=START, end=end).slos_at_risk
    assert [(r.name, r.share, r.status) for r in at_risk] == [("checkout-canary", 1.0, "OK")]


# -- deployments -------------------------------------------------------------------------------------
def test_the_deploy_is_found_in_the_spans_and_compared_before_and_after(shop_store: Store) -> None:
    found = SpanVersions(shop_store).deployments("default", START, END)
    assert [(d.service, d.at) for d in found] == [("payments", DEPLOY)]
    cmp = compare_deploy(shop_store, "default", "payments", now=END, window=timedelta(minutes=15))
    assert cmp.deployment is not None and cmp.at == DEPLOY and cmp.deployment.previous_version
    edges = {(e.source, e.target): e for e in cmp.edges}
    assert set(edges) == {("checkout", "payments"), ("payments", "postgres"), ("payments", "stripe-api")}
    call = edges[("checkout", "payments")]
    assert call.change == "changed" and (call.error_ratio_delta or 0) > 0.15
    assert cmp.edges[0] == call  # the edge that changed most comes first
    assert cmp.service_after and cmp.service_before
    assert (cmp.service_after.error_ratio or 0) > (cmp.service_before.error_ratio or 0) + 0.15
    given = compare_deploy(shop_store, "default", "payments", at=DEPLOY, now=END, window=timedelta(minutes=15))
    assert given.deployment == cmp.deployment


# -- faces -------------------------------------------------------------------------------------------
def _cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    env |= {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data}", "OLLYSTACK_API_PORT": "1"}  # no service: the store
    return subprocess.run([sys.executable, "-m", "ollystack.cli", "map", *args], env=env, cwd=data.parent,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_cli_prints_the_map_as_json_and_draws_it_on_a_closed_store(shop_data: ShopData, tmp_path: Path) -> None:
    window = ["--from", START.isoformat(), "--to", END.isoformat()]
    proc = _cli(["--json", *window], shop_data.data)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {(e["source"], e["target"]) for e in out["edges"]} == _true_edges(shop_data.shop)
    assert {"name", "kind"} <= set(out["nodes"][0])
    assert {"source", "target", "calls", "errors", "p95_ms"} <= set(out["edges"][0])
    png = tmp_path / "checkout.png"
    shown = _cli(["--service", "checkout", "--png", str(png), *window], shop_data.data)
    assert shown.returncode == 0, shown.stderr
    assert "checkout → payments" in shown.stdout and "POST /orders" in shown.stdout
    assert png.read_bytes().startswith(PNG) and png.stat().st_size > 20_000
    blast = _cli(["blast", "checkout->payments", "--json", *window], shop_data.data)
    assert json.loads(blast.stdout)["entry_points"][0]["name"] == "POST /checkout"
    missing = _cli(["blast", "nowhere", *window], shop_data.data)
    assert missing.returncode == 1 and "nowhere is not on the map" in missing.stderr


def test_api_serves_the_map_its_png_and_blast_radius_to_the_keys_tenant(shop_store: Store) -> None:
    with warnings.catch_warnings():  # starlette's note about its httpx-based client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    keys = ApiKeys({"k-default": "default", "k-acme": "acme"})
    api = TestClient(create_api(shop_store, keys, metrics_text=lambda: b"", ready=lambda: (True, "ok")))
    window = {"from": START.isoformat(), "to": END.isoformat()}
    mine = api.get("/api/v1/map", params=window, headers={"x-ollystack-api-key": "k-default"})
    assert mine.status_code == 200
    assert mine.json() == build_map(shop_store, "default", START, END).to_json()
    theirs = api.get("/api/v1/map", params=window, headers={"x-ollystack-api-key": "k-acme"})
    assert theirs.json()["edges"] == [] and theirs.json()["nodes"] == []
    png = api.get("/api/v1/map.png", params={**window, "service": "payments"},
                  headers={"x-ollystack-api-key": "k-default"})  # fmt: skip
    assert png.headers["content-type"] == "image/png" and png.content.startswith(PNG)
    blast = api.get("/api/v1/map/blast", params={**window, "target": "stripe-api"},
                    headers={"x-ollystack-api-key": "k-default"})  # fmt: skip
    assert blast.status_code == 200 and blast.json()["upstream"][0]["name"] == "payments"
    unknown = api.get("/api/v1/map/blast", params={**window, "target": "stripe-api"},
                      headers={"x-ollystack-api-key": "k-acme"})  # fmt: skip
    assert unknown.status_code == 404
    assert api.get("/api/v1/map", params=window).status_code == 401


def test_the_running_service_keeps_the_map_and_the_cli_asks_its_api(tmp_path: Path) -> None:
    """Real OTLP from the SDK's exporter into `ollystack serve`; the CLI cannot open the held store
    and reads the map through the service's API."""
    import time

    from ollystack.simulate.generator import Produced
    from ollystack.simulate.sender import OtlpSender
    from tests.conftest import start_service

    svc = start_service(tmp_path, env={"OLLYSTACK_DETECT_INTERVAL_S": "1"})
    try:
        shop = build_shop(0)
        now = time.time() // 60 * 60
        sender = OtlpSender(svc.http_url)
        try:
            sender.send(Produced(spans=simulate(shop, now - 360, now - 60, rps=2.0, seed=21)))
        finally:
            sender.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
        env |= {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{svc.data_dir}", "OLLYSTACK_API_PORT": str(svc.api)}
        proc = subprocess.run([sys.executable, "-m", "ollystack.cli", "map", "--json", "--since", "15m"], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert {(e["source"], e["target"]) for e in json.loads(proc.stdout)["edges"]} == _true_edges(shop)
        assert svc.stop() == 0
        assert not any("Traceback" in line for line in svc.output), "".join(svc.output)
        store = svc.open_store()
        try:
            assert store.client.command("SELECT count() FROM topology_edge_minutes") > 0, "the updater ran"
        finally:
            store.close()
    finally:
        svc.kill()

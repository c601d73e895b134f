"""The simulator: deterministic for a seed, faults visible in the telemetry, shipped as real OTLP."""

from __future__ import annotations

from collections import Counter

import pytest

from ollystack.simulate.faults import Fault, FaultKind
from ollystack.simulate.generator import ShopSimulator
from ollystack.simulate.sender import OtlpSender
from ollystack.simulate.topology import build_shop
from ollystack.simulate.traffic import TrafficModel
from tests.conftest import start_service

T0 = 1_792_999_980.0  # a fixed moment on a whole minute, so runs compare
NS = 1_000_000_000


def _fingerprint(produced):
    return [
        (s.context.trace_id, s.context.span_id, s.name, s.start_time, s.end_time, s.status.status_code.name,
         s.resource.attributes["service.name"])
        for s in produced.spans
    ]  # fmt: skip


def test_same_seed_same_telemetry_other_seed_other_telemetry():
    def run(seed):
        sim = ShopSimulator(build_shop(seed), TrafficModel(base_rps=1, seed=seed), seed=seed)
        return sim.run(T0, T0 + 300)

    first, again, other = run(3), run(3), run(4)
    assert _fingerprint(first) == _fingerprint(again)
    assert [r.log_record.body for r in first.logs] == [r.log_record.body for r in again.logs]
    assert _fingerprint(first) != _fingerprint(other)


def test_a_bad_deploy_shows_as_a_new_version_failing_in_its_service():
    shop = build_shop(0)
    fault = Fault(FaultKind.BAD_DEPLOY, "payments", T0 + 1800, T0 + 3600)
    sim = ShopSimulator(shop, TrafficModel(base_rps=1, seed=2), [fault], seed=2)
    spans = sim.run(T0, T0 + 3600).spans
    truth = sim.ground_truth()[0]
    assert truth.root_cause_service == shop.name_of("payments") and truth.kind == "bad_deploy"

    def rate(service, during):
        own = [s for s in spans if s.resource.attributes["service.name"] == service
               and (s.start_time >= fault.start * NS) == during and s.kind.name == "SERVER"]  # fmt: skip
        return sum(s.status.status_code.name == "ERROR" for s in own) / max(len(own), 1)

    assert rate("payments", during=True) > 5 * max(rate("payments", during=False), 0.01)
    versions = Counter((s.resource.attributes["service.version"], s.start_time >= fault.start * NS)
                       for s in spans if s.resource.attributes["service.name"] == "payments")  # fmt: skip
    before = sim.version_at("payments", fault.start - 1)
    assert set(versions) == {(before, False), (sim.version_at("payments", fault.start), True)}
    assert before != sim.version_at("payments", fault.start)
    # the callers fail because of it: checkout errors rise too, but its version does not change
    assert rate("checkout", during=True) > rate("checkout", during=False)


@pytest.mark.parametrize(
    ("kind", "target", "attribute"),
    [(FaultKind.DEPENDENCY_OUTAGE, "postgres", "db.system"), (FaultKind.SLOW_THIRD_PARTY, "psp", "url.full")],
)
def test_dependency_faults_show_on_the_client_spans(kind, target, attribute):
    shop = build_shop(0)
    fault = Fault(kind, target, T0, T0 + 600)
    spans = ShopSimulator(shop, TrafficModel(base_rps=2, seed=5), [fault], seed=5).run(T0, T0 + 600).spans
    normal = ShopSimulator(shop, TrafficModel(base_rps=2, seed=5), seed=5).run(T0, T0 + 600).spans

    def client(spans_):
        name = shop.name_of(target)
        return [s for s in spans_ if s.kind.name == "CLIENT" and s.attributes.get("server.address") == name
                and attribute in s.attributes]  # fmt: skip

    faulty, healthy = client(spans), client(normal)
    assert faulty and healthy
    if kind is FaultKind.DEPENDENCY_OUTAGE:
        assert sum(s.status.status_code.name == "ERROR" for s in faulty) > 0.5 * len(faulty)
    else:
        median = sorted(s.end_time - s.start_time for s in faulty)[len(faulty) // 2]
        assert median > 4 * sorted(s.end_time - s.start_time for s in healthy)[len(healthy) // 2]


def test_orders_flow_through_the_queue_to_shipping():
    shop = build_shop(0)
    spans = ShopSimulator(shop, TrafficModel(base_rps=3, seed=6), seed=6).run(T0, T0 + 900).spans
    producers = {s.context.span_id for s in spans if s.kind.name == "PRODUCER"}
    consumers = [s for s in spans if s.kind.name == "CONSUMER"]
    assert consumers and all(s.resource.attributes["service.name"] == shop.name_of("shipping") for s in consumers)
    assert all(s.links and s.links[0].context.span_id in producers for s in consumers)


def test_simulated_telemetry_lands_in_ollystack_as_otlp(tmp_path):
    shop = build_shop(1)
    sim = ShopSimulator(shop, TrafficModel(base_rps=1, seed=1), seed=1)
    import time

    now = (time.time() - 600) // 60 * 60
    produced = sim.run(now, now + 120)
    svc = start_service(tmp_path)
    try:
        sender = OtlpSender(svc.http_url)
        sender.send(produced)
        sender.close()
        assert svc.stop() == 0
    finally:
        svc.kill()
    store = svc.open_store()
    try:
        spans = store.client.query("SELECT count(), uniqExact(ServiceName) FROM otel_traces").result_rows[0]
        logs = store.client.query("SELECT count() FROM otel_logs").result_rows[0][0]
        served = store.client.query("SELECT sum(Count) FROM otel_metrics_histogram").result_rows[0][0]
        gauges = store.client.query("SELECT uniqExact(MetricName) FROM otel_metrics_gauge").result_rows[0][0]
        store_sums = store.client.query(
            "SELECT uniqExact(ServiceName, ResourceAttributes['service.version']) FROM otel_metrics_sum "
            "WHERE MetricName = 'app.requests.served' AND IsMonotonic AND AggregationTemporality = 2"
        ).result_rows[0][0]
    finally:
        store.close()
    assert spans[0] == len(produced.spans) and logs == len(produced.logs)
    assert served == sum(1 for s in produced.spans if s.kind.name in ("SERVER", "CONSUMER"))
    assert gauges == 4  # CPU, memory, connection pool, and the queue consumer's lag
    assert store_sums == len(produced.metrics.resource_metrics)
    assert spans[1] == len({s.resource.attributes["service.name"] for s in produced.spans})


def test_metrics_follow_the_spans_and_the_saturation_faults():
    shop = build_shop(0)
    faults = [
        Fault(FaultKind.CPU_SATURATION, "search", T0 + 600, T0 + 1200),
        Fault(FaultKind.MEMORY_LEAK, "cart", T0, T0 + 1200),
    ]
    produced = ShopSimulator(shop, TrafficModel(base_rps=1, seed=8), faults, seed=8).run(T0, T0 + 1200)

    def series(name, service):
        out = {}
        for rm in produced.metrics.resource_metrics:
            if rm.resource.attributes["service.name"] != service:
                continue
            for metric in rm.scope_metrics[0].metrics:
                if metric.name == name:
                    for p in metric.data.data_points:
                        out[p.time_unix_nano // NS] = p
        return out

    cpu = series("process.cpu.utilization", "search")
    assert len(cpu) == 20
    assert (
        min(p.value for t, p in cpu.items() if t > T0 + 600)
        > 0.9
        > max(p.value for t, p in cpu.items() if t <= T0 + 600)
    )
    memory = [p.value for _, p in sorted(series("process.memory.usage", "cart").items())]
    assert memory[-1] > 1.8 * memory[0]  # a leak climbs
    histograms = [
        p for rm in produced.metrics.resource_metrics for m in rm.scope_metrics[0].metrics
        if m.name == "http.server.request.duration" for p in m.data.data_points
    ]  # fmt: skip
    served = [s for s in produced.spans if s.kind.name in ("SERVER", "CONSUMER")]
    assert sum(p.count for p in histograms) == len(served)
    assert all(sum(p.bucket_counts) == p.count for p in histograms)
    totals = [p.value for _, p in sorted(series("app.requests.served", "search").items())]
    assert totals == sorted(totals) and totals[-1] > 0  # a cumulative counter only grows


def test_logs_mix_severities_and_the_consumer_reports_its_lag():
    shop = build_shop(0)
    fault = Fault(FaultKind.BAD_DEPLOY, "payments", T0 + 600, T0 + 1200)
    produced = ShopSimulator(shop, TrafficModel(base_rps=1, seed=9), [fault], seed=9).run(T0, T0 + 1200)
    severities = Counter(r.log_record.severity_text for r in produced.logs)
    assert {"DEBUG", "INFO", "WARN", "ERROR"} <= set(severities)
    assert severities["INFO"] > severities["WARN"] > severities["ERROR"] > 0
    bodies = {r.log_record.body for r in produced.logs}
    assert len(bodies) > 0.5 * len(produced.logs)  # parameters vary: ids, IPs, durations, paths
    lag = [
        p.value for rm in produced.metrics.resource_metrics for m in rm.scope_metrics[0].metrics
        if m.name == "messaging.kafka.consumer.lag" for p in m.data.data_points
    ]  # fmt: skip
    assert len(lag) == 20 and all(v >= 0 for v in lag)

"""Backfill in virtual time and live minutes, sent to a real `ollystack serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from ollystack.simulate.clock import VirtualClock
from ollystack.simulate.generator import ShopSimulator
from ollystack.simulate.runner import backfill, run_live
from ollystack.simulate.sender import OtlpSender
from ollystack.simulate.topology import build_shop
from ollystack.simulate.traffic import TrafficModel
from tests.conftest import start_service


class _Ticking(VirtualClock):
    """A clock that moves a minute each time it is read: live mode without waiting for real minutes."""

    def now(self) -> float:
        return self.advance(60)


def test_backfill_then_live_lands_every_window_once(tmp_path):
    end = (time.time() - 3600) // 60 * 60
    svc = start_service(tmp_path)
    try:
        sim = ShopSimulator(build_shop(2), TrafficModel(base_rps=0.5, seed=2), seed=2)
        sender = OtlpSender(svc.http_url)
        windows = []
        past = backfill(sim, sender, end - 1800, end, window=600, on_window=lambda p: windows.append(p.until))
        assert windows == [end - 1200, end - 600, end]
        live = run_live(sim, sender, end, 180, clock=_Ticking(end))
        assert live.until == end + 180
        sender.close()
        assert svc.stop() == 0
    finally:
        svc.kill()
    store = svc.open_store()
    try:
        spans, first, last = store.client.query(
            "SELECT count(), min(Timestamp), max(Timestamp) FROM otel_traces"
        ).result_rows[0]
        minutes = store.client.query(
            "SELECT count(), uniqExact(TimeUnix) FROM otel_metrics_gauge "
            "WHERE MetricName = 'process.cpu.utilization' AND ServiceName = {n:String}",
            parameters={"n": sim.shop.name_of("frontend")},
        ).result_rows[0]
    finally:
        store.close()
    assert spans == past.spans + live.spans
    assert first.timestamp() >= end - 1800 and last.timestamp() < end + 180 + 5
    assert minutes == (33, 33)  # one CPU point per minute: 30 backfilled, 3 live, none twice


def test_cli_simulate_backfills_and_reports_the_injected_fault(tmp_path):
    svc = start_service(tmp_path)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
        run = subprocess.run(
            [sys.executable, "-m", "ollystack.cli", "simulate", "--endpoint", svc.http_url, "--history", "20m",
             "--rps", "0.5", "--fault", "hard_failure:psp:-10m:5m", "--fault", "bad_deploy:cart:-15m:5m",
             "--deployments", str(tmp_path / "deploys.jsonl")],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "injected hard_failure in stripe-api" in run.stderr
        import json

        events = [json.loads(line) for line in (tmp_path / "deploys.jsonl").read_text().splitlines()]
        bad = [e for e in events if e["deployment"]["description"] in ("bad_deploy", "rollback")]
        assert [e["deployment"]["description"] for e in bad] == ["bad_deploy", "rollback"]
        assert {e["repository"]["name"] for e in bad} == {"cart"}
        bad = subprocess.run(
            [sys.executable, "-m", "ollystack.cli", "simulate", "--endpoint", svc.http_url,
             "--fault", "bad_deploy:nobody:0m:1m"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert bad.returncode == 2
        assert "payments" in bad.stderr  # the error lists the roles this shop has
    finally:
        svc.kill()


def test_parallel_backfill_covers_the_range_once_and_repeats_exactly(tmp_path):
    from ollystack.simulate.faults import Fault, FaultKind
    from ollystack.simulate.runner import SimSpec, backfill_parallel

    end = (time.time() - 3600) // 3600 * 3600
    fault = Fault(FaultKind.BAD_DEPLOY, "payments", end - 1800, end - 600)
    spec = SimSpec(seed=4, rps=0.3, faults=(fault,))
    counts = []
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
        svc = start_service(tmp_path / run)
        try:
            progress = backfill_parallel(spec, svc.http_url, end - 2 * 3600, end, processes=2)
            assert svc.stop() == 0
        finally:
            svc.kill()
        store = svc.open_store()
        try:
            counts.append(store.client.query(
                "SELECT count(), toStartOfHour(min(Timestamp)), max(Timestamp), "
                "arraySort(groupUniqArrayIf(ResourceAttributes['service.version'], ServiceName = {p:String})) "
                "FROM otel_traces",
                parameters={"p": spec.build().shop.name_of("payments")},
            ).result_rows[0])  # fmt: skip
        finally:
            store.close()
        assert counts[-1][0] == progress.spans
    assert counts[0] == counts[1]  # the same spec and range give the same history
    _, first_hour, last, versions = counts[0]
    assert first_hour.timestamp() == end - 2 * 3600 and last.timestamp() < end + 60
    sim = spec.build()
    assert sim.version_at("payments", fault.start) in versions  # the bad deploy is in the history
    assert sim.version_at("payments", fault.start - 1) in versions

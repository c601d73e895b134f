"""`ollystack demo`: the service on the embedded store, fed by the simulated shop, with a fault.

It starts `ollystack serve` as a child process (the embedded store belongs to one process),
backfills the shop's recent history, then replays the last minutes fast, as if live, while a
bad deploy of payments happens; every replayed minute it shows what OllyStack sees. The chat
side (incident, investigation, runbook) is shown as not available until it is built.
"""

from __future__ import annotations

import os
import time
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from .launch import launch
from .simulate.faults import Fault, FaultKind
from .simulate.generator import ShopSimulator
from .simulate.runner import Progress, backfill, run_live
from .simulate.sender import OtlpSender
from .simulate.topology import build_shop
from .simulate.traffic import TrafficModel

NOT_YET = [
    ("incident channel in Slack or Teams", "the chat adapters, a later issue"),
    ("investigation with ranked hypotheses", "the agent, a later issue"),
    ("suggested runbook", "runbooks, a later issue"),
    ("log pattern mining", "issue 6"),
    ("service map", "issue 7"),
]


class ReplayClock:
    """Data time that runs `speed` times faster than the wall clock from `origin`, never past now."""

    def __init__(self, origin: float, speed: float) -> None:
        self.origin, self.speed, self.wall = origin, speed, time.time()

    def now(self) -> float:
        return min(time.time(), self.origin + (time.time() - self.wall) * self.speed)


def _minute_view(api: str, service: str, since: float, until: float) -> dict[str, Any]:
    """What OllyStack stored for `service` in one minute: requests, errors, p95, versions."""
    params = [("service", service), ("limit", "10000"), ("attr", "http.route=/charge"),
              ("from", _iso(since)), ("to", _iso(until))]  # fmt: skip
    rows = httpx.get(f"{api}/traces", params=params, timeout=30).json()["rows"]
    durations = sorted(r["DurationMs"] for r in rows)
    return {
        "requests": len(rows),
        "errors": sum(r["StatusCode"] == "Error" for r in rows),
        "p95": durations[int(0.95 * (len(durations) - 1))] if durations else None,
        "versions": sorted({r["ResourceAttributes"].get("service.version", "?") for r in rows}),
    }


def _show_slos(console: Console, api: str, data_dir: Path) -> None:
    """The SLOs once the replay has caught up with now: status, budget, firing burn-rate alerts."""
    time.sleep(6)  # one evaluation cycle after the last minute arrived
    slos = httpx.get(f"{api}/slos", timeout=120).json()["slos"]
    console.print(f"SLOs ({len(slos)} defined in {os.environ.get('OLLYSTACK_SLO_DIR', 'the shop examples')}):")
    for r in slos:
        left = r["error_budget_remaining"]
        budget = "no data" if left is None else f"{100 * left:6.1f}% budget left"
        colour = {"OK": "green", "WARNING": "yellow", "BREACHED": "red"}.get(r["status"], "dim")
        console.print(f"  [{colour}]{r['status']:<17}[/]{r['name']:<32} {budget}")
        for a in r["alerts"]:
            console.print(f"      [red]{a['severity']} alert firing[/red]: burn rate {a['long_burn_rate']:.1f}x over "
                          f"{a['long_window']} and {a['short_burn_rate']:.1f}x over {a['short_window']} "
                          f"(threshold {a['burn_rate_threshold']:g}x)")  # fmt: skip
    worst = next((r for r in slos if r["alerts"]), None)
    if worst:
        chart = data_dir.parent / f"{worst['name']}.png"
        chart.write_bytes(httpx.get(f"{api}/slos/{worst['name']}/chart.png", timeout=120).content)
        console.print(f"  budget chart: {chart}")


def _show_incidents(console: Console, api: str) -> None:
    """Incidents the detectors and SLO alerts opened (a seasonal baseline needs two days of
    history: with the demo's hours the detector watches rolling medians, and says so)."""
    found = httpx.get(f"{api}/incidents", timeout=60).json()["incidents"]
    console.print(f"incidents ({len(found)}):")
    for inc in found[:8]:
        services = ", ".join(inc["services"])
        console.print(f"  [{'red' if inc['severity'] == 'critical' else 'yellow'}]{inc['severity']:<8}[/] "
                      f"{inc['status']:<12} {inc['title']}  ({services})")  # fmt: skip


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def run(data_dir: Path, history: float = 2 * 3600, replay: float = 15 * 60, speed: float = 15.0) -> None:
    console = Console()
    console.rule("OllyStack demo")
    env = {k: os.environ[k] for k in ("OLLYSTACK_OTLP_HTTP_PORT", "OLLYSTACK_OTLP_GRPC_PORT", "OLLYSTACK_API_PORT")
           if k in os.environ}  # fmt: skip
    slo_dir = Path(str(resources.files("ollystack.slo").joinpath("examples")))
    env |= {
        "OLLYSTACK_SLO_DIR": os.environ.get("OLLYSTACK_SLO_DIR", str(slo_dir)),
        "OLLYSTACK_SLO_EVAL_INTERVAL_S": "5",
    }
    child = launch(data_dir, env)
    console.print(f"[green]service up[/green]: OTLP/HTTP :{child.otlp_http}, OTLP/gRPC :{child.otlp_grpc}, "
                  f"API :{child.api}, store {data_dir}")  # fmt: skip
    api = f"http://127.0.0.1:{child.api}/api/v1"
    try:
        now = time.time() // 60 * 60
        live_from = now - replay
        shop = build_shop(0)
        fault = Fault(FaultKind.BAD_DEPLOY, "payments", live_from + replay / 3, now)
        sim = ShopSimulator(shop, TrafficModel(base_rps=3.0, seed=7), [fault], seed=7)
        sender = OtlpSender(f"http://127.0.0.1:{child.otlp_http}")
        console.print(f"backfilling {history / 3600:g} h of history for a {len(shop.services)}-service shop …")
        done = backfill(sim, sender, live_from - history, live_from)
        console.print(f"  {done.requests:,} requests, {done.spans:,} spans, {done.logs:,} log records "
                      f"sent as OTLP in {done.seconds:.0f} s")  # fmt: skip
        console.print(f"replaying the last {replay / 60:g} minutes at {speed:g}× — "
                      f"a bad deploy of {shop.name_of('payments')} is coming:")  # fmt: skip

        def show(p: Progress) -> None:
            view = _minute_view(api, shop.name_of("payments"), p.until - 60, p.until)
            p95 = "-" if view["p95"] is None else f"{view['p95']:.0f}"
            errors = f"errors {view['errors']:3d}"
            if view["errors"]:
                errors = f"[red]{errors}[/red]"
            minute = time.strftime("%H:%M", time.gmtime(p.until - 60))
            versions = ", ".join(view["versions"])
            console.print(f"  {minute}  charges {view['requests']:3d}  {errors}  p95 {p95:>5} ms  version {versions}")

        run_live(sim, sender, live_from, replay, clock=ReplayClock(live_from, speed), on_step=show)
        sender.close()
        _show_slos(console, api, data_dir)
        _show_incidents(console, api)
        for what, where in NOT_YET:
            console.print(f"[yellow]not available yet[/yellow]: {what} ({where})")
        truth = sim.ground_truth()[0]
        console.print(f"ground truth: {truth.kind} of {truth.root_cause_service} from "
                      f"{time.strftime('%H:%M', time.gmtime(truth.start))} UTC")  # fmt: skip
    finally:
        child.proc.terminate()
        child.proc.wait(60)
    console.rule("next")
    console.print(
        f"The demo's data stays in {data_dir}; look at it with\n"
        f"  OLLYSTACK_CLICKHOUSE_URL=chdb://{data_dir} .venv/bin/ollystack query traces --service payments --since 3h\n"
        "Run `.venv/bin/ollystack serve`, then `.venv/bin/ollystack simulate --live 30m` or point your own "
        "OpenTelemetry SDKs or Collector at http://localhost:4318 (HTTP) or localhost:4317 (gRPC)."
    )

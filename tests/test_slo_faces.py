"""SLOs through every face a user touches, on real parts: the CLI on a closed embedded store, the
CLI and the HTTP API through a running `ollystack serve`, and the service's evaluation loop raising
a Signal. Spans go straight into `otel_traces` so every number below can be worked out by hand.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import matplotlib.image as mpimg
import pytest

from ollystack.signals import StoreSignals
from ollystack.store import Store
from tests.conftest import start_service
from tests.support.spans import Minute, insert_minutes

OLLYSTACK = Path(sys.executable).with_name("ollystack")  # the console script next to the venv's python
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAME = "checkout-availability"
CHECKOUT_SLO = f"""
name: {NAME}
service: checkout
description: checkout requests succeed
sli:
  type: error_rate
target: 99.9
window: 30d
"""
KEYS = "key-of-default-0001=default,key-of-acme-0002=acme"
DEFAULT_KEY = {"x-ollystack-api-key": "key-of-default-0001"}
ACME_KEY = {"x-ollystack-api-key": "key-of-acme-0002"}

# The traffic of `_history`: one day before AT, 20 checkout requests a minute (28,800), all fine
# except 4 failures in each of the last 5 minutes (20 bad). With a 99.9% objective a window's burn
# rate is (bad / requests in it) / 0.001; 30d, 3d and 1d all hold the whole day.
REQUESTS, BAD = 1440 * 20, 20
BURN_RATES = {
    "30d": BAD / REQUESTS / 0.001,  # 0.694
    "3d": BAD / REQUESTS / 0.001,
    "1d": BAD / REQUESTS / 0.001,
    "6h": BAD / (360 * 20) / 0.001,  # 2.78
    "2h": BAD / (120 * 20) / 0.001,  # 8.33
    "1h": BAD / (60 * 20) / 0.001,  # 16.7
    "30m": BAD / (30 * 20) / 0.001,  # 33.3
    "5m": BAD / (5 * 20) / 0.001,  # 200
}
BUDGET = 0.001 * REQUESTS  # 28.8 bad requests allowed in the window; 20 spent


def _history(data_dir: Path) -> datetime:
    """Write the day of checkout traffic described above; returns AT, the minute it ends at."""
    at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    store = Store(f"chdb://{data_dir}")
    try:
        store.migrate()
        insert_minutes(store, at - timedelta(days=1), 1440,
                       per_minute=lambda i: Minute(total=20, errors=4 if i >= 1435 else 0))  # fmt: skip
    finally:
        store.close()  # chDB: one process per directory, and the CLI or the service opens it next
    return at


def _slo_dir(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "slos"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    return subprocess.run([str(OLLYSTACK), *args], env={**base, **env}, cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip


def _json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _assert_checkout_status(r: dict[str, Any], at: datetime) -> None:
    """The hand-computed status of CHECKOUT_SLO over `_history`'s traffic, as of AT."""
    assert r["name"] == NAME
    assert r["at"] == at.isoformat()
    assert r["target"] == 99.9
    assert r["window"] == "30d"
    assert (r["window_start"], r["window_end"]) == ((at - timedelta(days=30)).isoformat(), at.isoformat())
    assert (r["good"], r["total"]) == (REQUESTS - BAD, REQUESTS)
    assert r["events"] == {"good": REQUESTS - BAD, "total": REQUESTS, "bad": BAD}
    assert r["sli"] == pytest.approx((REQUESTS - BAD) / REQUESTS)  # 99.93%
    assert r["error_budget_remaining"] == pytest.approx(1 - BAD / BUDGET)  # 30.6% left
    assert r["burn_rates"] == pytest.approx(BURN_RATES)
    # 30.6% of 30 days' budget, spent at the last hour's 16.7x: gone in 13.2 hours
    assert r["time_to_exhaustion_seconds"] == pytest.approx((1 - BAD / BUDGET) * 30 * 86400 / BURN_RATES["1h"])
    # only the fast page fires: 1h at 16.7x and 5m at 200x both reach 14.4x; 6h (2.78x < 6x) and
    # the tickets' long windows (0.69x < 3x, 1x) hold the others back
    assert [(a["severity"], a["windows"], a["state"]) for a in r["alerts"]] == [("page", ["1h", "5m"], "firing")]
    page = r["alerts"][0]
    assert page["burn_rate_threshold"] == pytest.approx(14.4)
    assert (page["long_burn_rate"], page["short_burn_rate"]) == pytest.approx((BURN_RATES["1h"], BURN_RATES["5m"]))
    assert [a["state"] for a in r["alert_rules"]] == ["firing", "ok", "ok", "ok"]
    assert r["status"] == "WARNING"  # budget left, but a page is firing


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def _assert_chart(png: bytes, path: Path) -> None:
    width, height = _png_size(png)
    assert 800 <= width <= 2400 and 500 <= height <= 1600, (width, height)
    assert len(png) > 20_000  # a drawn chart, not an empty canvas
    pixels = mpimg.imread(path)
    assert pixels.shape[:2] == (height, width)
    assert len({tuple(p) for p in pixels.reshape(-1, pixels.shape[-1])[::97]}) > 20  # lines and text, not blank


def test_cli_on_the_closed_store(tmp_path):
    at = _history(tmp_path / "data")
    slos = _slo_dir(tmp_path, checkout=CHECKOUT_SLO)
    # API port 1: nothing listens there, so every answer below comes from the store itself
    env = {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{tmp_path / 'data'}", "OLLYSTACK_SLO_DIR": str(slos),
           "OLLYSTACK_API_PORT": "1"}  # fmt: skip
    when = ["--at", at.isoformat().replace("+00:00", "Z")]

    _assert_checkout_status(_json(_cli(["slo", "status", NAME, "--json", *when], env, tmp_path)), at)

    listed = _json(_cli(["slo", "list", "--json", *when], env, tmp_path))
    assert [(r["name"], r["service"], r["status"]) for r in listed] == [(NAME, "checkout", "WARNING")]
    assert listed[0]["error_budget_remaining"] == pytest.approx(1 - BAD / BUDGET)

    out = tmp_path / "budget.png"
    budget = _json(_cli(["slo", "budget", NAME, "--json", "--chart", str(out), *when], env, tmp_path))
    assert budget["error_budget_unit"] == "events"
    assert (budget["error_budget_total"], budget["error_budget_consumed"]) == pytest.approx((BUDGET, BAD))
    assert budget["error_budget_remaining_amount"] == pytest.approx(BUDGET - BAD)
    assert budget["burn_rates"] == pytest.approx(BURN_RATES)
    assert budget["chart"] == str(out)
    _assert_chart(out.read_bytes(), out)

    created = _cli(["slo", "create", "checkout-latency", "--service", "checkout", "--type", "latency",
                    "--target", "99", "--threshold", "300ms", "--window", "7d"], env, tmp_path)  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "saved checkout-latency" in created.stdout
    both = {r["name"]: r for r in _json(_cli(["slo", "list", "--json", *when], env, tmp_path))}
    assert sorted(both) == ["checkout-availability", "checkout-latency"]
    latency = both["checkout-latency"]
    # every span took 50 ms, under 300 ms: all 28,800 of the last 7 days are good
    assert (latency["sli_type"], latency["target"], latency["window"]) == ("latency", 99.0, "7d")
    assert (latency["good"], latency["total"], latency["sli"]) == (REQUESTS, REQUESTS, 1.0)
    assert (latency["status"], latency["error_budget_remaining"], latency["alerts"]) == ("OK", 1.0, [])

    deleted = _cli(["slo", "delete", "checkout-latency"], env, tmp_path)
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted checkout-latency" in deleted.stdout
    assert [r["name"] for r in _json(_cli(["slo", "list", "--json", *when], env, tmp_path))] == [NAME]
    unknown = _cli(["slo", "status", "no-such-slo", "--json"], env, tmp_path)
    assert unknown.returncode == 1
    assert "no SLO named 'no-such-slo'" in unknown.stderr
    assert unknown.stdout == ""

    broken = slos / "broken.yaml"
    broken.write_text("name: broken\nservice: checkout\nsli: {type: error_rate}\ntarget: 150\nwindow: 30d\n")
    refused = _cli(["slo", "status", NAME, "--json", *when], env, tmp_path)
    assert refused.returncode == 2
    assert f"{broken}: slo 'broken': target: Input should be less than 100" in refused.stderr
    assert "Traceback" not in refused.stderr


def _wait_for_slos(svc: Any, headers: dict[str, str], names: list[str], timeout: float = 20) -> None:
    """The service loads OLLYSTACK_SLO_DIR in its evaluation loop, just after it reports ready."""
    deadline = time.monotonic() + timeout
    while True:
        resp = httpx.get(f"{svc.api_url}/api/v1/slos", headers=headers, timeout=30)
        assert resp.status_code == 200, resp.text
        if [r["name"] for r in resp.json()["slos"]] == names:
            return
        assert time.monotonic() < deadline, (resp.json(), "".join(svc.output))
        time.sleep(0.2)


def test_cli_and_api_through_the_running_service(tmp_path):
    at = _history(tmp_path / "svc-data")  # where start_service keeps its store
    slos = _slo_dir(tmp_path, checkout=CHECKOUT_SLO)
    svc = start_service(tmp_path, {"OLLYSTACK_SLO_DIR": str(slos), "OLLYSTACK_API_KEYS": KEYS})
    api = f"{svc.api_url}/api/v1/slos"
    try:
        _wait_for_slos(svc, DEFAULT_KEY, [NAME])
        env = {"OLLYSTACK_CLICKHOUSE_URL": f"chdb://{svc.data_dir}", "OLLYSTACK_SLO_DIR": str(slos),
               "OLLYSTACK_API_PORT": str(svc.api), "OLLYSTACK_API_KEYS": KEYS}  # fmt: skip
        # the service holds the directory: the CLI asks its API, and the numbers are the same
        status = _cli(["slo", "status", NAME, "--json", "--at", at.isoformat()], env, tmp_path)
        _assert_checkout_status(_json(status), at)
        unknown = _cli(["slo", "status", "no-such-slo", "--json"], env, tmp_path)
        assert unknown.returncode == 1
        assert "no SLO named 'no-such-slo'" in unknown.stderr

        assert httpx.get(api).status_code == 401
        # acme defines an SLO over HTTP; the tenant is the key's, whatever the text says
        spec = "name: acme-latency\ntenant: default\nservice: checkout\nsli: {type: latency, threshold: 300ms}\n"
        created = httpx.post(api, content=spec + "target: 99\nwindow: 7d\n", headers=ACME_KEY | {
            "content-type": "application/yaml"})  # fmt: skip
        assert created.status_code == 201, created.text
        assert created.json() == {"saved": ["acme-latency"]}
        acme = httpx.get(api, headers=ACME_KEY, params={"at": at.isoformat()}).json()["slos"]
        assert [(r["name"], r["tenant"]) for r in acme] == [("acme-latency", "acme")]
        # acme has no spans: the default tenant's traffic is not counted for it
        assert (acme[0]["total"], acme[0]["status"]) == (0, "INSUFFICIENT_DATA")
        assert [r["name"] for r in httpx.get(api, headers=DEFAULT_KEY).json()["slos"]] == [NAME]
        hidden = httpx.get(f"{api}/{NAME}", headers=ACME_KEY)
        assert hidden.status_code == 404
        assert "no SLO named" in hidden.json()["detail"]
        assert httpx.get(f"{api}/acme-latency", headers=DEFAULT_KEY).status_code == 404
        assert httpx.get(f"{api}/{NAME}/chart.png", headers=ACME_KEY).status_code == 404
        assert httpx.delete(f"{api}/acme-latency", headers=DEFAULT_KEY).status_code == 404
        listed = _json(_cli(["slo", "list", "--json", "--tenant", "acme"], env, tmp_path))
        assert [r["name"] for r in listed] == ["acme-latency"]

        bad = httpx.post(api, content="name: too-high\nservice: checkout\nsli: {type: error_rate}\n"
                         "target: 150\nwindow: 30d\n", headers=ACME_KEY)  # fmt: skip
        assert bad.status_code == 400
        assert "slo 'too-high': target: Input should be less than 100" in bad.json()["detail"]
        garbled = httpx.post(api, content="name: [unclosed\n", headers=ACME_KEY)
        assert garbled.status_code == 400
        assert "not valid YAML" in garbled.json()["detail"]
        no_threshold = httpx.post(api, content="name: slow\nservice: checkout\nsli: {type: latency}\ntarget: 99\n"
                                  "window: 30d\n", headers=ACME_KEY)  # fmt: skip
        assert no_threshold.status_code == 400
        assert "sli: a latency SLI needs threshold_ms" in no_threshold.json()["detail"]
        assert [r["name"] for r in httpx.get(api, headers=ACME_KEY).json()["slos"]] == ["acme-latency"]

        for i in range(2):  # the service draws charts again and again, not once per process
            chart = httpx.get(f"{api}/{NAME}/chart.png", headers=DEFAULT_KEY, params={"at": at.isoformat()},
                              timeout=60)  # fmt: skip
            assert chart.status_code == 200, chart.text
            assert chart.headers["content-type"] == "image/png"
            (tmp_path / f"api{i}.png").write_bytes(chart.content)
            _assert_chart(chart.content, tmp_path / f"api{i}.png")

        gone = httpx.delete(f"{api}/acme-latency", headers=ACME_KEY)
        assert gone.status_code == 204
        assert httpx.get(api, headers=ACME_KEY).json()["slos"] == []
        assert svc.stop() == 0
    finally:
        svc.kill()


def test_the_service_loop_pages_on_an_outage_and_records_a_signal(tmp_path):
    started = datetime.now(UTC)
    store = Store(f"chdb://{tmp_path / 'svc-data'}")
    try:
        store.migrate()
        # payments fails every request of the last 10 minutes (wall clock: the service evaluates "now")
        insert_minutes(store, started - timedelta(minutes=10), 10,
                       per_minute=lambda i: Minute(total=30, errors=30, service="payments",
                                                   span_name="POST /api/pay", route="/api/pay"))  # fmt: skip
    finally:
        store.close()
    slos = _slo_dir(tmp_path, payments="name: payments-availability\nservice: payments\nsli: {type: error_rate}\n"
                                       "target: 99.9\nwindow: 30d\n")  # fmt: skip
    svc = start_service(tmp_path, {"OLLYSTACK_SLO_DIR": str(slos), "OLLYSTACK_SLO_EVAL_INTERVAL_S": "1"})
    try:
        deadline = time.monotonic() + 30
        while True:
            resp = httpx.get(f"{svc.api_url}/api/v1/slos/payments-availability", timeout=30)
            r = resp.json() if resp.status_code == 200 else {}
            pages = [a for a in r.get("alerts", []) if a["severity"] == "page"]
            # `since` before the request's own time: the loop recorded the alert firing earlier
            if pages and all(datetime.fromisoformat(a["since"]) < datetime.fromisoformat(r["at"]) for a in pages):
                break
            assert time.monotonic() < deadline, (resp.text, "".join(svc.output))
            time.sleep(0.3)
        # every window is all errors: 100% bad / 0.1% allowed = 1000x, so all four rules fire
        assert sorted((a["severity"], a["long_window"], a["short_window"]) for a in r["alerts"]) == [
            ("page", "1h", "5m"), ("page", "6h", "30m"), ("ticket", "1d", "2h"), ("ticket", "3d", "6h")]  # fmt: skip
        assert r["status"] == "BREACHED"
        time.sleep(2.5)  # a few more 1-second cycles: a burn that goes on is not raised again
        assert svc.stop() == 0
    finally:
        svc.kill()

    store = svc.open_store()
    try:
        signals = [s for s in StoreSignals(store).recent("default", started - timedelta(minutes=1))
                   if s.kind == "slo_burn_rate"]  # fmt: skip
    finally:
        store.close()
    raised = sorted((s.severity, s.evidence["long_window"], s.evidence["short_window"]) for s in signals)
    assert raised == [("critical", "1h", "5m"), ("critical", "6h", "30m"),
                      ("warning", "1d", "2h"), ("warning", "3d", "6h")]  # fmt: skip
    page = next(s for s in signals if s.evidence["long_window"] == "1h")
    assert (page.source, page.state, page.service) == ("slo", "firing", "payments")
    assert page.series == "payments-availability"
    assert page.evidence["slo"] == "payments-availability"
    assert page.evidence["severity"] == "page"
    assert page.evidence["burn_rate_threshold"] == pytest.approx(14.4)
    assert (page.evidence["long_burn_rate"], page.evidence["short_burn_rate"]) == pytest.approx((1000.0, 1000.0))
    assert page.evidence["sli"] == 0.0
    assert "payments-availability is burning its error budget" in page.title
    assert started <= page.at <= datetime.now(UTC)

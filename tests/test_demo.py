"""`ollystack demo` (what `make demo` runs): service up, history, replayed bad deploy, SLOs, incidents,
honest gaps."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_shows_the_bad_deploy_as_it_happens_and_what_is_not_built(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLYSTACK_")}
    run = subprocess.run(
        [sys.executable, "-m", "ollystack.cli", "demo", "--data-dir", str(tmp_path / "demo"), "--history", "20m",
         "--replay", "4m", "--speed", "60"],
        env=env | {"COLUMNS": "200"}, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    out = run.stdout
    assert run.returncode == 0, run.stderr + out
    assert "service up" in out and "backfilling" in out
    minutes = [line for line in out.splitlines() if "charges" in line and "version" in line]
    assert len(minutes) == 4
    first, last = (line.rsplit("version ", 1)[1].strip() for line in (minutes[0], minutes[-1]))
    assert first != last and "," not in first  # the new version appears mid-replay
    assert "not available yet: incident channel in Slack or Teams" in out
    # the shop's example SLOs are evaluated after the replay, and the incidents so far are listed
    assert "SLOs (4 defined in" in out and "payments-charge-availability" in out
    assert "incidents (" in out
    assert "ground truth: bad_deploy of payments" in out

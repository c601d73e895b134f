"""Start `ollystack serve` as a child process and learn its ports (demo, benchmarks, tests).

The embedded store belongs to one process, so tools that want the service and a look at its
data run the service as a child and talk to it over its ports.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

READY_RE = re.compile(r"ollystack ready otlp_http=[^:]+:(\d+) otlp_grpc=[^:]+:(\d+) api=[^:]+:(\d+)")


@dataclass
class Child:
    proc: subprocess.Popen[str]
    otlp_http: int
    otlp_grpc: int
    api: int
    output: list[str]


def launch(data_dir: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> Child:
    """Run `ollystack serve` on `data_dir` with ephemeral ports unless `env` sets them."""
    full_env = {
        **os.environ,
        "OLLYSTACK_OTLP_HTTP_PORT": "0",
        "OLLYSTACK_OTLP_GRPC_PORT": "0",
        "OLLYSTACK_API_PORT": "0",
        **(env or {}),
        "OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data_dir}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ollystack.cli", "serve"],
        env=full_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    output: list[str] = []
    for line in proc.stdout:
        output.append(line)
        m = READY_RE.search(line)
        if m:
            child = Child(proc, int(m.group(1)), int(m.group(2)), int(m.group(3)), output)
            threading.Thread(target=_drain, args=(proc, output), daemon=True).start()
            return child
    proc.wait()
    raise RuntimeError("ollystack serve did not start:\n" + "".join(output[-20:]))


def _drain(proc: subprocess.Popen[str], output: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        output.append(line)

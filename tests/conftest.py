"""Shared fixtures: a fresh embedded store, and `ollystack serve` run as a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ollystack.launch import READY_RE
from ollystack.store import Store

READY = READY_RE


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated embedded store in a temp dir; closed after the test so the next can open another."""
    s = Store(f"chdb://{tmp_path / 'data'}")
    s.migrate()
    try:
        yield s
    finally:
        s.close()


@dataclass
class ServiceProc:
    """A running `ollystack serve`, with its ports and its output so far."""

    proc: subprocess.Popen[str]
    data_dir: Path
    otlp_http: int = 0
    otlp_grpc: int = 0
    api: int = 0
    output: list[str] = field(default_factory=list)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.otlp_http}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api}"

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait: the graceful path that flushes pending batches."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)

    def open_store(self) -> Store:
        """The data directory, opened the way a user would after the service stopped."""
        assert self.proc.poll() is not None, "stop the service first: chDB allows one process per directory"
        return Store(f"chdb://{self.data_dir}")


def start_service(tmp_path: Path, env: dict[str, str] | None = None, timeout: float = 90) -> ServiceProc:
    data_dir = tmp_path / "svc-data"
    full_env = {
        **os.environ,
        "OLLYSTACK_CLICKHOUSE_URL": f"chdb://{data_dir}",
        "OLLYSTACK_OTLP_HTTP_PORT": "0",
        "OLLYSTACK_OTLP_GRPC_PORT": "0",
        "OLLYSTACK_API_PORT": "0",
        "OLLYSTACK_CONFIG": "",
        **(env or {}),
    }
    full_env.pop("OLLYSTACK_CONFIG")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ollystack.cli", "serve"],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    svc = ServiceProc(proc, data_dir)
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            svc.output.append(line)
            m = READY.search(line)
            if m:
                svc.otlp_http, svc.otlp_grpc, svc.api = (int(g) for g in m.groups())
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("ollystack serve did not start:\n" + "".join(svc.output))
    return svc


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ServiceProc]:
    svc = start_service(tmp_path)
    try:
        yield svc
    finally:
        svc.kill()

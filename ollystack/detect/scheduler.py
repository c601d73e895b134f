"""Runs detectors on a clock: live every N seconds inside `ollystack serve`, or stepped in virtual
time by tests and evals. Signals go to every sink (the store, the incident manager)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..signals import Signal, SignalSink
from ..store import Store

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> float: ...


class Detector(Protocol):
    name: str

    def run(self, tenant: str, now: datetime) -> list[Signal]: ...


def active_tenants(store: Store, now: datetime, lookback: timedelta = timedelta(days=1)) -> list[str]:
    """Tenants with telemetry (spans, metrics or logs) in the last day (an operator-level read across tenants)."""
    db = store.options.database
    rows = store.client.query(
        f"""SELECT DISTINCT TenantId FROM (
                SELECT TenantId FROM {db}.otel_traces WHERE Timestamp >= {{since:DateTime64(9)}}
                UNION ALL SELECT TenantId FROM {db}.otel_metrics_gauge WHERE TimeUnix >= {{since:DateTime64(9)}}
                UNION ALL SELECT TenantId FROM {db}.otel_metrics_sum WHERE TimeUnix >= {{since:DateTime64(9)}}
                UNION ALL SELECT TenantId FROM {db}.otel_metrics_histogram WHERE TimeUnix >= {{since:DateTime64(9)}}
                UNION ALL SELECT TenantId FROM {db}.otel_logs WHERE TimestampTime >= {{since:DateTime64(9)}})
            ORDER BY 1""",
        parameters={"since": now - lookback},
    ).result_rows
    return [r[0] for r in rows]


class Scheduler:
    def __init__(self, store: Store, clock: Clock, detectors: list[Detector], sinks: list[SignalSink],
                 interval: float = 60.0, after: list[Callable[[], object]] | None = None) -> None:  # fmt: skip
        """`after`: work to run after each cycle (the incident manager's tick)."""
        self.store, self.clock, self.detectors, self.sinks, self.interval = store, clock, detectors, sinks, interval
        self.after = list(after or [])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="detectors", daemon=True)

    def cycle(self) -> list[Signal]:
        now = datetime.fromtimestamp(self.clock.now(), UTC)
        out: list[Signal] = []
        for tenant in active_tenants(self.store, now):
            for det in self.detectors:
                try:
                    signals = det.run(tenant, now)
                except Exception:  # one detector's failure must not silence the others
                    log.exception("detector %s failed for tenant %s", det.name, tenant)
                    continue
                for signal in signals:
                    for sink in self.sinks:
                        try:
                            sink.emit(signal)
                        except Exception:  # a sink that fails must not lose the signal for the others
                            log.exception("signal sink %r failed", sink)
                out += signals
        for fn in self.after:
            try:
                fn()
            except Exception:
                log.exception("after-cycle step %r failed", fn)
        return out

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.cycle()
            except Exception:  # keep going; the log says why this cycle failed
                log.exception("detector cycle failed")
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

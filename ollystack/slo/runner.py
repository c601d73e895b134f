"""The SLO loop inside `ollystack serve`: reload definitions when files change, evaluate, repeat."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..signals import SignalSink
from ..store import Store
from .evaluator import Clock, Evaluator
from .loader import SUFFIXES, SLOSpecError
from .registry import Registry

log = logging.getLogger(__name__)


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    if not folder.is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                        for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()))  # fmt: skip


class SLOLoop:
    def __init__(self, store: Store, clock: Clock, folder: Path, sinks: list[SignalSink], interval: float) -> None:
        self.evaluator = Evaluator(store, clock, sinks)
        self.registry = Registry(store)
        self.folder = folder
        self.interval = interval
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slo-evaluator", daemon=True)
        self.last_error: str | None = None

    def reload(self) -> None:
        """Sync the directory when it changed; a broken file keeps the previous definitions."""
        seen = _fingerprint(self.folder)
        if seen == self._seen:
            return
        try:
            report = self.registry.sync_dir(self.folder)
            self.last_error = None
            if report["saved"] or report["removed"]:
                log.info("SLO definitions: saved %s, removed %s", report["saved"], report["removed"])
        except SLOSpecError as exc:
            self.last_error = str(exc)
            log.error("SLO definitions not reloaded: %s", exc)
        self._seen = seen

    def step(self) -> None:
        self.reload()
        self.evaluator.cycle()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # keep evaluating next cycle; the log says why this one failed
                log.exception("SLO evaluation cycle failed")
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

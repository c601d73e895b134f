"""Micro-batching with acknowledgement after commit.

Receivers `submit` a checked request (its frames per staging table) and await it; a writer
thread joins the frames of all waiting requests per staging table, commits each table's batch in
one INSERT, and only then resolves their futures, so an acknowledged export is on disk. A batch
is flushed when it is big enough, when its oldest request has waited `max_delay`, or after a
brief `linger` when no other request is being received — the last rule gives low latency when
idle and large batches under load (group commit).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .selfmetrics import IngestMetrics

log = logging.getLogger(__name__)

WriteFn = Callable[[str, bytes], None]


class Overloaded(Exception):
    """The queue is full; the client should retry after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"ingest queue is full; retry in {retry_after:.0f}s")
        self.retry_after = retry_after


class CommitFailed(Exception):
    """The store did not take the batch; nothing was acknowledged and the client may retry."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ShuttingDown(Exception):
    """The service is stopping and accepts no new data."""


@dataclass
class _Pending:
    signal: str
    parts: dict[str, bytes]
    items: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    enqueued: float = field(default_factory=time.monotonic)


class Batcher:
    def __init__(
        self,
        write: WriteFn,
        metrics: IngestMetrics,
        *,
        max_batch_items: int = 50_000,
        max_delay: float = 0.2,
        linger: float = 0.005,
        max_queue_items: int = 500_000,
        writers: int = 1,
        is_permanent_error: Callable[[Exception], bool] = lambda exc: False,
    ) -> None:
        self._write = write
        self._metrics = metrics
        self.max_batch_items = max_batch_items
        self.max_delay = max_delay
        self.linger = min(linger, max_delay)
        self.max_queue_items = max_queue_items
        self._is_permanent = is_permanent_error
        self._cond = threading.Condition()
        self._pending: list[_Pending] = []
        self._pending_items = 0
        self._queued_items = 0  # pending plus the batch being committed
        self._arriving = 0
        self._closing = False
        self._writers = max(1, writers)
        self._threads: list[threading.Thread] = []
        self._rate = 20_000.0  # items/s, smoothed; sizes Retry-After

    # -- receiver side ----------------------------------------------------------------------
    def arriving(self) -> _Arrival:
        """Context manager a receiver holds while it reads and checks a request."""
        return _Arrival(self)

    async def submit(self, signal: str, parts: dict[str, bytes], items: int) -> None:
        """Queue one checked request and wait until it is committed (or raise)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._cond:
            if self._closing:
                raise ShuttingDown("OllyStack is shutting down")
            if self._queued_items + items > self.max_queue_items and self._queued_items > 0:
                raise Overloaded(self.retry_after())
            self._pending.append(_Pending(signal, parts, items, loop, fut))
            self._pending_items += items
            self._queued_items += items
            self._metrics.queue_items.set(self._queued_items)
            self._cond.notify()
        await asyncio.shield(fut)

    def retry_after(self) -> float:
        return min(30.0, max(1.0, self._queued_items / max(self._rate, 1.0)))

    @property
    def queued_items(self) -> int:
        return self._queued_items

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer threads; with several, batches commit concurrently (one store
        connection each)."""
        for i in range(self._writers):
            thread = threading.Thread(target=self._run, name=f"ollystack-writer-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self, timeout: float | None = None) -> None:
        """Stop taking requests, commit everything already taken, then return."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        for thread in self._threads:
            thread.join(timeout)

    # -- writer thread -----------------------------------------------------------------------
    def _ready(self) -> bool:
        if not self._pending:
            return False
        if self._closing or self._pending_items >= self.max_batch_items:
            return True
        age = time.monotonic() - self._pending[0].enqueued
        # with nobody else mid-request, wait only a moment for stragglers of the same burst
        return age >= (self.linger if self._arriving == 0 else self.max_delay)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._ready():
                    if self._closing and not self._pending:
                        return
                    self._cond.wait(timeout=0.002 if self._pending else 0.5)
                batch, self._pending = self._pending, []
                self._pending_items = 0
            try:
                self._commit(batch)
            except Exception as exc:
                log.exception("writer failed; answering the batch with an error")
                self._answer(batch, {id(p): CommitFailed(f"internal error: {exc}") for p in batch})
            # The clients just answered usually send again at once: give them a moment to arrive,
            # so the next batch holds their requests too instead of half of them.
            deadline = time.monotonic() + self.linger
            with self._cond:
                while not self._closing and self._pending_items < self.max_batch_items:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(timeout=left)

    def _commit(self, batch: list[_Pending]) -> None:
        failed: dict[int, Exception] = {}
        stages: dict[str, list[_Pending]] = {}
        for p in batch:
            for stage in p.parts:
                stages.setdefault(stage, []).append(p)
        for stage, members in stages.items():
            for group, exc in self._write_stage(stage, members):
                for p in group:
                    failed.setdefault(id(p), exc)
        self._answer(batch, failed)

    def _answer(self, batch: list[_Pending], failed: dict[int, Exception]) -> None:
        # free the queue before answering, or a client's next request could meet a "full" queue
        with self._cond:
            self._queued_items -= sum(p.items for p in batch)
            self._metrics.queue_items.set(self._queued_items)
        for p in batch:
            try:
                p.loop.call_soon_threadsafe(_set_result, p.future, failed.get(id(p)))
            except RuntimeError:  # the event loop is gone (shutdown): nobody is waiting any more
                log.warning("could not answer a request: its event loop is closed")

    def _write_stage(self, stage: str, members: list[_Pending]) -> list[tuple[list[_Pending], Exception]]:
        """Commit one stage's frames; when the data is refused, retry request by request to isolate
        the bad one (a store outage fails the whole group at once, so nobody waits N timeouts)."""
        items = sum(p.items for p in members)
        signal = members[0].signal
        started = time.perf_counter()
        try:
            self._write(stage, b"".join(p.parts[stage] for p in members))
        except Exception as exc:  # noqa: BLE001 - any store failure must reach the waiting clients
            self._metrics.commit_failures.labels(signal).inc()
            permanent = self._is_permanent(exc)
            if permanent and len(members) > 1:
                # some request's data cannot be stored: find it, and store the others
                log.warning("batch of %d requests for %s refused (%s); retrying one by one", len(members), stage, exc)
                return [f for p in members for f in self._write_stage(stage, [p])]
            log.error("commit of %d %s requests failed: %s", len(members), stage, exc)
            return [(members, CommitFailed(str(exc), retryable=not permanent))]
        elapsed = time.perf_counter() - started
        self._rate = 0.8 * self._rate + 0.2 * (items / max(elapsed, 1e-6))
        self._metrics.batch_items.labels(signal).observe(items)
        self._metrics.commit_seconds.labels(signal).observe(elapsed)
        return []


def _set_result(fut: asyncio.Future[None], exc: Exception | None) -> None:
    if fut.done():
        return
    if exc is None:
        fut.set_result(None)
    else:
        fut.set_exception(exc)


class _Arrival:
    def __init__(self, batcher: Batcher) -> None:
        self._b = batcher

    def __enter__(self) -> None:
        with self._b._cond:
            self._b._arriving += 1

    def __exit__(self, *exc: object) -> None:
        with self._b._cond:
            self._b._arriving -= 1
            self._b._cond.notify()

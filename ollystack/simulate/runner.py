"""Backfill history fast in virtual time, then keep the shop running live on the wall clock."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import Queue

from .clock import Clock, VirtualClock, WallClock
from .generator import Produced, ShopSimulator
from .sender import OtlpSender

MINUTE = 60.0


@dataclass
class Progress:
    """What a run has sent so far (for the terminal and for tests)."""

    until: float = 0.0  # data time reached
    requests: int = 0
    spans: int = 0
    logs: int = 0
    seconds: float = 0.0  # wall time spent


def backfill(
    sim: ShopSimulator,
    sender: OtlpSender,
    start: float,
    end: float,
    window: float = 3600.0,
    on_window: Callable[[Progress], None] | None = None,
) -> Progress:
    """Produce and send [start, end) window by window, as fast as the endpoint takes it.

    Producing the next window overlaps with sending the previous one (one sender thread), so
    the simulator's and the service's work share the machine's cores.
    """
    start = math.floor(start / MINUTE) * MINUTE
    clock = VirtualClock(start)
    progress = Progress(until=start)
    began = time.perf_counter()
    outbox: Queue[Produced | None] = Queue(maxsize=2)
    failure: list[BaseException] = []

    def ship() -> None:
        while (produced := outbox.get()) is not None:
            try:
                if not failure:
                    sender.send(produced)
            except BaseException as exc:  # noqa: BLE001 - reported to the producing thread
                failure.append(exc)

    shipper = threading.Thread(target=ship, name="simulate-sender", daemon=True)
    shipper.start()
    try:
        while clock.now() < end and not failure:
            lo = clock.now()
            hi = min(end, lo + window)
            produced = sim.run(lo, hi)
            outbox.put(produced)
            clock.set(hi)
            progress.until = hi
            progress.requests += produced.requests
            progress.spans += len(produced.spans)
            progress.logs += len(produced.logs)
            progress.seconds = time.perf_counter() - began
            if on_window:
                on_window(progress)
    finally:
        outbox.put(None)
        shipper.join()
    if failure:
        raise failure[0]
    progress.seconds = time.perf_counter() - began
    return progress


def run_live(
    sim: ShopSimulator,
    sender: OtlpSender,
    start: float,
    duration: float,
    clock: Clock | None = None,
    stop: threading.Event | None = None,
    on_step: Callable[[Progress], None] | None = None,
) -> Progress:
    """Keep producing each minute once it has passed on `clock` (whole minutes keep metric points
    one per minute), until `duration` seconds of data time are sent or `stop` is set."""
    clock = clock or WallClock()
    stop = stop or threading.Event()
    last = math.floor(start / MINUTE) * MINUTE
    progress = Progress(until=last)
    began = time.perf_counter()
    deadline = last + duration
    while last < deadline and not stop.is_set():
        nxt = min(last + MINUTE, deadline)
        if clock.now() < nxt:
            stop.wait(min(1.0, nxt - clock.now()))
            continue
        produced = sim.run(last, nxt)
        sender.send(produced)
        last = nxt
        progress.until = nxt
        progress.requests += produced.requests
        progress.spans += len(produced.spans)
        progress.logs += len(produced.logs)
        progress.seconds = time.perf_counter() - began
        if on_step:
            on_step(progress)
    return progress

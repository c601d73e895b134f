"""Backfill history fast in virtual time, then keep the shop running live on the wall clock."""

from __future__ import annotations

import math
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from queue import Queue

from .clock import Clock, VirtualClock, WallClock
from .faults import Fault
from .generator import Produced, ShopSimulator
from .sender import OtlpSender
from .topology import build_shop
from .traffic import TrafficModel

MINUTE = 60.0


@dataclass
class Progress:
    """What a run has sent so far (for the terminal and for tests)."""

    until: float = 0.0  # data time reached
    requests: int = 0
    spans: int = 0
    logs: int = 0
    seconds: float = 0.0  # wall time spent

    def add(self, produced: Produced, until: float, began: float) -> None:
        self.until = until
        self.requests += produced.requests
        self.spans += len(produced.spans)
        self.logs += len(produced.logs)
        self.seconds = time.perf_counter() - began


def backfill(
    sim: ShopSimulator,
    sender: OtlpSender,
    start: float,
    end: float,
    window: float = 3600.0,
    on_window: Callable[[Progress], None] | None = None,
    senders: int = 2,
) -> Progress:
    """Produce and send [start, end) window by window, as fast as the endpoint takes it.

    Producing the next windows overlaps with sending earlier ones (`senders` threads, each with
    its own exporters), so the simulator's and the service's work share the machine's cores.
    """
    start = math.floor(start / MINUTE) * MINUTE
    clock = VirtualClock(start)
    progress = Progress(until=start)
    began = time.perf_counter()
    outbox: Queue[Produced | None] = Queue(maxsize=senders + 1)
    failure: list[BaseException] = []

    def ship(own: OtlpSender) -> None:
        while (produced := outbox.get()) is not None:
            try:
                if not failure:
                    own.send(produced)
            except BaseException as exc:  # noqa: BLE001 - reported to the producing thread
                failure.append(exc)
        if own is not sender:
            own.close()

    shippers = [
        threading.Thread(target=ship, args=(sender if i == 0 else sender.clone(),), name=f"simulate-sender-{i}",
                         daemon=True)
        for i in range(max(1, senders))
    ]  # fmt: skip
    for shipper in shippers:
        shipper.start()
    try:
        while clock.now() < end and not failure:
            lo = clock.now()
            hi = min(end, lo + window)
            produced = sim.run(lo, hi)
            outbox.put(produced)
            clock.set(hi)
            progress.add(produced, hi, began)
            if on_window:
                on_window(progress)
    finally:
        for _ in shippers:
            outbox.put(None)
        for shipper in shippers:
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
        progress.add(produced, nxt, began)
        if on_step:
            on_step(progress)
    return progress


@dataclass(frozen=True)
class SimSpec:
    """Everything needed to rebuild a simulator in another process."""

    seed: int
    rps: float
    faults: tuple[Fault, ...] = ()
    environment: str = "simulation"

    def build(self, salt: int = 0) -> ShopSimulator:
        shop = build_shop(self.seed)
        traffic = TrafficModel(base_rps=self.rps, seed=self.seed)
        return ShopSimulator(shop, traffic, list(self.faults), seed=self.seed * 1_000_003 + salt,
                             environment=self.environment)  # fmt: skip


def _backfill_slice(spec: SimSpec, endpoint: str, headers: dict[str, str] | None, lo: float, hi: float) -> Progress:
    sender = OtlpSender(endpoint, headers=headers)
    try:
        return backfill(spec.build(salt=int(lo)), sender, lo, hi, senders=1)
    finally:
        sender.close()


def backfill_parallel(
    spec: SimSpec,
    endpoint: str,
    start: float,
    end: float,
    processes: int = 2,
    headers: dict[str, str] | None = None,
) -> Progress:
    """`backfill` split into contiguous slices produced by separate processes (the simulator is
    Python, so one process uses one core). Each slice has its own seed derived from the scenario
    seed and the slice's start, so a run is reproducible for the same slicing."""
    start = math.floor(start / MINUTE) * MINUTE
    hours = max(1, math.ceil((end - start) / 3600))
    per = math.ceil(hours / processes) * 3600
    slices = [(lo, min(end, lo + per)) for lo in range(int(start), int(end), int(per))]
    began = time.perf_counter()
    total = Progress(until=start)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(slices), mp_context=ctx) as pool:
        futures = [pool.submit(_backfill_slice, spec, endpoint, headers, lo, hi) for lo, hi in slices]
        for fut in futures:
            part = fut.result()
            total.requests += part.requests
            total.spans += part.spans
            total.logs += part.logs
    total.until = end
    total.seconds = time.perf_counter() - began
    return total

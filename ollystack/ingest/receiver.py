"""The part of a receiver that is the same for HTTP and gRPC: check, submit, count."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from google.protobuf.message import Message

from .batcher import Batcher
from .otlp import OFFLOAD_BYTES, Checked, Signal, check
from .selfmetrics import IngestMetrics


@dataclass
class Receiver:
    batcher: Batcher
    metrics: IngestMetrics
    retention_days: dict[str, int] = field(default_factory=dict)

    def not_before(self, signal: str) -> int:
        """Items older than this (ns) would be dropped by retention at once; they are rejected."""
        days = self.retention_days.get(signal, 0)
        return time.time_ns() - days * 86_400 * 1_000_000_000 if days > 0 else 0

    async def accept(self, signal: Signal, tenant: str, msg: Message, protocol: str) -> Checked:
        """Store the valid items of a decoded request; return what to report back.

        Raises the batcher's Overloaded / CommitFailed / ShuttingDown; nothing is acknowledged then.
        """
        not_before = self.not_before(signal)
        if msg.ByteSize() > OFFLOAD_BYTES:  # keep the event loop (every receiver) responsive
            checked = await asyncio.to_thread(check, signal, msg, tenant, not_before)
        else:
            checked = check(signal, msg, tenant, not_before)
        if checked.rejected:
            self.metrics.items.labels(signal, "rejected").inc(checked.rejected)
        if checked.accepted:
            await self.batcher.submit(signal, checked.payloads, checked.accepted)
            self.metrics.items.labels(signal, "accepted").inc(checked.accepted)
        result = "ok" if not checked.rejected else "partial" if checked.accepted else "all_rejected"
        self.reject_or_ok(signal, protocol, result)
        return checked

    def reject_or_ok(self, signal: str, protocol: str, result: str) -> None:
        self.metrics.requests.labels(signal, protocol, result).inc()

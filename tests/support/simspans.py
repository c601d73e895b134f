"""The simulated shop's spans written through the store, as the OTLP receivers would write them.

Why not through a running service: topology tests need exact spans at fixed virtual times, many
times over; `Store.insert_otlp` takes the same serialized requests the receivers take.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from ollystack.simulate.faults import Fault
from ollystack.simulate.generator import ShopSimulator
from ollystack.simulate.topology import Shop
from ollystack.simulate.traffic import TrafficModel
from ollystack.store import Store


def simulate(shop: Shop, start: float, end: float, rps: float, seed: int, faults: Sequence[Fault] = ()) -> list[Any]:
    """The SDK's spans of every request in [start, end) (`seed` also seeds the ids: vary it per stretch)."""
    sim = ShopSimulator(shop, TrafficModel(base_rps=rps, seed=seed), list(faults), seed=seed)
    return sim.run(start, end).spans


def insert_spans(store: Store, spans: Sequence[Any], tenant: str = "default") -> None:
    for lo in range(0, len(spans), 20_000):
        store.insert_otlp("traces", tenant, [encode_spans(spans[lo : lo + 20_000]).SerializeToString()])

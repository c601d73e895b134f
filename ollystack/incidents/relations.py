"""Which services are related, so signals of a caller and its callee become one incident.

The service map (`topology.TopologyRelations`: callers and callees seen in the last hour of spans)
answers these questions in the service; `incidents/` may not import `topology/`, so the
composition root passes it in. Without relations, only signals of the same service group.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable


class Relations(Protocol):
    def related(self, tenant: str, service_a: str, service_b: str) -> bool:
        """True when one of the two services calls the other (either direction)."""
        ...


@runtime_checkable
class Directed(Protocol):
    """Relations that also know the direction; with it, incidents name a suspected cause."""

    def calls(self, tenant: str, caller: str, callee: str) -> bool: ...


class StaticRelations:
    """Fixed caller→callee pairs (declared dependencies, or a topology snapshot)."""

    def __init__(self, edges: Iterable[tuple[str, str]]) -> None:
        self.edges = frozenset(edges)

    def calls(self, tenant: str, caller: str, callee: str) -> bool:
        return (caller, callee) in self.edges

    def related(self, tenant: str, service_a: str, service_b: str) -> bool:
        return self.calls(tenant, service_a, service_b) or self.calls(tenant, service_b, service_a)

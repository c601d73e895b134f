"""What the service map capability returns: typed, and the same JSON for the CLI, API and tools.

Why pydantic here: these objects leave the process (CLI `--json`, HTTP API, the agent's tools),
and `ollystack map --json` is an interface other parts rely on (`nodes[].name|kind`,
`edges[].source|target|calls|errors|p95_ms`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

NodeKind = Literal["service", "database", "cache", "queue", "external"]
EdgeKind = Literal["sync", "async", "database", "cache", "messaging", "external"]
Health = Literal["ok", "warning", "critical", "idle"]

#: an error ratio at or above these makes a node or edge `warning` / `critical`
WARNING_ERROR_RATIO = 0.01
CRITICAL_ERROR_RATIO = 0.05


def health(calls: int, errors: int) -> Health:
    if calls <= 0:
        return "idle"
    ratio = errors / calls
    return "critical" if ratio >= CRITICAL_ERROR_RATIO else "warning" if ratio >= WARNING_ERROR_RATIO else "ok"


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


class TraceLink(BaseModel):
    """An example trace of an edge or node: open it with `ollystack query trace ID` or the URL."""

    trace_id: str
    why: Literal["sample", "error", "slowest"]
    url: str

    @staticmethod
    def of(sample: str, error: str, slow: str) -> list[TraceLink]:
        out, seen = [], set()
        for why, tid in (("error", error), ("slowest", slow), ("sample", sample)):
            if tid and tid not in seen:
                seen.add(tid)
                out.append(TraceLink(trace_id=tid, why=why, url=f"/api/v1/traces/{tid}"))  # type: ignore[arg-type]
        return out


class Operation(BaseModel):
    """One endpoint (span name) a service serves."""

    name: str
    span_kind: str
    requests: int
    errors: int
    error_ratio: float | None
    entry_requests: int = Field(description="requests that entered the system here (trace roots)")
    p50_ms: float
    p95_ms: float
    p99_ms: float
    traces: list[TraceLink] = Field(default_factory=list)


class Node(BaseModel):
    name: str
    kind: NodeKind
    requests: int = Field(description="requests served (services) or calls received (other nodes)")
    errors: int
    error_ratio: float | None
    rate_per_min: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    health: Health
    entry: bool = Field(False, description="requests enter the system here (trace roots)")
    operations: list[Operation] = Field(default_factory=list)
    traces: list[TraceLink] = Field(default_factory=list)


class Edge(BaseModel):
    source: str
    target: str
    kind: EdgeKind
    target_kind: NodeKind
    calls: int
    errors: int
    error_ratio: float | None
    rate_per_min: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    health: Health
    traces: list[TraceLink] = Field(default_factory=list)


class ServiceMap(BaseModel):
    tenant: str
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    service: str | None = None
    depth: int | None = None
    nodes: list[Node]
    edges: list[Edge]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    def edge(self, source: str, target: str) -> Edge | None:
        return next((e for e in self.edges if e.source == source and e.target == target), None)


# -- deployments ----------------------------------------------------------------------------------
class Deployment(BaseModel):
    """A new version of a service going live. `source` says who reported it: `spans` (a change of
    `service.version` in the telemetry) or a deployment tracker (GitHub, GitLab, …)."""

    service: str
    version: str
    previous_version: str | None = None
    at: datetime
    source: str = "spans"
    url: str | None = None


class Window(BaseModel):
    calls: int
    errors: int
    error_ratio: float | None
    rate_per_min: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


class EdgeDelta(BaseModel):
    """One edge before and after a deployment."""

    source: str
    target: str
    kind: EdgeKind
    target_kind: NodeKind
    change: Literal["changed", "added", "removed"]
    before: Window | None
    after: Window | None
    rate_ratio: float | None = Field(None, description="calls per minute after ÷ before")
    error_ratio_delta: float | None = Field(None, description="error ratio after − before (0.02 = 2 points)")
    p95_delta_ms: float | None = None
    p95_ratio: float | None = None
    traces: list[TraceLink] = Field(default_factory=list)


class DeployComparison(BaseModel):
    tenant: str
    service: str
    at: datetime
    deployment: Deployment | None
    before_from: datetime
    before_to: datetime
    after_from: datetime
    after_to: datetime
    service_before: Window | None
    service_after: Window | None
    edges: list[EdgeDelta]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# -- dependency changes ---------------------------------------------------------------------------
class EdgeChange(BaseModel):
    change: Literal["new", "vanished"]
    source: str
    target: str
    kind: EdgeKind
    target_kind: NodeKind
    calls: int = Field(description="calls in the recent window")
    baseline_calls: int
    expected_calls: float | None = Field(None, description="vanished: calls the recent window should have had")
    first_seen: datetime | None = Field(None, description="new: first minute with calls")
    new_node: str | None = Field(None, description="new: the node this edge brought into the map")
    deployment: Deployment | None = Field(None, description="a deployment of the caller shortly before")
    traces: list[TraceLink] = Field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.source}->{self.target}"


class NodeChange(BaseModel):
    change: Literal["new", "vanished"]
    name: str
    kind: NodeKind
    calls: int
    baseline_calls: int
    expected_calls: float | None = None


class DependencyChanges(BaseModel):
    tenant: str
    recent_from: datetime
    recent_to: datetime
    baseline_from: datetime
    baseline_to: datetime
    baseline_hours: int = Field(description="hours of the baseline with any traffic")
    new_edges: list[EdgeChange]
    vanished_edges: list[EdgeChange]
    new_nodes: list[NodeChange]
    vanished_nodes: list[NodeChange]
    #: (source, target) of every edge with calls in the recent window (not part of the JSON)
    _recent: set[tuple[str, str]] = PrivateAttr(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def has_calls(self, source: str, target: str) -> bool:
        """True when `source` called `target` in the recent window."""
        return (source, target) in self._recent


# -- blast radius ---------------------------------------------------------------------------------
class EntryPoint(BaseModel):
    """Where requests enter: an endpoint of a service that roots traces, a synthetic check, a RUM
    page, or a queue consumer (async work whose trace starts at the message)."""

    kind: Literal["endpoint", "synthetic", "rum", "consumer"]
    service: str
    name: str
    requests: int
    affected: int = Field(description="requests whose trace reached the trouble")
    affected_errors: int = Field(description="of them, traces where the trouble itself failed")
    share: float | None = Field(description="affected ÷ requests")
    of_trouble: float | None = Field(description="share of the trouble's traffic that came through here")


class UpstreamService(BaseModel):
    name: str
    distance: int = Field(description="calls between this service and the trouble (1: calls it directly)")
    via: list[str] = Field(description="its callees on the way to the trouble")
    requests: int = Field(description="traces through this service in the window")
    affected: int
    share: float | None


class AffectedOperation(BaseModel):
    service: str
    operation: str
    route: str
    requests: int
    affected: int
    share: float | None


class WatchedSLO(BaseModel):
    """An SLO as the blast radius needs it (the `slo` package's SLOs, passed in by the caller)."""

    name: str
    service: str
    route: str | None = None
    span_names: list[str] = Field(default_factory=list)
    check: str | None = None


class SLOAtRisk(BaseModel):
    name: str
    service: str
    why: str
    share: float | None = Field(None, description="share of the SLO's events whose traces reach the trouble")
    status: str | None = None
    error_budget_remaining: float | None = None


class BlastRadius(BaseModel):
    tenant: str
    target: str
    target_kind: Literal["node", "edge"]
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    traces: int = Field(description="traces in the window")
    affected_traces: int
    upstream: list[UpstreamService]
    entry_points: list[EntryPoint]
    operations: list[AffectedOperation]
    slos_at_risk: list[SLOAtRisk] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    @property
    def services(self) -> set[str]:
        """Every service whose requests the trouble reaches (the trouble's own service included)."""
        return {u.name for u in self.upstream} | {o.service for o in self.operations}

"""The service map from spans: edges and nodes with RED metrics, dependency changes, blast radius,
and the map before and after a deployment. Reads and writes only the store."""

from .blast import blast_radius, slos_at_risk
from .changes import dependency_changes
from .deploys import DeploySource, SpanVersions, compare_deploy
from .model import (
    BlastRadius,
    DependencyChanges,
    DeployComparison,
    Deployment,
    Edge,
    EdgeChange,
    Node,
    ServiceMap,
    WatchedSLO,
)
from .relations import TopologyRelations
from .servicemap import build_map
from .updater import TopologyUpdater, UpdateReport

__all__ = [
    "BlastRadius",
    "DependencyChanges",
    "DeployComparison",
    "DeploySource",
    "Deployment",
    "Edge",
    "EdgeChange",
    "Node",
    "ServiceMap",
    "SpanVersions",
    "TopologyRelations",
    "TopologyUpdater",
    "UpdateReport",
    "WatchedSLO",
    "blast_radius",
    "build_map",
    "compare_deploy",
    "dependency_changes",
    "render_png",
    "slos_at_risk",
]


def render_png(smap: ServiceMap) -> bytes:
    """The map as a PNG for chat (matplotlib loads only when a map is drawn)."""
    from .render import render

    return render(smap)

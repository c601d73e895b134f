"""The service map as a PNG for chat: callers on the left, databases and APIs on the right.

Why a layered drawing: a service map is read as "requests flow from left to right", so each
service sits one column right of its deepest caller (longest path from the entry points), and
everything uninstrumented (databases, caches, queues, external APIs) gets the last column.
Within a column, nodes follow the average row of their callers, which keeps most lines short
and uncrossed. Nodes are coloured by health (error ratio), edges are as wide as their traffic
(log scale) and coloured by their p95 latency; async edges are dashed; an edge failing 1% or
more is labelled with its error ratio.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display here; must precede pyplot
import matplotlib.pyplot as plt
from matplotlib.colors import LinearSegmentedColormap, LogNorm
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from .model import Node, ServiceMap

_FILL = {"ok": "#dcedc8", "warning": "#ffe0b2", "critical": "#ffcdd2", "idle": "#eeeeee"}
_BORDER = {"ok": "#2e7d32", "warning": "#ef6c00", "critical": "#c62828", "idle": "#757575"}
_DX, _DY = 3.4, 1.35  # data units between columns and between rows
_SHAPE = {"service": "round,pad=0.45", "database": "square,pad=0.45", "cache": "square,pad=0.45",
          "queue": "round4,pad=0.45", "external": "square,pad=0.45"}  # fmt: skip


def layout(smap: ServiceMap) -> dict[str, tuple[float, float]]:
    """Column (longest call path from an entry) and row of every node."""
    kinds = {n.name: n.kind for n in smap.nodes}
    services = sorted(n for n, k in kinds.items() if k == "service")
    callees: dict[str, set[str]] = defaultdict(set)
    callers: dict[str, set[str]] = defaultdict(set)
    for e in smap.edges:
        callees[e.source].add(e.target)
        callers[e.target].add(e.source)
    depth: dict[str, int] = {}

    def visit(node: str, d: int, path: frozenset[str]) -> None:
        if depth.get(node, -1) >= d or node in path:
            return
        depth[node] = d
        for c in sorted(callees[node]):
            if kinds.get(c) == "service":
                visit(c, d + 1, path | {node})

    roots = [s for s in services if not any(kinds.get(c) == "service" for c in callers[s])] or services[:1]
    for r in roots:
        visit(r, 0, frozenset())
    for s in services:  # a cycle with no entry
        if s not in depth:
            visit(s, 0, frozenset())
    last = max(depth.values(), default=-1) + 1
    for name, kind in kinds.items():
        if kind != "service":
            depth[name] = last
    columns: dict[int, list[str]] = defaultdict(list)
    for name in sorted(depth):
        columns[depth[name]].append(name)
    row: dict[str, float] = {}
    for _ in range(3):  # barycentre sweeps: follow the callers' rows
        for col in sorted(columns):
            names = columns[col]
            keys = {}
            for i, n in enumerate(names):
                ys = [row[c] for c in callers[n] if c in row and depth.get(c, col) < col]
                keys[n] = sum(ys) / len(ys) if ys else i - (len(names) - 1) / 2
            names.sort(key=lambda n: (keys[n], n))
            offset = (len(names) - 1) / 2
            for i, n in enumerate(names):
                row[n] = i - offset
    return {n: (float(depth[n]), -row[n]) for n in depth}


def _label(n: Node) -> str:
    if n.requests == 0:
        return f"{n.name}\n{n.kind} · idle"
    err = f"{100 * (n.error_ratio or 0):.1f}% err"
    return f"{n.name}\n{n.kind} · {n.rate_per_min:,.0f}/min · {err} · p95 {n.p95_ms:,.0f} ms"


def render(smap: ServiceMap) -> bytes:
    """PNG bytes of the map."""
    pos = {n: (x * _DX, y * _DY) for n, (x, y) in layout(smap).items()}
    cols = len({x for x, _ in pos.values()}) or 1
    rows = max((sum(1 for x2, _ in pos.values() if x2 == x) for x, _ in pos.values()), default=1)
    fig, ax = plt.subplots(figsize=(max(8.0, 3.4 * cols + 1.5), max(4.5, 0.95 * rows * _DY + 1.6)), dpi=110)
    xs, ys = [x for x, _ in pos.values()] or [0.0], [y for _, y in pos.values()] or [0.0]
    ax.set_xlim(min(xs) - _DX / 2, max(xs) + _DX / 2)
    ax.set_ylim(min(ys) - _DY * 0.75, max(ys) + _DY * 0.75)
    ax.axis("off")
    boxes = {}
    for n in smap.nodes:
        x, y = pos[n.name]
        boxes[n.name] = ax.text(
            x, y, _label(n), ha="center", va="center", fontsize=8, zorder=3,
            bbox={"boxstyle": _SHAPE.get(n.kind, "round,pad=0.45"), "fc": _FILL[n.health], "ec": _BORDER[n.health],
                  "lw": 2.4 if n.name == smap.service else 1.2, "ls": "--" if n.kind == "external" else "-"},
        )  # fmt: skip
    fig.canvas.draw()  # sizes the boxes, so edges can start and end at their borders
    inverse = ax.transData.inverted()
    extent = {name: inverse.transform(t.get_bbox_patch().get_window_extent()) for name, t in boxes.items()}
    ends = _anchors(smap, pos, extent)
    latencies = [e.p95_ms for e in smap.edges if e.p95_ms > 0]
    norm = LogNorm(vmin=max(min(latencies, default=1.0), 0.1), vmax=max(max(latencies, default=1.0), 1.0) * 1.0001)
    cmap = LinearSegmentedColormap.from_list("heat", ["#4575b4", "#91bfdb", "#fdae61", "#f46d43", "#a50026"])
    top = max((e.calls for e in smap.edges), default=1)
    for e in smap.edges:
        if (e.source, e.target) not in ends:
            continue
        start, end, rad = ends[(e.source, e.target)]
        width = 0.7 + 4.5 * math.log1p(e.calls) / math.log1p(max(top, 1))
        colour = cmap(norm(max(e.p95_ms, norm.vmin))) if e.p95_ms > 0 else "#9e9e9e"
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9 + 1.5 * width, lw=width,
                                     color=colour, alpha=0.9, ls="--" if e.kind == "async" else "-", zorder=2,
                                     connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=1))  # fmt: skip
        if (e.error_ratio or 0) >= 0.01:
            ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, f"{100 * (e.error_ratio or 0):.1f}% err",
                    color="#c62828", fontsize=7, ha="center", va="center", zorder=5, fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#c62828", "lw": 0.6})  # fmt: skip
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, fraction=0.02, pad=0.01)
    bar.set_label("edge p95 latency (ms)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    legend = [Patch(fc=_FILL[h], ec=_BORDER[h], label=h) for h in ("ok", "warning", "critical", "idle")]
    legend += [Line2D([0], [0], color="#555", lw=4, label="width: calls"),
               Line2D([0], [0], color="#555", lw=1.5, ls="--", label="async (via queue)")]  # fmt: skip
    ax.legend(handles=legend, loc="upper left", fontsize=7.5, ncol=6, frameon=False, bbox_to_anchor=(0, 0))
    scope = f" around {smap.service}" if smap.service else ""
    ax.set_title(f"Service map{scope} · {smap.tenant} · {smap.start:%Y-%m-%d %H:%M} – {smap.end:%H:%M} UTC · "
                 "node colour: error ratio (warning ≥ 1%, critical ≥ 5%)", fontsize=9, loc="left")  # fmt: skip
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _anchors(smap: ServiceMap, pos: dict[str, tuple[float, float]], extent: dict[str, Any]
             ) -> dict[tuple[str, str], tuple[tuple[float, float], tuple[float, float], float]]:  # fmt: skip
    """Where each edge leaves its caller's box and enters its callee's: forward edges from the
    right border to the left one, spread over the border in the order of the other ends' rows;
    edges back or within a column from the top border to the top border, bowed."""
    out_of: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    into: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    back = []
    for e in smap.edges:
        if e.source not in extent or e.target not in extent:
            continue
        if pos[e.target][0] > pos[e.source][0]:
            out_of[e.source].append((-pos[e.target][1], e.source, e.target))
            into[e.target].append((-pos[e.source][1], e.source, e.target))
        else:
            back.append((e.source, e.target))

    Ends = dict[tuple[str, str], tuple[float, float]]

    def spread(name: str, items: list[tuple[float, str, str]], right: bool) -> Ends:
        (x0, y0), (x1, y1) = extent[name]
        h = (y1 - y0) * 0.6
        found = {}
        for i, (_, a, b) in enumerate(sorted(items)):
            frac = 0.5 if len(items) == 1 else i / (len(items) - 1)
            found[(a, b)] = (x1 if right else x0, (y0 + y1) / 2 + h / 2 - frac * h)
        return found

    starts = {k: v for name, items in out_of.items() for k, v in spread(name, items, True).items()}
    stops = {k: v for name, items in into.items() for k, v in spread(name, items, False).items()}
    ends = {k: (starts[k], stops[k], 0.0) for k in starts}
    for a, b in back:
        (ax0, _), (ax1, ay1) = extent[a]
        (bx0, _), (bx1, by1) = extent[b]
        ends[(a, b)] = (((ax0 + ax1) / 2, ay1), ((bx0 + bx1) / 2, by1), -0.4)
    return ends

"""The dependency detector: a Signal when a service starts calling something new, or stops calling
something it always called.

Why a detector and not only a command: a new dependency appearing unannounced (a config pointing
at the wrong database, a library phoning home) and a dependency vanishing (a feature switched off,
a path failing before it calls out) are both changes nobody watches a graph for. It judges the map
(`topology.dependency_changes`) every cycle and signals transitions only:

- `dependency_new`: an edge with calls in the last `recent` minutes and none in the `baseline`
  before. It resolves once it has been on the map for `settle`, or when its calls stop again.
- `dependency_vanished`: a regular edge whose caller kept serving but no longer calls it. It
  resolves when the calls come back, or once the baseline no longer expects them.

A change right after a deployment of the caller is expected: such signals are `info`, others
`warning`. Nothing is signalled until the baseline holds `min_baseline_hours` hours of traffic.
The detector remembers what it signalled in the `signals` table, so a restart does not repeat
it. Suppression windows apply to `<caller>/calls/<callee>:new|vanished`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..signals import Signal, StoreSignals
from ..store import Store
from ..topology import DeploySource, EdgeChange, dependency_changes
from .sources import SeriesKey
from .suppressions import active

SOURCE = "topology"
NEW, VANISHED = "dependency_new", "dependency_vanished"
_KINDS = {"database": "database", "cache": "cache", "queue": "queue", "external": "external API", "service": "service"}


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


@dataclass
class DependencyDetector:
    store: Store
    recent: timedelta = timedelta(minutes=15)
    baseline: timedelta = timedelta(days=7)
    min_baseline_hours: int = 24
    min_calls: int = 3
    min_expected: float = 20.0
    regularity: float = 0.5
    settle: timedelta = timedelta(hours=1)
    deploys: DeploySource | None = None
    name: str = "dependencies"

    def run(self, tenant: str, now: datetime) -> list[Signal]:
        at = now.astimezone(UTC).replace(second=0, microsecond=0)
        changes = dependency_changes(self.store, tenant, at, self.recent, self.baseline, self.min_calls,
                                     self.min_expected, self.regularity, self.deploys)  # fmt: skip
        if changes.baseline_hours < self.min_baseline_hours:
            return []  # still learning what is normal
        history = self._history(tenant, at)
        latest = {s.dedup_key: s for s in history}
        open_ = {k: s for k, s in latest.items() if s.state == "firing"}
        windows = active(self.store, tenant, at)
        out: list[Signal] = []
        current = {self._key(tenant, c): c for c in [*changes.new_edges, *changes.vanished_edges]}
        for key, change in current.items():
            if key in open_ or (change.change == "new" and key in latest):
                continue  # signalled already (a new dependency stays known while the baseline recalls it)
            series = SeriesKey(SOURCE, change.source, f"calls/{change.target}", change.change)
            if any(w.covers(series, at) for w in windows):
                continue
            out.append(self._signal(tenant, change, at))
        for key, fired in open_.items():
            source, target = fired.evidence["source"], fired.evidence["target"]
            if fired.kind == NEW:
                gone = not changes.has_calls(source, target)
                if gone or at - fired.start >= self.settle:
                    why = "calls stopped again" if gone else f"on the map for {self.settle}"
                    out.append(self._resolved(fired, at, f"{source} → {target}: new dependency settled ({why})"))
            elif key not in current:
                why = "calls are back" if changes.has_calls(source, target) else "no longer expected"
                out.append(self._resolved(fired, at, f"{source} → {target}: dependency {why}"))
        return out

    # -- memory ----------------------------------------------------------------------------------
    def _history(self, tenant: str, at: datetime) -> list[Signal]:
        since = at - self.baseline - self.recent
        return [s for s in StoreSignals(self.store).recent(tenant, since, at + timedelta(seconds=1))
                if s.source == SOURCE]  # fmt: skip

    @staticmethod
    def _key(tenant: str, c: EdgeChange) -> str:
        kind = NEW if c.change == "new" else VANISHED
        return f"{SOURCE}:{tenant}:{kind}:{c.source}->{c.target}"

    # -- signals ---------------------------------------------------------------------------------
    def _query(self, c: EdgeChange, start: datetime) -> str:
        db = self.store.options.database
        return (f"SELECT toStartOfHour(Minute) AS h, sum(Calls), sum(Errors) FROM {db}.topology_edge_minutes "
                f"WHERE Source = '{_quote(c.source)}' AND Target = '{_quote(c.target)}' "
                f"AND Minute >= '{start:%Y-%m-%d %H:%M:%S}' GROUP BY h ORDER BY h")  # fmt: skip

    def _signal(self, tenant: str, c: EdgeChange, at: datetime) -> Signal:
        what = _KINDS.get(c.target_kind, c.target_kind)
        minutes = int(self.recent.total_seconds() // 60)
        if c.change == "new":
            title = (f"{c.source} calls a new dependency: {c.target} ({what}, {c.calls} calls in {minutes}m"
                     f"{', new on the map' if c.new_node else ''})")  # fmt: skip
            kind, start = NEW, c.first_seen or at - self.recent
        else:
            title = (f"{c.source} no longer calls {c.target} ({what}: about {c.expected_calls:.0f} calls expected "
                     f"in {minutes}m, none seen)")  # fmt: skip
            kind, start = VANISHED, at - self.recent
        if c.deployment is not None:
            title += f" after deploying {c.deployment.version}"
        evidence = c.model_dump(mode="json")
        evidence.update({"recent": f"{minutes}m", "baseline": str(self.baseline)})
        return Signal(tenant=tenant, source=SOURCE, kind=kind, service=c.source, series=f"{c.source}->{c.target}",
                      title=title, severity="info" if c.deployment else "warning",
                      score=0.5 if c.deployment else 0.8, start=start, at=at, evidence=evidence,
                      query=self._query(c, at - self.baseline - self.recent),
                      dedup_key=self._key(tenant, c))  # fmt: skip

    @staticmethod
    def _resolved(fired: Signal, at: datetime, title: str) -> Signal:
        update = {"state": "resolved", "at": at, "title": title, "score": 0.0, "id": uuid.uuid4()}
        return fired.model_copy(update=update)

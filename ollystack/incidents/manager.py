"""The incident engine: Signals in, incidents out (dedup, grouping, severity, resolve, reopen, flapping).

Rules, in the order a firing Signal meets them:

1. **dedup**: an active incident with a member of the same dedup key, or the same service and
   kind, takes it (no new incident; the timeline grows);
2. **reopen**: else an incident resolved within `reopen_window` with such a member reopens;
3. **grouping**: else an active incident that had a signal within `group_window` and holds the
   same service or one related to it (`Relations`: caller or callee) takes it;
4. else a new incident opens.

A resolved Signal only marks its member recovered. `tick()` resolves an incident once every
member is recovered and that has held for the quiet period. Detectors and SLO alerts signal only
their transitions, so a silent member is still firing; `stale_after` is the safety net for a
recovery that was never reported (a detector restarted mid-anomaly forgets it was firing), except
for sources whose alert state survives a restart (`stateful_sources`: SLO alerts). Everything is read from and
written to the store, so a restart or a person's action through the CLI or API is seen at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from ..signals import Signal
from ..store import Store
from . import functions, storage
from .functions import LOCK
from .model import SEVERITY_RANK, Incident, IncidentEvent, Member
from .notify import LogNotifier, Notifier
from .relations import Directed, Relations, StaticRelations

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> float: ...


@dataclass(frozen=True)
class Policy:
    group_window: timedelta = timedelta(minutes=10)
    quiet_period: timedelta = timedelta(minutes=15)
    flapping_quiet_period: timedelta = timedelta(hours=1)
    stale_after: timedelta = timedelta(hours=6)
    reopen_window: timedelta = timedelta(hours=1)
    flap_reopens: int = 3  # reopened this often within flap_window: flapping
    flap_window: timedelta = timedelta(hours=2)
    #: sources that remember a firing alert across restarts, so they always report its recovery: never stale
    stateful_sources: frozenset[str] = frozenset({"slo"})


def _dur(d: timedelta) -> str:
    s = int(d.total_seconds())
    for unit, n in (("h", 3600), ("m", 60)):
        if s and s % n == 0:
            return f"{s // n}{unit}"
    return f"{s}s"


def member_key(signal: Signal) -> str:
    return signal.dedup_key or f"{signal.source}:{signal.service}:{signal.kind}:{signal.series}"


def _signal_event(signal: Signal, at: datetime) -> IncidentEvent:
    return IncidentEvent(
        at=at, kind="signal", text=f"{signal.state}: {signal.title}",
        data={"signal_id": str(signal.id), "source": signal.source, "kind": signal.kind, "state": signal.state,
              "service": signal.service, "series": signal.series, "severity": signal.severity, "score": signal.score,
              "dedup_key": member_key(signal), "evidence": signal.evidence, "query": signal.query},
    )  # fmt: skip


@dataclass
class _Out:
    """Notifications an engine step owes, sent after the incident is stored."""

    open: bool = False
    posts: list[str] = field(default_factory=list)
    update: bool = False


@dataclass
class IncidentManager:
    """Turns Signals into incidents (a `SignalSink`); `tick()` on the clock resolves recovered ones."""

    store: Store
    clock: Clock
    notifier: Notifier = field(default_factory=LogNotifier)
    relations: Relations | None = None
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        if self.relations is None:  # the service passes the service map's relations
            self.relations = StaticRelations(())

    def _now(self) -> datetime:
        return storage.ms(datetime.fromtimestamp(self.clock.now(), UTC))

    # -- signals ------------------------------------------------------------------------------
    def emit(self, signal: Signal) -> None:
        """SignalSink: never raises, so a failure here cannot stop the detector that emitted."""
        try:
            self.process(signal)
        except Exception:  # the signal is in the signals table; the log says why no incident took it
            log.exception("incidents: could not process signal %s (%s)", signal.id, signal.title)

    def process(self, signal: Signal) -> Incident | None:
        """Apply one Signal; returns the incident it joined, reopened or opened (None: ignored)."""
        with self.store.lock(LOCK):
            at = storage.ms(signal.at)
            known = storage.live(self.store, signal.tenant, at - self.policy.reopen_window)
            if signal.state == "resolved":
                return self._recovered(signal, at, known)
            key = member_key(signal)
            active = [i for i in known if i.active]
            same = [i for i in active if self._same(i, signal, key)]
            if same:
                return self._join(same[0], signal, at)
            recent = [i for i in known if not i.active and self._same(i, signal, key) and i.resolved_at is not None
                      and at - i.resolved_at <= self.policy.reopen_window]  # fmt: skip
            if recent:
                return self._reopen(max(recent, key=lambda i: i.resolved_at or at), signal, at)
            near = [i for i in active if self._near(i, at) and self._related(i, signal)]
            if near:
                return self._join(max(near, key=self._last_activity), signal, at)
            return self._open(signal, at)

    @staticmethod
    def _same(inc: Incident, signal: Signal, key: str) -> bool:
        return any(m.key == key or (m.service, m.kind) == (signal.service, signal.kind) for m in inc.members)

    @staticmethod
    def _last_activity(inc: Incident) -> datetime:
        """The newest member signal, firing or recovered."""
        return max((m.last_at for m in inc.members), default=inc.opened_at)

    def _firing(self, m: Member, at: datetime) -> bool:
        """Still firing: no resolved signal yet, and not silent past the stale limit."""
        p = self.policy
        return m.state == "firing" and (m.source in p.stateful_sources or at - m.last_at <= p.stale_after)

    def _near(self, inc: Incident, at: datetime) -> bool:
        """A member still firing, or one that signalled within the grouping window."""
        if any(self._firing(m, at) for m in inc.members):
            return True
        return abs(at - self._last_activity(inc)) <= self.policy.group_window

    def _related(self, inc: Incident, signal: Signal) -> bool:
        if signal.service in inc.services:
            return True
        assert self.relations is not None
        try:
            return any(self.relations.related(signal.tenant, signal.service, s) for s in inc.services)
        except Exception:  # no relation data: group nothing rather than lose the signal
            log.exception("incidents: service relations unavailable")
            return False

    def _roles(self, tenant: str, services: list[str]) -> dict[str, str]:
        """One service: affected. Several, with call directions: a callee of the others that calls
        none of them is the suspected cause; callers are affected. Without directions the first
        service to signal is named so."""
        if len(services) == 1:
            return {services[0]: "affected"}
        rel = self.relations
        if isinstance(rel, Directed):
            try:
                pairs = {(a, b) for a in services for b in services if a != b and rel.calls(tenant, a, b)}
            except Exception:
                log.exception("incidents: service relations unavailable")
                pairs = set()
            if pairs:
                callers, callees = {a for a, _ in pairs}, {b for _, b in pairs}
                return {s: "suspected cause" if s in callees and s not in callers else
                        "affected" if s in callers else "related" for s in services}  # fmt: skip
        return {s: "first signal" if i == 0 else "related" for i, s in enumerate(services)}

    def _add(self, inc: Incident, signal: Signal, at: datetime, events: list[IncidentEvent], out: _Out) -> None:
        """Record the signal as a member; raise severity (and retitle) when it is the strongest."""
        before = inc.lead()
        key = member_key(signal)
        m = inc.member(key)
        if m is None:
            inc.members.append(Member(key=key, source=signal.source, kind=signal.kind, service=signal.service,
                                      series=signal.series, title=signal.title, severity=signal.severity,
                                      state="firing", first_at=at, last_at=at))  # fmt: skip
        else:
            m.state, m.last_at, m.title = "firing", max(m.last_at, at), signal.title
            if SEVERITY_RANK[signal.severity] > SEVERITY_RANK[m.severity]:
                m.severity = signal.severity
        if signal.service not in inc.services:
            inc.services.append(signal.service)
        inc.roles = self._roles(inc.tenant, inc.services)
        events.append(_signal_event(signal, at))
        lead = inc.lead()
        assert lead is not None
        if SEVERITY_RANK[lead.severity] > SEVERITY_RANK[inc.severity]:
            text = f"severity {inc.severity} → {lead.severity}: {lead.title}"
            events.append(IncidentEvent(at=at, kind="status", text=text,
                                        data={"severity": lead.severity, "was": inc.severity}))  # fmt: skip
            inc.severity = lead.severity
            out.posts.append(text)
            out.update = True
        if before is None or lead.key != before.key:
            inc.title = lead.title

    def _join(self, inc: Incident, signal: Signal, at: datetime) -> Incident:
        events: list[IncidentEvent] = []
        out = _Out()
        self._add(inc, signal, at, events, out)
        return self._commit(inc, at, events, out)

    def _reopen(self, inc: Incident, signal: Signal, at: datetime) -> Incident:
        p = self.policy
        was_flapping = inc.flapping
        inc.status, inc.resolved_at, inc.resolved_by = "open", None, ""
        inc.reopen_count += 1
        inc.reopened_at = [*inc.reopened_at, at][-20:]
        recent = sum(1 for t in inc.reopened_at if at - t <= p.flap_window)
        events = [IncidentEvent(at=at, kind="status", text=f"reopened ({inc.reopen_count}×): {signal.title}",
                                data={"status": "open", "reopen_count": inc.reopen_count})]  # fmt: skip
        out = _Out()
        if recent >= p.flap_reopens and not was_flapping:
            inc.flapping = True
            text = (
                f"flapping: reopened {recent} times within {_dur(p.flap_window)}; reopen and resolve notices are "
                f"off for this incident, and it resolves only after {_dur(p.flapping_quiet_period)} of quiet"
            )
            events.append(IncidentEvent(at=at, kind="status", text=text, data={"flapping": True}))
            out.posts.append(text)
        elif not was_flapping:
            out.posts.append(f"reopened ({inc.reopen_count}×): {signal.title}")
        self._add(inc, signal, at, events, out)
        out.update = bool(out.posts)
        return self._commit(inc, at, events, out)

    def _open(self, signal: Signal, at: datetime) -> Incident:
        inc = Incident(tenant=signal.tenant, title=signal.title, severity=signal.severity, opened_at=at, updated_at=at)
        events = [IncidentEvent(at=at, kind="status", text=f"opened: {signal.title}",
                                data={"status": "open", "severity": signal.severity})]  # fmt: skip
        out = _Out(open=True)
        self._add(inc, signal, at, events, out)
        out.posts = [f"[{inc.severity}] {inc.title} ({', '.join(inc.services)})"]
        out.update = False
        return self._commit(inc, at, events, out)

    def _recovered(self, signal: Signal, at: datetime, known: list[Incident]) -> Incident | None:
        key = member_key(signal)
        holders = sorted((i for i in known if i.member(key) is not None), key=lambda i: not i.active)
        if not holders:
            return None  # nothing of ours was firing for it
        inc = holders[0]
        m = inc.member(key)
        assert m is not None
        m.state, m.last_at = "resolved", max(m.last_at, at)
        return self._commit(inc, at, [_signal_event(signal, at)], _Out())

    # -- storing and notifying ----------------------------------------------------------------
    def _commit(self, inc: Incident, at: datetime, events: list[IncidentEvent], out: _Out) -> Incident:
        """Store first, then notify: a notifier that fails never costs the incident."""
        storage.save(self.store, inc, max(at, self._now()))
        storage.append(self.store, inc, events)
        self._notify(inc, out)
        return inc

    def _call(self, what: str, inc: Incident, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception:  # chat may be down; the incident is stored and the next change retries the channel
            log.exception("incidents: notifier %s failed for incident %s", what, inc.id)
            return None

    def _notify(self, inc: Incident, out: _Out) -> None:
        if not (out.open or out.posts or out.update):
            return
        if not inc.channel:
            channel = self._call("open_channel", inc, lambda: self.notifier.open_channel(inc))
            if channel:
                inc.channel = str(channel)
                storage.save(self.store, inc, self._now())
        for text in out.posts:
            self._call("post", inc, lambda t=text: self.notifier.post(inc, t))  # type: ignore[misc]
        if out.update:
            self._call("update", inc, lambda: self.notifier.update(inc))

    # -- the clock ----------------------------------------------------------------------------
    def recovered_since(self, inc: Incident, now: datetime) -> datetime | None:
        """When the last member recovered, or None while one is still firing."""
        since = None
        for m in inc.members:
            if self._firing(m, now):
                return None
            rec = m.last_at if m.state == "resolved" else m.last_at + self.policy.stale_after
            since = rec if since is None else max(since, rec)
        return since

    def tick(self) -> list[Incident]:
        """Resolve every incident that has stayed recovered for its quiet period; returns them."""
        now = self._now()
        done: list[Incident] = []
        for tenant in storage.tenants_with_active(self.store):
            try:
                with self.store.lock(LOCK):
                    for inc in storage.query(self.store, tenant, "Status != 'resolved'"):
                        if self._auto_resolve(inc, now):
                            done.append(inc)
            except Exception:  # one tenant's failure must not keep the others' incidents open
                log.exception("incidents: tick failed for tenant %s", tenant)
        return done

    def _auto_resolve(self, inc: Incident, now: datetime) -> bool:
        since = self.recovered_since(inc, now)
        quiet = self.policy.flapping_quiet_period if inc.flapping else self.policy.quiet_period
        if since is None or now - since < quiet:
            return False
        inc.status, inc.resolved_at, inc.resolved_by = "resolved", now, ""
        text = f"resolved: every signal recovered and stayed quiet for {_dur(quiet)}"
        event = IncidentEvent(at=now, kind="status", text=text, data={"status": "resolved", "recovered_at": since})
        self._commit(inc, now, [event], _Out() if inc.flapping else _Out(posts=[text], update=True))
        return True

    # -- people -------------------------------------------------------------------------------
    def acknowledge(self, tenant: str, ref: str | uuid.UUID, who: str, note: str = "") -> Incident:
        with self.store.lock(LOCK):
            inc = functions.acknowledge(self.store, tenant, ref, who, note, self._now())
            self._notify(inc, _Out(update=True))
            return inc

    def mitigate(self, tenant: str, ref: str | uuid.UUID, who: str, note: str = "") -> Incident:
        with self.store.lock(LOCK):
            inc = functions.mitigate(self.store, tenant, ref, who, note, self._now())
            self._notify(inc, _Out(update=True))
            return inc

    def resolve(self, tenant: str, ref: str | uuid.UUID, who: str, note: str = "") -> Incident:
        with self.store.lock(LOCK):
            inc = functions.resolve(self.store, tenant, ref, who, note, self._now())
            self._notify(inc, _Out(posts=[f"resolved by {who}" + (f": {note}" if note else "")], update=True))
            return inc

    def add_message(self, tenant: str, ref: str | uuid.UUID, who: str, text: str) -> Incident:
        return functions.add_message(self.store, tenant, ref, who, text, self._now())

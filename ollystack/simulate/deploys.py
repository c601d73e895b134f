"""Deployments: routine releases on weekdays, the bad deploys faults roll out, and their rollbacks;
each as a version in the telemetry and as the webhook GitHub or GitLab would send about it.

Routine releases are a pure function of seed, role and day, so any window of time agrees with
any other about which version was running when.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from .faults import Fault, FaultKind, bumped
from .topology import Shop

DAY = 86_400
EPOCH = datetime(2026, 1, 5, tzinfo=UTC).timestamp()  # a Monday: release numbering starts here
RELEASE_CHANCE = 0.25  # per service and weekday


@dataclass(frozen=True)
class Deployment:
    role: str
    service: str
    version: str
    previous: str
    time: float
    reason: str  # "release", "bad_deploy" or "rollback"

    @property
    def sha(self) -> str:
        return hashlib.sha1(f"{self.service}:{self.version}:{self.time}".encode()).hexdigest()


def _unit(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@lru_cache(maxsize=65_536)
def _release_time(seed: int, role: str, day: int) -> float | None:
    """When `role` released on `day` (days since EPOCH), or None: weekdays, office hours."""
    midnight = EPOCH + day * DAY
    if datetime.fromtimestamp(midnight, UTC).weekday() >= 5 or _unit(seed, role, day) >= RELEASE_CHANCE:
        return None
    return midnight + 9 * 3600 + _unit(seed, role, day, "hour") * 8 * 3600


def _with_patch(version: str, extra: int) -> str:
    major, minor, patch = ([*version.split("."), "0", "0"])[:3]
    return f"{major}.{minor}.{int(patch) + extra if patch.isdigit() else extra}"


class Releases:
    """Which version each service runs at any moment, and the deployments in any window."""

    def __init__(self, shop: Shop, faults: list[Fault], seed: int) -> None:
        self.shop, self.faults, self.seed = shop, faults, seed
        self._before: dict[tuple[str, int], int] = {}  # (role, day) -> releases on earlier days

    def _releases_before(self, role: str, day: int) -> int:
        if day <= 0:
            return 0
        key = (role, day)
        if key not in self._before:
            known = max((d for r, d in self._before if r == role and d < day), default=0)
            count = self._before.get((role, known), 0)
            for d in range(known, day):
                count += _release_time(self.seed, role, d) is not None
                self._before[(role, d + 1)] = count
        return self._before[key]

    def _count(self, role: str, t: float) -> int:
        """Routine releases of `role` from EPOCH until `t`."""
        day = int((t - EPOCH) // DAY)
        today = _release_time(self.seed, role, day)
        return self._releases_before(role, day) + (today is not None and today <= t)

    def version_at(self, role: str, t: float) -> str:
        base = _with_patch(self.shop.services[role].version, self._count(role, t))
        for f in self.faults:
            if f.kind is FaultKind.BAD_DEPLOY and f.target == role and f.active(t):
                return f.version or bumped(base)
        return base

    def between(self, start: float, end: float) -> list[Deployment]:
        """Deployments with start <= time < end, in time order."""
        out = []
        for role, svc in self.shop.services.items():
            for day in range(int((start - EPOCH) // DAY), int((end - EPOCH) // DAY) + 1):
                rt = _release_time(self.seed, role, day)
                if rt is not None and start <= rt < end:
                    out.append(Deployment(role, svc.name, self.version_at(role, rt + 1), self.version_at(role, rt - 1),
                                          rt, "release"))  # fmt: skip
            for f in self.faults:
                if f.kind is not FaultKind.BAD_DEPLOY or f.target != role:
                    continue
                if start <= f.start < end:
                    out.append(Deployment(role, svc.name, self.version_at(role, f.start),
                                          self.version_at(role, f.start - 1), f.start, "bad_deploy"))  # fmt: skip
                if start <= f.end < end:
                    out.append(Deployment(role, svc.name, self.version_at(role, f.end),
                                          self.version_at(role, f.end - 1), f.end, "rollback"))  # fmt: skip
        return sorted(out, key=lambda d: d.time)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def github_event(dep: Deployment, owner: str = "shop-co", environment: str = "production") -> dict[str, object]:
    """The `deployment_status` webhook GitHub sends when a deployment succeeds."""
    repo = {"id": int(_unit(dep.service) * 10**8), "name": dep.service, "full_name": f"{owner}/{dep.service}",
            "html_url": f"https://github.com/{owner}/{dep.service}", "private": True}  # fmt: skip
    sender = {"login": "release-bot", "id": 4242, "type": "Bot"}
    deployment_id = int(_unit(dep.sha) * 10**9)
    return {
        "action": "created",
        "deployment_status": {
            "id": deployment_id + 1, "state": "success", "environment": environment,
            "description": f"{dep.reason}: {dep.previous} -> {dep.version}", "creator": sender,
            "created_at": _iso(dep.time), "updated_at": _iso(dep.time),
        },
        "deployment": {
            "id": deployment_id, "sha": dep.sha, "ref": f"v{dep.version}", "task": "deploy",
            "environment": environment, "description": dep.reason, "creator": sender,
            "payload": {"service.name": dep.service, "service.version": dep.version, "previous_version": dep.previous},
            "created_at": _iso(dep.time), "updated_at": _iso(dep.time),
        },
        "repository": repo,
        "sender": sender,
    }  # fmt: skip


def gitlab_event(dep: Deployment, group: str = "shop-co", environment: str = "production") -> dict[str, object]:
    """The `Deployment Hook` webhook GitLab sends when a deployment succeeds."""
    when = datetime.fromtimestamp(dep.time, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")
    return {
        "object_kind": "deployment", "status": "success", "status_changed_at": when,
        "deployment_id": int(_unit(dep.sha) * 10**6), "environment": environment, "environment_tier": "production",
        "project": {"name": dep.service, "path_with_namespace": f"{group}/{dep.service}",
                    "web_url": f"https://gitlab.com/{group}/{dep.service}"},
        "short_sha": dep.sha[:8], "ref": f"v{dep.version}", "commit_title": f"{dep.reason}: {dep.version}",
        "user": {"username": "release-bot", "name": "Release Bot"},
    }  # fmt: skip

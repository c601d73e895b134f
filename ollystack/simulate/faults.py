"""Faults the simulator can inject, what each does to the shop, and the ground truth it records."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FaultKind(StrEnum):
    BAD_DEPLOY = "bad_deploy"  # new version: slower and/or failing
    DEPENDENCY_OUTAGE = "dependency_outage"  # database, cache or queue refuses
    DEPENDENCY_SLOWNESS = "dependency_slowness"
    MEMORY_LEAK = "memory_leak"
    CPU_SATURATION = "cpu_saturation"
    POOL_EXHAUSTION = "pool_exhaustion"
    ERROR_LOG_BURST = "error_log_burst"  # a never-seen log pattern, repeated
    CASCADING_FAILURE = "cascading_failure"  # a downstream service fails, callers follow
    SLOW_THIRD_PARTY = "slow_third_party"
    BAD_CONFIG = "bad_config"  # a config change: errors on one endpoint, no new version
    TRAFFIC_SURGE = "traffic_surge"
    HARD_FAILURE = "hard_failure"  # e.g. an expired certificate: every call fails at once
    LLM_COST_BLOWUP = "llm_cost_blowup"
    PROMPT_INJECTION = "prompt_injection"


@dataclass(frozen=True)
class Fault:
    """One injected fault. `target` is a role (service or dependency); times are unix seconds."""

    kind: FaultKind
    target: str
    start: float
    end: float
    magnitude: float = 1.0  # scales the effect (1 = the kind's typical size)
    version: str = ""  # the bad deploy's version (default: derived from the running one)

    def active(self, t: float) -> bool:
        return self.start <= t < self.end

    def progress(self, t: float) -> float:
        """0 at the start, 1 at the end: how far a gradual fault (a leak) has come."""
        return min(1.0, max(0.0, (t - self.start) / max(self.end - self.start, 1.0)))


@dataclass
class Effects:
    """What all faults active at one moment do; the generator applies it to every request."""

    latency: dict[str, float] = field(default_factory=dict)  # role -> latency multiplier
    errors: dict[str, float] = field(default_factory=dict)  # role -> added error probability
    error_messages: dict[str, str] = field(default_factory=dict)  # role -> what fails
    versions: dict[str, str] = field(default_factory=dict)  # service role -> version running
    traffic: float = 1.0
    new_log_patterns: dict[str, str] = field(default_factory=dict)  # role -> template bursting
    memory_growth: dict[str, float] = field(default_factory=dict)  # role -> fraction of limit used
    cpu: dict[str, float] = field(default_factory=dict)  # role -> utilisation added
    pool_in_use: dict[str, float] = field(default_factory=dict)  # role -> fraction of pool taken
    llm_token_factor: float = 1.0
    prompt_injection_rate: float = 0.0

    def add_latency(self, role: str, factor: float) -> None:
        self.latency[role] = self.latency.get(role, 1.0) * factor

    def add_errors(self, role: str, probability: float, message: str) -> None:
        self.errors[role] = min(1.0, self.errors.get(role, 0.0) + probability)
        self.error_messages.setdefault(role, message)


def bumped(version: str) -> str:
    """The next minor version: what a bad deploy rolls out."""
    parts = ([*version.split("."), "0", "0", "0"])[:3]
    major, minor = parts[0], parts[1]
    return f"{major}.{int(minor) + 1 if minor.isdigit() else 1}.0"


def effects_at(faults: list[Fault], t: float, versions: dict[str, str]) -> Effects:
    """Combine the effects of the faults active at `t` (`versions`: the normal version per role)."""
    fx = Effects()
    for f in faults:
        if not f.active(t):
            continue
        m = f.magnitude
        kind = f.kind
        if kind is FaultKind.BAD_DEPLOY:
            fx.versions[f.target] = f.version or bumped(versions.get(f.target, "1.0.0"))
            fx.add_latency(f.target, 1 + 2.5 * m)
            fx.add_errors(f.target, 0.15 * m, "NullPointerException in PaymentRequestMapper")
        elif kind is FaultKind.DEPENDENCY_OUTAGE:
            fx.add_errors(f.target, 0.9 * m, "connection refused")
            fx.add_latency(f.target, 3.0)
        elif kind is FaultKind.DEPENDENCY_SLOWNESS or kind is FaultKind.SLOW_THIRD_PARTY:
            fx.add_latency(f.target, 1 + 8 * m)
            fx.add_errors(f.target, 0.02 * m, "upstream request timeout")
        elif kind is FaultKind.MEMORY_LEAK:
            used = 0.5 + 0.5 * f.progress(t) * m
            fx.memory_growth[f.target] = used
            if used > 0.85:  # garbage collection thrashes near the limit
                fx.add_latency(f.target, 1 + 6 * (used - 0.85) / 0.15)
                fx.add_errors(f.target, 0.2 * (used - 0.85) / 0.15, "OutOfMemoryError: Java heap space")
        elif kind is FaultKind.CPU_SATURATION:
            fx.cpu[f.target] = min(1.0, 0.95 * m)
            fx.add_latency(f.target, 1 + 3 * m)
        elif kind is FaultKind.POOL_EXHAUSTION:
            fx.pool_in_use[f.target] = 1.0
            fx.add_latency(f.target, 1 + 5 * m)
            fx.add_errors(f.target, 0.25 * m, "timeout waiting for a connection from the pool")
        elif kind is FaultKind.ERROR_LOG_BURST:
            fx.new_log_patterns[f.target] = "circuit breaker {breaker} OPEN after {failures} failures to {peer}"
            fx.add_errors(f.target, 0.05 * m, "circuit breaker open")
        elif kind is FaultKind.CASCADING_FAILURE:
            fx.add_errors(f.target, 0.6 * m, "service unavailable")
            fx.add_latency(f.target, 4.0)
        elif kind is FaultKind.BAD_CONFIG:
            fx.add_errors(f.target, 0.3 * m, "invalid configuration: feature flag checkout_v2 missing key")
        elif kind is FaultKind.TRAFFIC_SURGE:
            fx.traffic *= 1 + 4 * m
        elif kind is FaultKind.HARD_FAILURE:
            fx.add_errors(f.target, 1.0, "x509: certificate has expired or is not yet valid")
        elif kind is FaultKind.LLM_COST_BLOWUP:
            fx.llm_token_factor *= 1 + 9 * m
            fx.add_latency(f.target, 1 + 2 * m)
        elif kind is FaultKind.PROMPT_INJECTION:
            fx.prompt_injection_rate = min(1.0, fx.prompt_injection_rate + 0.3 * m)
    return fx


@dataclass(frozen=True)
class GroundTruth:
    """What really happened, in telemetry names, for the evals to grade against."""

    kind: str
    root_cause_service: str
    root_cause_role: str
    start: float
    end: float

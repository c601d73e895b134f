"""Scenario files: a shop, a history, faults with ground truth, and the facts a good
investigation should state. Written in YAML (see evals/README.md); validated with clear errors."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..simulate.faults import Fault, FaultKind
from ..simulate.topology import Shop, build_shop

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the field."""


def seconds(text: str | float) -> float:
    if isinstance(text, int | float):
        return float(text)
    m = _DURATION.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not a duration like 30s, 15m, 2h or 14d")
    return float(m.group(1)) * _UNITS[m.group(2)]


Duration = Annotated[float, Field(ge=0)]


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    role: str = Field(description="the service or dependency role the fault hits")
    start: Duration = Field(description="after the end of the history")
    duration: Duration
    magnitude: float = Field(1.0, gt=0, le=10)

    @field_validator("start", "duration", mode="before")
    @classmethod
    def _durations(cls, v: object) -> float:
        return seconds(v)  # type: ignore[arg-type]


class Expected(BaseModel):
    model_config = ConfigDict(extra="forbid")

    root_cause_role: str
    kind: FaultKind
    facts: list[str] = Field(default_factory=list, description="what a good investigation states")
    runbook: str | None = Field(None, description="the runbook that fits, if any")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    description: str = ""
    seed: int = Field(0, ge=0, description="shop and traffic seed: renames and reshapes the shop")
    rps: float = Field(0.5, gt=0, le=50)
    history: Duration = Field(seconds("1d"), description="fault-free history before the evaluated stretch")
    evaluate: Duration = Field(seconds("2h"), description="the stretch after the history, faults inside it")
    faults: list[FaultSpec] = Field(default_factory=list)
    expected: Expected | None = None

    @field_validator("history", "evaluate", mode="before")
    @classmethod
    def _durations(cls, v: object) -> float:
        return seconds(v)  # type: ignore[arg-type]

    def shop(self) -> Shop:
        return build_shop(self.seed)

    def faults_at(self, history_end: float) -> list[Fault]:
        return [
            Fault(f.kind, f.role, history_end + f.start, history_end + f.start + f.duration, f.magnitude)
            for f in self.faults
        ]

    def check_against_shop(self) -> None:
        shop = self.shop()
        roles = set(shop.services) | set(shop.dependencies)
        for i, f in enumerate(self.faults):
            if f.role not in roles:
                raise ValueError(
                    f"faults[{i}].role: {f.role!r} is not in the shop of seed {self.seed} ({sorted(roles)})"
                )
            if f.start + f.duration > self.evaluate:
                raise ValueError(f"faults[{i}]: ends after the evaluated stretch ({timedelta(seconds=self.evaluate)})")
        if self.expected and self.expected.root_cause_role not in roles:
            raise ValueError(f"expected.root_cause_role: {self.expected.root_cause_role!r} is not in the shop")


def load(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    try:
        scenario = Scenario.model_validate(data)
        scenario.check_against_shop()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ScenarioError(f"{path}: {problems}") from exc
    except ValueError as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    return scenario


def load_dir(folder: Path) -> list[Scenario]:
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise ScenarioError(f"{folder}: no scenario files (*.yaml)")
    scenarios = [load(f) for f in files]
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"{folder}: scenario names used twice: {dupes}")
    return scenarios

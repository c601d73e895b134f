"""The SLO capability as typed functions: what the CLI, the HTTP API, chat and agent tools call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ..store import Store
from .evaluator import SLOStatus, evaluate, evaluate_many
from .loader import SLOSpecError, native, parse_text
from .model import SLO
from .registry import Registry, UnknownSLO

__all__ = ["SLOSpecError", "UnknownSLO", "chart", "define", "delete", "list_status", "status", "sync_dir"]


def _at(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def sync_dir(store: Store, folder: Path) -> dict[str, list[str]]:
    """Load OLLYSTACK_SLO_DIR into the store (files win over what they defined before)."""
    return Registry(store).sync_dir(folder)


def list_status(store: Store, tenant: str, at: datetime | None = None) -> list[SLOStatus]:
    """Every SLO of a tenant, evaluated as of `at` (now by default)."""
    slos = [s.slo for s in Registry(store).list(tenant)]
    return evaluate_many(store, tenant, slos, _at(at))


def status(store: Store, tenant: str, name: str, at: datetime | None = None,
           windows: Sequence[timedelta] = ()) -> SLOStatus:  # fmt: skip
    """One SLO as of `at`: SLI, budget, burn rates (plus over `windows`), firing alerts.
    Raises UnknownSLO, or ValueError for a window that is not whole minutes within the SLO's."""
    return evaluate(store, Registry(store).get(tenant, name).slo, _at(at), windows=windows)


def chart(store: Store, tenant: str, name: str, at: datetime | None = None) -> tuple[SLOStatus, bytes]:
    """The status and its budget chart (PNG bytes), for posting in chat."""
    # matplotlib loads only when a chart is drawn. The module is not named `chart`: importing it
    # would replace this package's `chart` (this function) with the module.
    from .charts import render

    st = status(store, tenant, name, at)
    return st, render(store, st)


def define(store: Store, tenant: str, spec: str | dict[str, Any], origin: str) -> list[SLO]:
    """Create or update SLOs from YAML text or a native mapping (chat, CLI, API); the tenant is the
    caller's, whatever the text says."""
    if isinstance(spec, dict):
        slos = [native({**spec, "tenant": tenant}, f"<{origin}>")]
    else:
        slos = [s.model_copy(update={"tenant": tenant}) for s in parse_text(spec, f"<{origin}>")]
    if not slos:
        raise SLOSpecError(f"<{origin}>", "no SLO in the definition")
    registry = Registry(store)
    for slo in slos:
        registry.save(slo, origin)
    return slos


def delete(store: Store, tenant: str, name: str) -> None:
    Registry(store).delete(tenant, name)


def definitions_yaml(store: Store, tenant: str) -> str:
    return yaml.safe_dump_all([s.slo.to_json() for s in Registry(store).list(tenant)], sort_keys=False)

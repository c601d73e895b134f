"""Sloth import: `version: prometheus/v1` specs and the `PrometheusServiceLevel` Kubernetes CRD.

Event SLIs (`error_query` / `total_query`) become counter-ratio SLIs over the same counters (see
promql). Sloth's page and ticket alerts map to the Workbook alerts OllyStack uses by default; a
disabled one is left out. Raw ratio queries and plugins cannot be evaluated outside Prometheus and
are refused with a message naming the field.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from .loader import SLOSpecError, _scope_metrics, validation_error
from .model import SLO, Window, default_alerts
from .promql import PromQLError, selector


def is_sloth(doc: dict[str, Any]) -> bool:
    return str(doc.get("version", "")).startswith("prometheus/") or (
        str(doc.get("apiVersion", "")).startswith("sloth.slok.dev/") and doc.get("kind") == "PrometheusServiceLevel"
    )


def _get(d: dict[str, Any], snake: str) -> Any:
    """Sloth's plain spec is snake_case, its CRD camelCase."""
    head, *rest = snake.split("_")
    camel = head + "".join(w.title() for w in rest)
    return d.get(snake, d.get(camel))


def convert(doc: dict[str, Any], source: str) -> list[SLO]:
    spec = doc.get("spec", doc) if "apiVersion" in doc else doc
    service = spec.get("service")
    if not service:
        raise SLOSpecError(source, "a Sloth spec names its service", "service")
    out = []
    for i, raw in enumerate(spec.get("slos") or []):
        where = f"slos[{i}]"
        name = raw.get("name") or ""
        sli_raw = raw.get("sli") or {}
        events = sli_raw.get("events")
        if not events:
            kind = "raw" if "raw" in sli_raw else "plugin" if "plugin" in sli_raw else None
            why = f"{kind} SLIs are Prometheus expressions OllyStack cannot evaluate" if kind else "no events SLI"
            raise SLOSpecError(source, f"{why}: use sli.events with error_query and total_query", f"{where}.sli")
        try:
            bad = selector(str(_get(events, "error_query") or ""))
        except PromQLError as exc:
            raise SLOSpecError(source, str(exc), f"{where}.sli.events.error_query") from exc
        try:
            total = selector(str(_get(events, "total_query") or ""))
        except PromQLError as exc:
            raise SLOSpecError(source, str(exc), f"{where}.sli.events.total_query") from exc
        window = Window(type="rolling", duration=timedelta(days=30))
        alerting = raw.get("alerting") or {}
        rules = [
            r for r in default_alerts(window)
            if not ((_get(alerting, "page_alert") or {}).get("disable") and r.severity == "page")
            and not ((_get(alerting, "ticket_alert") or {}).get("disable") and r.severity == "ticket")
        ]  # fmt: skip
        data = {
            "name": f"{service}-{name}" if name else service,
            "service": service,
            "description": raw.get("description") or "",
            "sli": _scope_metrics(  # as native YAML reads it
                {"type": "error_rate", "source": "metric", "bad_metric": bad, "total_metric": total}, service
            ),
            "target": raw.get("objective"),
            "window": window,
            "alerts": rules,
            "labels": {**(spec.get("labels") or {}), **(raw.get("labels") or {})},
        }
        try:
            out.append(SLO.model_validate(data))
        except ValidationError as exc:
            raise validation_error(source, exc, f"{where}.") from exc
    if not out:
        raise SLOSpecError(source, "a Sloth spec needs at least one SLO", "slos")
    return out

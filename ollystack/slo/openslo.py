"""OpenSLO v1 import: SLO, SLI, AlertPolicy and AlertCondition (kind burnrate) documents.

Metric sources: `Prometheus` queries (one counter selector, see promql) and `OllyStack`, whose
spec names spans (`spans: {service, route, span_names, attributes}` with `status: ok|error`) or an
OTLP metric (`metric: name`, `attributes`). An SLO with several objectives becomes one SLO per
objective.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from .durations import parse_duration
from .loader import SLOSpecError, _scope_metrics, slug, validation_error
from .model import SLO, AlertRule, Window, default_alerts
from .promql import PromQLError, selector

_OS_DURATION = re.compile(r"^\s*(\d+)\s*([mhdwMQY])\s*$")
_CALENDAR_UNIT = {"d": "day", "w": "week", "M": "month", "Q": "quarter", "Y": "year"}
_PAGE_WORDS = {"page", "critical", "high", "p1", "sev1", "sev-1", "urgent"}


def _name(doc: dict[str, Any]) -> str:
    return str((doc.get("metadata") or {}).get("name") or "")


def _window(spec: dict[str, Any], where: str, source: str) -> Window:
    windows = spec.get("timeWindow") or []
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        raise SLOSpecError(source, "exactly one timeWindow entry is supported", f"{where}.spec.timeWindow")
    tw = windows[0]
    m = _OS_DURATION.match(str(tw.get("duration", "")))
    if not m:
        raise SLOSpecError(
            source, f"duration {tw.get('duration')!r}: use e.g. 28d, 1w, 1M", f"{where}.spec.timeWindow[0].duration"
        )
    n, unit = int(m.group(1)), m.group(2)
    rolling = tw.get("isRolling", "calendar" not in tw)  # the spec: omitted means false when calendar is given
    try:
        if rolling:
            size = {"m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 30 * 86400, "Q": 90 * 86400, "Y": 365 * 86400}[
                unit
            ]
            return Window(type="rolling", duration=timedelta(seconds=n * size))
        if n != 1 or unit not in _CALENDAR_UNIT:
            raise ValueError(
                f"calendar windows are one day, week, month (1M), quarter (1Q) or year (1Y), not {n}{unit}"
            )
        tz = str((tw.get("calendar") or {}).get("timeZone") or "UTC")
        return Window(type="calendar", unit=_CALENDAR_UNIT[unit], timezone=tz)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise validation_error(source, exc, f"{where}.spec.timeWindow[0].") from exc
    except ValueError as exc:
        raise SLOSpecError(source, str(exc), f"{where}.spec.timeWindow[0]") from exc


def _source(ms: Any, where: str, source: str) -> dict[str, Any]:
    """One metricSource as {'kind': 'metric'|'spans', ...}."""
    if not isinstance(ms, dict) or "metricSource" not in ms:
        raise SLOSpecError(source, "expected a metricSource", where)
    src = ms["metricSource"] or {}
    kind = str(src.get("type", "")).lower()
    spec = src.get("spec") or {}
    if kind == "prometheus":
        try:
            return {"kind": "metric", "selector": selector(str(spec.get("query", "")))}
        except PromQLError as exc:
            raise SLOSpecError(source, str(exc), f"{where}.metricSource.spec.query") from exc
    if kind in ("ollystack", "otlp", "opentelemetry"):
        if "metric" in spec:
            return {"kind": "metric", "selector": {"name": spec["metric"], "attributes": spec.get("attributes") or {}}}
        spans = dict(spec.get("spans") or {})
        return {"kind": "spans", "filters": spans, "status": spec.get("status")}
    raise SLOSpecError(
        source,
        f"metricSource type {src.get('type')!r} is not supported: use Prometheus (a counter selector) or OllyStack",
        f"{where}.metricSource.type",
    )


def _sli(
    sli_spec: dict[str, Any], objective: dict[str, Any], where: str, source: str
) -> tuple[dict[str, Any], str | None]:
    """The native SLI mapping and the service it names (spans sources may name one)."""
    if "ratioMetric" in sli_spec:
        ratio = sli_spec["ratioMetric"] or {}
        total = _source(ratio.get("total"), f"{where}.ratioMetric.total", source)
        if "good" in ratio:
            part, side = _source(ratio["good"], f"{where}.ratioMetric.good", source), "good"
        elif "bad" in ratio:
            part, side = _source(ratio["bad"], f"{where}.ratioMetric.bad", source), "bad"
        else:
            raise SLOSpecError(source, "a ratioMetric needs good or bad, and total", f"{where}.ratioMetric")
        if total["kind"] == "metric" and part["kind"] == "metric":
            return {"type": "availability" if side == "good" else "error_rate", "source": "metric",
                    f"{side}_metric": part["selector"], "total_metric": total["selector"]}, None  # fmt: skip
        if total["kind"] == "spans" and part["kind"] == "spans":
            filters = dict(total["filters"])
            service = filters.pop("service", None)
            return {"type": "availability" if side == "good" else "error_rate", **filters}, service
        raise SLOSpecError(source, "good/bad and total must both be spans or both be metrics", f"{where}.ratioMetric")
    if "thresholdMetric" in sli_spec:
        src = _source(sli_spec["thresholdMetric"], f"{where}.thresholdMetric", source)
        op = objective.get("op", "lte")
        if op not in ("lte", "lt"):
            raise SLOSpecError(source, f"op {op!r}: latency objectives are lte or lt", "objectives[].op")
        value = objective.get("value")
        if not isinstance(value, int | float):
            raise SLOSpecError(source, "a thresholdMetric objective needs a numeric value (ms)", "objectives[].value")
        if src["kind"] == "spans":
            filters = dict(src["filters"])
            service = filters.pop("service", None)
            return {"type": "latency", "threshold_ms": float(value), **filters}, service
        return {"type": "latency", "source": "metric", "metric": src["selector"], "threshold_ms": float(value)}, None
    raise SLOSpecError(source, "an SLI needs ratioMetric or thresholdMetric", where)


def _conditions(policy: dict[str, Any], conditions: dict[str, dict[str, Any]], source: str) -> list[dict[str, Any]]:
    out = []
    pname = _name(policy) or "inline policy"
    for i, entry in enumerate((policy.get("spec") or {}).get("conditions") or []):
        c = entry
        if isinstance(c, dict) and "conditionRef" in c:
            ref = c["conditionRef"]
            if ref not in conditions:
                raise SLOSpecError(
                    source, f"unknown AlertCondition {ref!r}", f"AlertPolicy {pname}.spec.conditions[{i}]"
                )
            c = conditions[ref]
        if not isinstance(c, dict):
            raise SLOSpecError(
                source, "a condition is a conditionRef or an inline AlertCondition", f"AlertPolicy {pname}"
            )
        out.append(c)
    return out


def _rule(cond: dict[str, Any], source: str) -> AlertRule:
    cname = _name(cond) or "inline condition"
    spec = cond.get("spec") or {}
    c = spec.get("condition") or {}
    where = f"AlertCondition {cname}.spec.condition"
    if str(c.get("kind", "")).lower() != "burnrate":
        raise SLOSpecError(source, f"kind {c.get('kind')!r}: only burnrate conditions are supported", f"{where}.kind")
    try:
        long = parse_duration(c.get("lookbackWindow", ""))
        after = parse_duration(c["alertAfter"]) if c.get("alertAfter") else None
        short = (
            after
            if after is not None and timedelta(minutes=1) <= after < long
            else max(timedelta(minutes=1), long / 12)
        )
        short = timedelta(minutes=round(short.total_seconds() / 60))
        severity = "page" if str(spec.get("severity", "")).lower() in _PAGE_WORDS else "ticket"
        return AlertRule(
            severity=severity, long_window=long, short_window=short, burn_rate=float(c.get("threshold", 0))
        )
    except ValidationError as exc:
        raise validation_error(source, exc, f"{where}.") from exc
    except (ValueError, TypeError) as exc:
        raise SLOSpecError(source, str(exc), where) from exc


def convert(docs: list[dict[str, Any]], source: str) -> list[SLO]:
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        kind = str(doc.get("kind", ""))
        if doc.get("apiVersion") != "openslo/v1":
            raise SLOSpecError(source, f"apiVersion {doc.get('apiVersion')!r} is not supported: OllyStack imports "
                               "openslo/v1", f"{kind or 'document'} {_name(doc)}.apiVersion")  # fmt: skip
        if kind not in (
            "SLO",
            "SLI",
            "Service",
            "AlertPolicy",
            "AlertCondition",
            "AlertNotificationTarget",
            "DataSource",
        ):
            raise SLOSpecError(source, f"OpenSLO kind {kind!r} is not supported", f"{kind or 'document'} {_name(doc)}")
        by_kind.setdefault(kind, {})[_name(doc)] = doc
    slis, policies, conditions = (
        by_kind.get("SLI", {}),
        by_kind.get("AlertPolicy", {}),
        by_kind.get("AlertCondition", {}),
    )
    out: list[SLO] = []
    for name, doc in by_kind.get("SLO", {}).items():
        where = f"SLO {name}"
        spec = doc.get("spec") or {}
        if "indicator" in spec:
            sli_doc = spec["indicator"] or {}
        elif spec.get("indicatorRef") in slis:
            sli_doc = slis[spec["indicatorRef"]]
        else:
            raise SLOSpecError(
                source,
                f"indicatorRef {spec.get('indicatorRef')!r} names no SLI in this file",
                f"{where}.spec.indicatorRef",
            )
        window = _window(spec, where, source)
        method = str(spec.get("budgetingMethod", "Occurrences"))
        if method not in ("Occurrences", "Timeslices", "RatioTimeslices"):
            raise SLOSpecError(
                source,
                f"budgetingMethod {method!r}: Occurrences, Timeslices or RatioTimeslices",
                f"{where}.spec.budgetingMethod",
            )
        rules: list[AlertRule] = []
        for ref in spec.get("alertPolicies") or []:
            policy = ref if isinstance(ref, dict) and ref.get("kind") == "AlertPolicy" else policies.get(
                ref.get("alertPolicyRef") if isinstance(ref, dict) else ref)  # fmt: skip
            if policy is None:
                raise SLOSpecError(source, f"unknown AlertPolicy {ref!r}", f"{where}.spec.alertPolicies")
            rules += [_rule(c, source) for c in _conditions(policy, conditions, source)]
        objectives = spec.get("objectives") or []
        if not objectives:
            raise SLOSpecError(source, "at least one objective is needed", f"{where}.spec.objectives")
        for i, obj in enumerate(objectives):
            label = f"{where}.spec.objectives[{i}]"
            sli, service = _sli(sli_doc.get("spec") or {}, obj, f"SLI {_name(sli_doc)}.spec", source)
            target = obj.get("target")
            if target is None and isinstance(obj.get("targetPercent"), int | float):
                target = obj["targetPercent"] / 100  # the spec's alternative spelling: 99.95 for 0.9995
            if not isinstance(target, int | float) or not 0 < target < 1:
                raise SLOSpecError(source, "target is a fraction between 0 and 1 (e.g. 0.999)", f"{label}.target")
            budgeting: dict[str, Any] = {"method": "occurrences" if method == "Occurrences" else "timeslices"}
            if method != "Occurrences" and obj.get("timeSliceTarget") is not None:
                budgeting["timeslice_target"] = obj["timeSliceTarget"]
            slo_name = name if len(objectives) == 1 else f"{name}-{slug(str(obj.get('displayName') or i))}"
            data = {
                "name": slo_name,
                "service": spec.get("service") or service or "",
                "description": spec.get("description") or (doc.get("metadata") or {}).get("displayName") or "",
                "sli": _scope_metrics(sli, spec.get("service") or service),  # as native YAML reads it
                "target": round(target * 100, 10),
                "window": window,
                "budgeting": budgeting,
                "alerts": rules or default_alerts(window),
            }
            try:
                out.append(SLO.model_validate(data))
            except ValidationError as exc:
                raise validation_error(source, exc, f"{where}: ") from exc
    return out

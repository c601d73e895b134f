"""Reading SLO definitions: native YAML, OpenSLO v1 and Sloth, from files or a directory.

Every error names the file, the SLO (or document) and the field, because a person fixes it by
opening that file at that line of thought.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .durations import parse_duration
from .model import SLO, AlertRule, Window, default_alerts

SUFFIXES = (".yaml", ".yml")
_CALENDAR_WORDS = {"day", "week", "month", "quarter", "year"}


class SLOSpecError(ValueError):
    """An SLO definition that cannot be used, with where it came from."""

    def __init__(self, source: str, message: str, field: str | None = None) -> None:
        self.source, self.field, self.message = source, field, message
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_error(source: str, exc: ValidationError, prefix: str = "") -> SLOSpecError:
    first = exc.errors()[0]
    field = _loc(first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    if more:
        msg += f" (and {more} more problem{'s' if more > 1 else ''})"
    return SLOSpecError(source, msg, f"{prefix}{field}" if field else prefix.rstrip(".: ") or None)


# -- native format ----------------------------------------------------------------------------
def _target(value: Any) -> Any:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1])
        except ValueError:
            return value
    return value


def window_from(value: Any) -> Any:
    """`30d`, `month`, `calendar month`, or a mapping, as the Window model takes it."""
    if isinstance(value, str):
        words = value.strip().lower().split()
        if words and words[0] == "calendar":
            words = words[1:]
        if len(words) == 1 and words[0] in _CALENDAR_WORDS:
            return {"type": "calendar", "unit": words[0]}
        return {"type": "rolling", "duration": value}
    if isinstance(value, dict) and "type" not in value:
        return {**value, "type": "calendar" if "unit" in value else "rolling"}
    return value


def _sli(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    sli = dict(value)
    if "threshold" in sli:
        if "threshold_ms" in sli:
            raise ValueError("give threshold or threshold_ms, not both")
        try:
            sli["threshold_ms"] = parse_duration(sli.pop("threshold")).total_seconds() * 1000
        except ValueError as exc:
            raise ValueError(f"sli.threshold: {exc}") from exc
    if "span_name" in sli:
        sli["span_names"] = sli.pop("span_name")
    if "span_kind" in sli:
        kinds = sli.pop("span_kind")
        sli["span_kinds"] = [kinds] if isinstance(kinds, str) else kinds
    if sli.get("span_kinds") == ["any"]:
        sli["span_kinds"] = ["server", "client", "producer", "consumer", "internal"]
    return sli


_SERVICE_KEYS = ("service.name", "job", "service_name")


def _scope_metrics(sli: Any, service: Any) -> Any:
    """Native metric selectors watch the SLO's service unless they name one themselves."""
    if not isinstance(sli, dict) or sli.get("source") != "metric" or not isinstance(service, str):
        return sli
    out = dict(sli)
    for key in ("metric", "good_metric", "bad_metric", "total_metric"):
        sel = out.get(key)
        if sel is None:
            continue
        sel = {"name": sel} if isinstance(sel, str) else sel.model_dump() if isinstance(sel, BaseModel) else dict(sel)
        attrs = dict(sel.get("attributes") or {})
        named = any(k in attrs for k in _SERVICE_KEYS) or any(
            isinstance(m, dict) and m.get("key") in _SERVICE_KEYS for m in sel.get("matchers") or []
        )
        if not named:
            attrs["service.name"] = service
        sel["attributes"] = attrs
        out[key] = sel
    return out


def _alerts(value: Any, window: Window) -> list[AlertRule] | list[dict[str, Any]]:
    if value is None or value == "default":
        return default_alerts(window)
    if value in ("none", []):
        return []
    if not isinstance(value, list):
        raise ValueError("alerts: use `default`, `none` or a list of rules")
    rules = []
    for i, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise ValueError(f"alerts[{i}] must be a mapping")
        rule = dict(raw)
        if "budget_consumed" in rule:
            if "burn_rate" in rule:
                raise ValueError(f"alerts[{i}]: give burn_rate or budget_consumed, not both")
            try:
                spent = float(rule.pop("budget_consumed"))
                rule["burn_rate"] = spent * window.nominal / parse_duration(rule.get("long_window", ""))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"alerts[{i}]: budget_consumed needs a number and a long_window ({exc})") from exc
        rules.append(rule)
    return rules  # SLO validates them, so an error names alerts[i]


def native(doc: dict[str, Any], source: str, index: int = 0) -> SLO:
    """One native SLO mapping (see docs in the README) as an SLO."""
    label = f"slo {doc.get('name')!r}" if doc.get("name") else f"document {index + 1}"
    data = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}
    if doc.get("kind", "SLO") != "SLO":
        raise SLOSpecError(source, f"kind {doc.get('kind')!r} is not an SLO", label)
    if "window" in data:
        try:
            data["window"] = Window.model_validate(window_from(data["window"]))
        except ValidationError as exc:
            raise validation_error(source, exc, f"{label}: window.") from exc
    try:
        if "target" in data:
            data["target"] = _target(data["target"])
        data["sli"] = _scope_metrics(_sli(data.get("sli")), data.get("service"))
        if isinstance(data.get("budgeting"), str):
            data["budgeting"] = {"method": data["budgeting"]}
        if isinstance(data.get("window"), Window):
            data["alerts"] = _alerts(data.get("alerts"), data["window"])
        return SLO.model_validate(data)
    except ValidationError as exc:
        raise validation_error(source, exc, f"{label}: ") from exc
    except ValueError as exc:
        raise SLOSpecError(source, str(exc), label) from exc


# -- files ------------------------------------------------------------------------------------
def _documents(text: str, source: str) -> list[Any]:
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise SLOSpecError(source, f"not valid YAML: {getattr(exc, 'problem', exc)}", where) from exc


def parse_text(text: str, source: str = "<text>") -> list[SLO]:
    """Every SLO in one YAML text, whatever mix of native, OpenSLO and Sloth documents it holds."""
    from . import openslo, sloth

    docs = _documents(text, source)
    # the OpenSLO SDK (and the spec's own examples) also write objects as one YAML list
    docs = [d for doc in docs for d in (doc if isinstance(doc, list) else [doc])]
    out: list[SLO] = []
    opens: list[dict[str, Any]] = []
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict):
            raise SLOSpecError(source, "each YAML document must be a mapping", f"document {i + 1}")
        api = str(doc.get("apiVersion", ""))
        if api.startswith("openslo/"):
            opens.append(doc)
        elif sloth.is_sloth(doc):
            out += sloth.convert(doc, source)
        elif isinstance(doc.get("slos"), list):
            defaults = {k: v for k, v in doc.items() if k != "slos"}
            out += [native({**defaults, **d}, source, j) for j, d in enumerate(doc["slos"])]
        else:
            out.append(native(doc, source, i))
    if opens:
        out += openslo.convert(opens, source)
    _no_duplicates(out, source)
    return out


def _no_duplicates(slos: list[SLO], source: str) -> None:
    seen: set[tuple[str, str]] = set()
    for slo in slos:
        key = (slo.tenant, slo.name)
        if key in seen:
            raise SLOSpecError(source, f"SLO {slo.name!r} is defined twice", "name")
        seen.add(key)


def load_file(path: Path) -> list[SLO]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SLOSpecError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    return parse_text(text, str(path))


def load_dir(folder: Path) -> list[SLO]:
    """Every SLO under a directory (recursively, *.yaml / *.yml), names unique per tenant."""
    if not folder.exists():
        return []
    if not folder.is_dir():
        raise SLOSpecError(str(folder), "not a directory")
    out: list[SLO] = []
    where: dict[tuple[str, str], str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
        for slo in load_file(path):
            key = (slo.tenant, slo.name)
            if key in where:
                raise SLOSpecError(str(path), f"SLO {slo.name!r} is also defined in {where[key]}", "name")
            where[key] = str(path)
            out.append(slo)
    return out


def to_yaml(slos: list[SLO]) -> str:
    """Native YAML for these SLOs (what `ollystack slo import` prints)."""
    docs = [s.to_json() for s in slos]
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)


_SLUG = re.compile(r"[^A-Za-z0-9._\-]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-")[:128] or "slo"

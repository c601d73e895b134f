"""Just enough PromQL to import Sloth and OpenSLO specs: the series selector inside a query.

`sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))` names a counter and its label
matchers; OllyStack evaluates the same counter from the OTLP points it stores (a sum named so, or
the count of a histogram for a `_count` series). Anything that is not one selector in
rate/increase/sum is refused with a message, never guessed at.
"""

from __future__ import annotations

import re

from .model import Matcher, MetricSelector

_WRAPPERS = re.compile(r"^\s*(?:sum|rate|increase|irate)\s*(?:by\s*\([^)]*\)\s*)?\(", re.IGNORECASE)
_SELECTOR = re.compile(r"^\s*([A-Za-z_:][A-Za-z0-9_:.]*)\s*(?:\{(.*?)\})?\s*(?:\[[^\]]*\])?\s*$", re.DOTALL)
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')


class PromQLError(ValueError):
    pass


def _strip(query: str) -> str:
    q = query.strip()
    while True:
        m = _WRAPPERS.match(q)
        if not m:
            return q
        inner = q[m.end() :]
        depth, end = 1, None
        for i, ch in enumerate(inner):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        if end is None or inner[end + 1 :].strip():
            raise PromQLError(f"cannot read {query!r}: only one selector inside sum/rate/increase is supported")
        q = inner[:end].strip()


def selector(query: str) -> MetricSelector:
    """The metric and matchers of a one-selector query; `{{.window}}` templates are fine."""
    core = _strip(query)
    m = _SELECTOR.match(core)
    if not m:
        raise PromQLError(f'cannot read {query!r}: expected metric{{label="value"}} inside sum/rate/increase')
    name, body = m.group(1), (m.group(2) or "").strip()
    attributes: dict[str, str] = {}
    matchers: list[Matcher] = []
    pos = 0
    while pos < len(body):
        mm = _MATCHER.match(body, pos)
        if not mm:
            raise PromQLError(f"cannot read the label matchers in {query!r} near {body[pos : pos + 20]!r}")
        key, op, value = mm.group(1), mm.group(2), mm.group(3).replace('\\"', '"')
        if op == "=":
            attributes[key] = value
        else:
            matchers.append(Matcher(key=key, op=op, value=value))  # type: ignore[arg-type]
        pos = mm.end()
    if name == "__name__" or not name:
        raise PromQLError(f"cannot read {query!r}: the metric name is missing")
    return MetricSelector(name=name, attributes=attributes, matchers=matchers)

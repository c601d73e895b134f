"""Log lines a real shop writes: many templates with realistic parameters, per kind of service.

Each request writes one to three INFO lines and, when it fails, an ERROR line; the parameters
(ids, IPs, durations, paths, sizes) vary, so a log miner sees the same templates with new values.
"""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .topology import Endpoint, Service

_ACCESS = (
    '{ip} - - "{method} {path} HTTP/1.1" {status} {size} {ms:.0f}ms',
    "request completed method={method} path={path} status={status} duration_ms={ms:.1f} request_id={rid}",
    "handled {method} {path} in {ms:.2f} ms (status {status}, {size} bytes)",
)
_BY_KIND = {
    "frontend": (
        "rendered page {path} for session {session} in {ms:.0f}ms",
        "served static asset /static/js/app.{hex8}.js from cache",
        "user {user} viewed product {product} (referrer={ref})",
    ),
    "gateway": (
        "routing {method} {path} to upstream {upstream} attempt={attempt}",
        "rate limiter: client {ip} has {tokens} tokens left",
        "auth header validated for user {user} scopes=[read write]",
    ),
    "backend": (
        "cache {hit} for key {key} ttl={ttl}s",
        "query took {qms:.1f} ms rows={rows} table={table}",
        "processed request {rid} for user {user} in {ms:.1f} ms",
        "connection pool stats: active={active} idle={idle} waiting={waiting}",
    ),
    "worker": (
        "consumed message offset={offset} partition={partition} topic=order.created",
        "shipment {shipment} created for order {order} carrier={carrier}",
        "committed offsets for group shipping-workers up to {offset}",
    ),
    "llm": (
        "assistant session {session}: model={model} prompt_tokens={tokens} completion_tokens={ctokens}",
        "retrieved {rows} products for query '{query}' in {qms:.1f} ms",
    ),
}
_ERRORS = (
    "ERROR processing {method} {path}: {message} (request_id={rid})",
    "unhandled exception in handler {handler}: {message}",
    "request {rid} failed after {ms:.0f} ms: {message}; retry {attempt}/3",
)
_SLOW = (
    "slow request: {method} {path} took {ms:.0f} ms (threshold {threshold} ms) request_id={rid}",
    "upstream latency high for {handler}: {ms:.0f} ms",
)
_DEBUG = (
    "feature flags evaluated for user {user}: checkout_v2={flag} recs_model=v{ttl}",
    "retry policy for {handler}: max_attempts=3 backoff={ttl}ms",
)
_WORDS = ("shoes", "red dress", "usb cable", "coffee beans", "lamp", "backpack", "phone case", "gift card")


class _Params(dict):
    """Template parameters made on first use: a line needs two or three of the forty."""

    def __init__(self, rnd: random.Random, service: Service, endpoint: Endpoint, ms: float) -> None:
        super().__init__()
        self._rnd, self._service, self._ms = rnd, service, ms
        self._method, _, self._route = endpoint.name.partition(" ")

    def __missing__(self, key: str) -> object:
        value = self._make(key)
        self[key] = value
        return value

    def _make(self, key: str) -> object:
        rnd, service, route = self._rnd, self._service, self._route
        if key == "ip":
            return f"10.{rnd.randrange(0, 255)}.{rnd.randrange(0, 255)}.{rnd.randrange(1, 255)}"
        if key == "method":
            return self._method
        if key == "path":
            return route.replace("{id}", str(rnd.randrange(1, 90_000))).replace("{sku}", f"SKU-{rnd.randrange(1, 999)}")
        if key in ("ms", "qms"):
            return self._ms if key == "ms" else self._ms * rnd.uniform(0.1, 0.6)
        if key in ("rid", "session"):
            value = uuid.UUID(int=rnd.getrandbits(128))
            return value.hex[:16] if key == "rid" else value
        if key == "handler":
            return f"{service.name}.{route.strip('/').split('/')[0] or 'root'}"
        if key in ("upstream",):
            return service.name
        if key == "key":
            return f"{service.name}:{rnd.randrange(1, 50_000)}"
        if key == "active":
            return rnd.randrange(0, service.pool_size)
        if key in _CHOICES:
            return rnd.choice(_CHOICES[key])
        low, high, fmt = _NUMBERS[key]
        return fmt.format(rnd.randrange(low, high))


_CHOICES: dict[str, tuple[object, ...]] = {
    "ref": ("google", "newsletter", "direct", "instagram"),
    "hit": ("hit", "hit", "miss"),
    "ttl": (30, 60, 300),
    "table": ("orders", "products", "stock", "payments"),
    "carrier": ("dhl", "ups", "fedex", "postnl"),
    "model": ("gpt-4o-mini", "claude-3-5-haiku"),
    "query": _WORDS,
    "status": (200,),
    "flag": ("true", "false"),
    "attempt": (1,),
    "waiting": (0,),
}
_NUMBERS: dict[str, tuple[int, int, str]] = {
    "size": (200, 90_000, "{}"),
    "user": (1, 200_000, "u{}"),
    "product": (1, 90_000, "{}"),
    "tokens": (0, 100, "{}"),
    "rows": (0, 500, "{}"),
    "idle": (0, 10, "{}"),
    "offset": (10_000, 9_000_000, "{}"),
    "partition": (0, 12, "{}"),
    "shipment": (100_000, 999_999, "SHP-{}"),
    "order": (100_000, 999_999, "ORD-{}"),
    "ctokens": (20, 400, "{}"),
    "hex8": (0, 2**32, "{:08x}"),
}


def info_lines(rnd: random.Random, service: Service, endpoint: Endpoint, ms: float) -> list[str]:
    params = _Params(rnd, service, endpoint, ms)
    lines = [rnd.choice(_ACCESS).format_map(params)] if service.kind == "frontend" else []
    templates = _BY_KIND.get(service.kind, _BY_KIND["backend"])
    for _ in range(rnd.choice((0, 0, 0, 1, 1, 2))):
        lines.append(rnd.choice(templates).format_map(params))
    return lines


def error_line(rnd: random.Random, service: Service, endpoint: Endpoint, message: str) -> str:
    params = _Params(rnd, service, endpoint, 0.0)
    params["message"] = message
    params["attempt"] = rnd.randrange(1, 4)
    return rnd.choice(_ERRORS).format_map(params)


def slow_line(rnd: random.Random, service: Service, endpoint: Endpoint, ms: float) -> str:
    params = _Params(rnd, service, endpoint, ms)
    params["threshold"] = int(4 * endpoint.latency_ms + 50)
    return rnd.choice(_SLOW).format_map(params)


def debug_line(rnd: random.Random, service: Service, endpoint: Endpoint) -> str:
    return rnd.choice(_DEBUG).format_map(_Params(rnd, service, endpoint, 0.0))

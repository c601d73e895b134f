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
_WORDS = ("shoes", "red dress", "usb cable", "coffee beans", "lamp", "backpack", "phone case", "gift card")


def _params(rnd: random.Random, service: Service, endpoint: Endpoint, ms: float) -> dict[str, object]:
    method, _, route = endpoint.name.partition(" ")
    return {
        "ip": f"10.{rnd.randrange(0, 255)}.{rnd.randrange(0, 255)}.{rnd.randrange(1, 255)}",
        "method": method,
        "path": route.replace("{id}", str(rnd.randrange(1, 90_000))).replace("{sku}", f"SKU-{rnd.randrange(1, 999)}"),
        "status": 200,
        "size": rnd.randrange(200, 90_000),
        "ms": ms,
        "qms": ms * rnd.uniform(0.1, 0.6),
        "rid": uuid.UUID(int=rnd.getrandbits(128)).hex[:16],
        "session": uuid.UUID(int=rnd.getrandbits(128)),
        "user": f"u{rnd.randrange(1, 200_000)}",
        "product": rnd.randrange(1, 90_000),
        "ref": rnd.choice(("google", "newsletter", "direct", "instagram")),
        "upstream": service.name,
        "attempt": 1,
        "tokens": rnd.randrange(0, 100),
        "hit": rnd.choice(("hit", "hit", "miss")),
        "key": f"{service.name}:{rnd.randrange(1, 50_000)}",
        "ttl": rnd.choice((30, 60, 300)),
        "rows": rnd.randrange(0, 500),
        "table": rnd.choice(("orders", "products", "stock", "payments")),
        "active": rnd.randrange(0, service.pool_size),
        "idle": rnd.randrange(0, 10),
        "waiting": 0,
        "offset": rnd.randrange(10_000, 9_000_000),
        "partition": rnd.randrange(0, 12),
        "shipment": f"SHP-{rnd.randrange(100_000, 999_999)}",
        "order": f"ORD-{rnd.randrange(100_000, 999_999)}",
        "carrier": rnd.choice(("dhl", "ups", "fedex", "postnl")),
        "model": rnd.choice(("gpt-4o-mini", "claude-3-5-haiku")),
        "ctokens": rnd.randrange(20, 400),
        "query": rnd.choice(_WORDS),
        "hex8": f"{rnd.getrandbits(32):08x}",
        "handler": f"{service.name}.{route.strip('/').split('/')[0] or 'root'}",
    }


def info_lines(rnd: random.Random, service: Service, endpoint: Endpoint, ms: float) -> list[str]:
    params = _params(rnd, service, endpoint, ms)
    lines = [rnd.choice(_ACCESS).format(**params)] if service.kind in ("frontend", "gateway") else []
    templates = _BY_KIND.get(service.kind, _BY_KIND["backend"])
    for _ in range(rnd.choice((0, 1, 1, 2))):
        lines.append(rnd.choice(templates).format(**params))
    return lines


def error_line(rnd: random.Random, service: Service, endpoint: Endpoint, message: str) -> str:
    params = _params(rnd, service, endpoint, 0.0)
    params["message"] = message
    params["attempt"] = rnd.randrange(1, 4)
    return rnd.choice(_ERRORS).format(**params)

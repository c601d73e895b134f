"""The simulated shop: services, their endpoints and calls, and the dependencies they use.

Services have a *role* (what the shop needs: payments, cart…) and a *name* (what telemetry
shows). A seed renames and reshapes the shop — other names, optional services present or not,
other latencies and dependencies — so detectors and the agent cannot be tuned to one topology,
while scenarios still say "a bad deploy of the payments role".
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

DependencyKind = Literal["database", "cache", "queue", "external"]


@dataclass(frozen=True)
class Dependency:
    """Something the shop calls but does not run instrumented: a database, cache, queue or API."""

    role: str
    name: str
    kind: DependencyKind
    system: str  # db.system / messaging.system, or "http" for a third-party API
    latency_ms: float  # median of one operation
    sigma: float = 0.4  # lognormal spread


@dataclass(frozen=True)
class Call:
    """One downstream call an endpoint makes (`operation` is a route, a statement or a topic)."""

    target: str  # role of a service or dependency
    operation: str
    probability: float = 1.0
    asynchronous: bool = False  # through the queue: a producer span now, a consumer span later


@dataclass(frozen=True)
class Endpoint:
    name: str  # span name, e.g. "POST /api/checkout"
    latency_ms: float  # median of the endpoint's own work, excluding calls
    sigma: float = 0.5
    error_rate: float = 0.002
    calls: tuple[Call, ...] = ()
    weight: float = 1.0  # share of entry traffic (entry service only)


@dataclass(frozen=True)
class Service:
    role: str
    name: str
    kind: Literal["frontend", "gateway", "backend", "llm", "worker"]
    endpoints: tuple[Endpoint, ...]
    version: str = "1.0.0"
    language: str = "python"
    pool_size: int = 20  # connection pool the saturation faults exhaust
    memory_mb: int = 512

    def endpoint(self, name: str) -> Endpoint:
        for ep in self.endpoints:
            if ep.name == name:
                return ep
        raise KeyError(f"{self.name} has no endpoint {name!r}")


@dataclass(frozen=True)
class Shop:
    seed: int
    entry: str  # role of the service users hit
    services: dict[str, Service] = field(default_factory=dict)  # by role
    dependencies: dict[str, Dependency] = field(default_factory=dict)  # by role
    #: queue topic -> (consumer service role, endpoint) that processes its messages
    consumers: dict[str, tuple[str, str]] = field(default_factory=dict)

    def name_of(self, role: str) -> str:
        if role in self.services:
            return self.services[role].name
        return self.dependencies[role].name

    def role_of(self, name: str) -> str:
        roles = self.__dict__.get("_roles")
        if roles is None:  # frozen dataclass: cache the reverse map beside the fields
            roles = {svc.name: role for role, svc in self.services.items()}
            roles.update({dep.name: role for role, dep in self.dependencies.items()})
            object.__setattr__(self, "_roles", roles)
        return roles[name]

    def calls(self) -> Iterator[tuple[str, Endpoint, Call]]:
        for role, svc in self.services.items():
            for ep in svc.endpoints:
                for call in ep.calls:
                    yield role, ep, call

    def edges(self) -> set[tuple[str, str]]:
        """(caller role, callee role) pairs: the shop's true topology, for checking service maps.

        An asynchronous call is an edge to the queue and, when the topic has a consumer, an edge
        from the producer to the consuming service (as traces link them).
        """
        out = set()
        for role, _, call in self.calls():
            out.add((role, call.target))
            consumer = self.consumers.get(call.operation) if call.asynchronous else None
            if consumer and consumer[0] in self.services:
                out.add((role, consumer[0]))
        return out


# -- the template -----------------------------------------------------------------------------
# Every role with the names a seed may give it; the first name is the canonical one.
_NAMES: dict[str, tuple[str, ...]] = {
    "frontend": ("web-frontend", "storefront", "web-ui", "shop-web"),
    "gateway": ("api-gateway", "edge-gateway", "gateway", "bff"),  # verifies half the tokens itself (cached)
    "auth": ("auth", "identity", "auth-service", "login"),
    "search": ("search", "catalog-search", "product-search", "finder"),
    "cart": ("cart", "basket", "cart-service", "bag"),
    "checkout": ("checkout", "order-service", "orders", "checkout-api"),
    "payments": ("payments", "billing", "payment-service", "pay"),
    "inventory": ("inventory", "stock", "warehouse", "inventory-service"),
    "shipping": ("shipping", "fulfillment", "delivery", "logistics"),
    "recommendations": ("recommendations", "recs", "suggestions", "personalization"),
    "assistant": ("shopping-assistant", "assistant", "ai-helper", "concierge"),
    "notifications": ("notifications", "mailer", "notify", "messaging"),
    "postgres": ("postgres", "orders-db", "main-db", "pg"),
    "redis": ("redis", "session-cache", "cache", "redis-main"),
    "queue": ("orders-queue", "order-events", "events", "order-topic"),
    "psp": ("stripe-api", "payment-provider", "adyen-api", "psp-gateway"),
    "llm": ("llm-api", "model-provider", "openai-api", "anthropic-api"),
}
#: roles a seed may leave out (each drops its calls with it)
_OPTIONAL = ("recommendations", "notifications")


def _template() -> tuple[dict[str, Service], dict[str, Dependency]]:
    ep, c = Endpoint, Call
    deps = {
        "postgres": Dependency("postgres", "postgres", "database", "postgresql", 4.0),
        "redis": Dependency("redis", "redis", "cache", "redis", 0.6, 0.3),
        "queue": Dependency("queue", "orders-queue", "queue", "kafka", 1.5),
        "psp": Dependency("psp", "stripe-api", "external", "http", 180.0, 0.35),
        "llm": Dependency("llm", "llm-api", "external", "http", 900.0, 0.45),
    }
    services = {
        "frontend": Service(
            "frontend",
            "",
            "frontend",
            (
                ep(
                    "GET /",
                    8,
                    weight=4,
                    calls=(c("gateway", "GET /api/products"), c("recommendations", "GET /api/recs", 0.8)),
                ),
                ep("GET /product/{id}", 10, weight=5, calls=(c("gateway", "GET /api/products/{id}"),)),
                ep("GET /search", 9, weight=3, calls=(c("gateway", "GET /api/search"),)),
                ep("POST /cart", 7, weight=2, calls=(c("gateway", "POST /api/cart"),)),
                ep("POST /checkout", 12, weight=1, calls=(c("gateway", "POST /api/checkout"),)),
                ep("POST /assistant", 6, weight=0.5, calls=(c("gateway", "POST /api/assistant"),)),
            ),
            language="javascript",
        ),
        "gateway": Service(
            "gateway",
            "",
            "gateway",
            (
                ep("GET /api/products", 2, calls=(c("auth", "POST /verify", 0.5), c("search", "GET /products"))),
                ep(
                    "GET /api/products/{id}",
                    2,
                    calls=(
                        c("auth", "POST /verify", 0.5),
                        c("inventory", "GET /stock/{sku}"),
                        c("search", "GET /products/{id}"),
                    ),
                ),
                ep("GET /api/search", 2, calls=(c("auth", "POST /verify", 0.5), c("search", "GET /search"))),
                ep("POST /api/cart", 2, calls=(c("auth", "POST /verify", 0.5), c("cart", "POST /cart/items"))),
                ep("POST /api/checkout", 3, calls=(c("auth", "POST /verify", 0.5), c("checkout", "POST /orders"))),
                ep("POST /api/assistant", 2, calls=(c("auth", "POST /verify", 0.5), c("assistant", "POST /chat"))),
            ),
            language="go",
        ),
        "auth": Service(
            "auth", "", "backend", (ep("POST /verify", 1.5, calls=(c("redis", "GET session"),)),), language="go"
        ),
        "search": Service(
            "search",
            "",
            "backend",
            (
                ep("GET /products", 15, calls=(c("postgres", "SELECT products"),)),
                ep("GET /products/{id}", 5, calls=(c("redis", "GET product"), c("postgres", "SELECT product", 0.3))),
                ep("GET /search", 25, sigma=0.7, calls=(c("postgres", "SELECT products"),)),
            ),
            language="java",
        ),
        "cart": Service(
            "cart",
            "",
            "backend",
            (
                ep("POST /cart/items", 4, calls=(c("redis", "HSET cart"), c("inventory", "GET /stock/{sku}"))),
                ep("GET /cart", 2, calls=(c("redis", "HGETALL cart"),)),
            ),
        ),
        "checkout": Service(
            "checkout",
            "",
            "backend",
            (
                ep(
                    "POST /orders",
                    10,
                    error_rate=0.004,
                    calls=(
                        c("cart", "GET /cart"),
                        c("inventory", "POST /reserve"),
                        c("payments", "POST /charge"),
                        c("postgres", "INSERT orders"),
                        c("queue", "order.created", asynchronous=True),
                    ),
                ),
            ),
            language="java",
        ),
        "payments": Service(
            "payments",
            "",
            "backend",
            (
                ep(
                    "POST /charge",
                    8,
                    error_rate=0.01,
                    calls=(c("postgres", "INSERT payments"), c("psp", "POST /v1/charges")),
                ),
            ),
        ),
        "inventory": Service(
            "inventory",
            "",
            "backend",
            (
                ep("GET /stock/{sku}", 3, calls=(c("redis", "GET stock"), c("postgres", "SELECT stock", 0.2))),
                ep("POST /reserve", 6, calls=(c("postgres", "UPDATE stock"),)),
            ),
            language="go",
        ),
        "shipping": Service(
            "shipping",
            "",
            "worker",
            (
                ep(
                    "process order.created",
                    20,
                    calls=(c("postgres", "INSERT shipments"), c("notifications", "POST /notify", 0.9)),
                ),
            ),
        ),
        "recommendations": Service(
            "recommendations",
            "",
            "backend",
            (ep("GET /api/recs", 30, sigma=0.6, calls=(c("redis", "GET recs"), c("postgres", "SELECT orders", 0.5))),),
        ),
        "assistant": Service(
            "assistant",
            "",
            "llm",
            (ep("POST /chat", 20, error_rate=0.005, calls=(c("search", "GET /search", 0.7), c("llm", "chat"))),),
        ),
        "notifications": Service(
            "notifications",
            "",
            "backend",
            (ep("POST /notify", 5, calls=(c("queue", "notification.sent", asynchronous=True),)),),
            language="javascript",
        ),
    }
    return services, deps


def _drop_role(services: dict[str, Service], role: str) -> dict[str, Service]:
    out = {}
    for r, svc in services.items():
        if r == role:
            continue
        eps = tuple(replace(ep, calls=tuple(cl for cl in ep.calls if cl.target != role)) for ep in svc.endpoints)
        out[r] = replace(svc, endpoints=eps)
    return out


def _jitter(value: float, rnd: random.Random, spread: float = 0.3) -> float:
    return round(value * rnd.uniform(1 - spread, 1 + spread), 3)


def build_shop(seed: int = 0) -> Shop:
    """The shop for `seed`: seed 0 is the canonical shop; others rename and reshape it."""
    services, deps = _template()
    rnd = random.Random(seed)
    if seed:
        for role in _OPTIONAL:
            if rnd.random() < 0.3:
                services = _drop_role(services, role)
    taken: set[str] = set()

    def pick(role: str) -> str:
        names = _NAMES[role]
        choice = names[0] if not seed else rnd.choice(names)
        while choice in taken:
            choice = rnd.choice(names) + f"-{rnd.randrange(2, 9)}"
        taken.add(choice)
        return choice

    named = {}
    for role, svc in services.items():
        eps = svc.endpoints
        if seed:
            eps = tuple(
                replace(ep, latency_ms=_jitter(ep.latency_ms, rnd), error_rate=_jitter(ep.error_rate, rnd, 0.5))
                for ep in eps
            )
        version = f"{rnd.randrange(1, 4)}.{rnd.randrange(0, 20)}.{rnd.randrange(0, 10)}" if seed else svc.version
        named[role] = replace(svc, name=pick(role), endpoints=eps, version=version)
    named_deps = {
        role: replace(dep, name=pick(role), latency_ms=_jitter(dep.latency_ms, rnd) if seed else dep.latency_ms)
        for role, dep in deps.items()
    }
    consumers = {"order.created": ("shipping", "process order.created")}
    return Shop(seed=seed, entry="frontend", services=named, dependencies=named_deps, consumers=consumers)

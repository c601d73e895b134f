#!/usr/bin/env python3
# ruff: noqa: E501, E731 — long message-format literals, one event a line; small lambdas make values
"""Write the labelled log corpus: one `<system>.tsv` per system, `EventId<TAB>Content` rows.

Synthetic lines in the message formats of real programs (nginx, PostgreSQL, kubelet, etcd, …),
written from knowledge of those programs' log statements, with varied, realistic values. Nothing
here comes from the Loghub datasets; see README.md for the labelling rule.

Two label sets for the same lines are written:

- `<system>.tsv`: event-level labels. Two lines share an event iff they come from the same log
  statement and every closed-vocabulary value the statement substituted (HTTP method, state name,
  result word, flag code, SQL statement text, …) is the same. The EventId is the statement's id
  followed by those values, e.g. `nginx-E1-GET-HTTP_1.1`, `redis-E24-fail`.
- `statements/<system>.tsv`: statement-level labels, one EventId per log statement (`nginx-E1`).

A generator marks a closed-vocabulary value with `g.vocab(...)` (pick and record) or `g.tag(...)`
(record a value already chosen); everything else it substitutes is a parameter.

Deterministic: every system has its own `random.Random`, seeded from the system's name, so the
same files come out byte for byte on every run (and adding a system leaves the others unchanged).

    python tests/data/logcorpus/generate.py [OUT_DIR]     # default: this file's directory
"""

from __future__ import annotations

import json
import random
import re
import sys
import uuid
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

SEED = 20240512
HERE = Path(__file__).resolve().parent
START = datetime(2024, 5, 12, 6, 0, 0)

Line = Callable[[], str]
Event = tuple[float, Line]  # (relative weight, renders one line)
SYSTEMS: dict[str, Callable[[Gen], list[Event]]] = {}
T = TypeVar("T")


def system(name: str) -> Callable[[Callable[[Gen], list[Event]]], Callable[[Gen], list[Event]]]:
    def register(fn: Callable[[Gen], list[Event]]) -> Callable[[Gen], list[Event]]:
        SYSTEMS[name] = fn
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# value vocabularies

SERVICES = [
    "checkout", "cart", "payments", "catalog", "search", "auth", "orders", "inventory", "shipping",
    "notifications", "recommendations", "frontend", "api-gateway", "billing", "user-profile",
]  # fmt: skip
NAMESPACES = ["default", "shop", "payments", "platform", "monitoring", "data", "ingress-nginx", "kube-system"]
USERS = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "oscar", "peggy", "trent", "victor", "walter", "svc-deploy", "ci-bot", "j.smith", "m_garcia",
]  # fmt: skip
DOMAINS = ["example.com", "shop.example.com", "api.example.com", "acme.io", "internal.acme.io", "example.org"]
K8S_ALNUM = "bcdfghjklmnpqrstvwxz2456789"
TABLES = ["orders", "line_items", "customers", "products", "inventory", "sessions", "payments", "shipments"]
COLUMNS = ["id", "status", "created_at", "updated_at", "customer_id", "total", "sku", "quantity", "email"]
HTTP_PATHS = [
    "/", "/healthz", "/readyz", "/metrics", "/favicon.ico", "/robots.txt", "/login", "/logout",
    "/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/orders/{id}/items", "/api/v1/cart",
    "/api/v1/cart/items/{id}", "/api/v2/products", "/api/v2/products/{id}", "/api/v2/search",
    "/api/v1/users/{id}/profile", "/api/v1/payments/{uuid}/capture", "/static/js/app.{hex}.js",
    "/static/css/main.{hex}.css", "/images/products/{id}/large.webp", "/graphql", "/webhooks/stripe",
    "/checkout/confirm", "/account/settings", "/api/v1/sessions/{uuid}",
]  # fmt: skip
QUERIES = [
    "", "", "", "", "?page={n}&limit=50", "?q=red+running+shoes&sort=price_asc", "?id={id}",
    "?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale", "?ref=home&lang=en-GB",
    "?category=kitchen&page={n}", "?token={hex}", "?from=2024-05-01&to=2024-05-12&tz=UTC",
]  # fmt: skip
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "curl/8.5.0",
    "kube-probe/1.29",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "okhttp/4.12.0",
    "Prometheus/2.51.2",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
]  # fmt: skip
ERRNOS = [
    "Connection refused", "Connection reset by peer", "Connection timed out", "No route to host",
    "Broken pipe", "Network is unreachable", "No such file or directory", "Permission denied",
]  # fmt: skip


def label_part(value: str) -> str:
    """A closed-vocabulary value as it appears in an EventId: letters, digits and dots kept,
    anything else `_`; a value with no letter or digit (`-`, `----`, empty) is `none`."""
    if not any(c.isalnum() for c in value):
        return "none"
    return re.sub(r"[^A-Za-z0-9.]", "_", value)


def sql_shape(text: str) -> str:
    """A statement's text with its literal values (quoted strings, numbers, IN lists) replaced by
    `?`, the way statement statistics (pg_stat_statements, the slow log digest) group queries."""
    text = re.sub(r"'[^']*'", "?", text)
    text = re.sub(r"(?<![\w$.])\d+(?:\.\d+)?(?![\w.])", "?", text)
    return re.sub(r"\bIN \([^)]*\)", "IN (?)", text)


class Gen:
    """Random values of the shapes real logs carry, and a clock that moves forward line by line."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.r = rng
        self.now = start
        self.parts: list[tuple[str, str]] = []  # (label, raw value) of the line being rendered

    # event-level labels ------------------------------------------------------------------
    def tag(self, value: T, label: str | None = None) -> T:
        """Record a closed-vocabulary value the statement substituted into this line: it becomes
        part of the line's EventId (as `label`, or the value itself). Uses no randomness."""
        raw = str(value)
        self.parts.append((label_part(raw if label is None else label), raw))
        return value

    def vocab(self, seq: Sequence[str], prefix: str = "", labels: dict[str, str] | None = None) -> str:
        """Pick from a closed vocabulary and record the pick (see `tag`)."""
        value = self.r.choice(seq)
        return self.tag(value, (labels or {}).get(value, prefix + value))

    def statement(self, text: str) -> str:
        """Record an SQL/CQL statement's text, its literals being parameters (see `sql_shape`)."""
        shape = sql_shape(text)
        self.tag(shape, f"{shape.split()[0]}.{zlib.crc32(shape.encode()):08x}")
        return text

    # clock -------------------------------------------------------------------------------
    def tick(self) -> None:
        self.now += timedelta(microseconds=int(self.r.expovariate(1.0) * 1_400_000) + 1)

    def iso(self, digits: int = 3, z: str = "Z", sep: str = "T") -> str:
        frac = f"{self.now.microsecond:06d}"[:digits]
        return self.now.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + (f".{frac}" if digits else "") + z

    def clf(self) -> str:  # common log format: 12/May/2024:10:31:02 +0000
        return self.now.strftime("%d/%b/%Y:%H:%M:%S +0000")

    def syslog_ts(self) -> str:
        return f"{self.now:%b} {self.now.day:2d} {self.now:%H:%M:%S}"

    def epoch_ms(self) -> int:
        return int((self.now - datetime(1970, 1, 1)).total_seconds() * 1000)

    def epoch(self) -> float:
        return (self.now - datetime(1970, 1, 1)).total_seconds()

    # choices -----------------------------------------------------------------------------
    def pick(self, seq: Sequence[str]) -> str:
        return self.r.choice(seq)

    def some(self, seq: Sequence[str], lo: int = 1, hi: int = 4) -> list[str]:
        return self.r.sample(list(seq), self.r.randint(lo, min(hi, len(seq))))

    def n(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def f(self, lo: float, hi: float, digits: int = 3) -> str:
        return f"{self.r.uniform(lo, hi):.{digits}f}"

    def skew(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi] with many small and few large values."""
        return min(hi, lo + int((self.r.paretovariate(1.2) - 1) * max(1.0, (hi - lo) / 50)))

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    # identifiers -------------------------------------------------------------------------
    def hex(self, n: int) -> str:
        return f"{self.r.getrandbits(4 * n):0{n}x}"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def alnum(self, n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def svc(self) -> str:
        return self.pick(SERVICES)

    def ns(self) -> str:
        return self.pick(NAMESPACES[:6])

    def rs(self, svc: str | None = None) -> str:
        svc = svc or self.svc()
        return f"{svc}-{self.alnum(self.r.choice((9, 10)), K8S_ALNUM)}"

    def pod(self, svc: str | None = None) -> str:
        return f"{self.rs(svc)}-{self.alnum(5, K8S_ALNUM)}"

    def user(self) -> str:
        return self.pick(USERS)

    def email(self) -> str:
        u = self.pick(USERS).replace("_", ".")
        return f"{u}{self.pick(['', '', '+orders', str(self.n(1, 99))])}@{self.pick(DOMAINS)}"

    def host(self) -> str:
        kind = self.r.random()
        if kind < 0.4:
            return f"{self.pick(['web', 'api', 'db', 'worker', 'cache', 'edge', 'batch'])}-{self.n(1, 24):02d}"
        if kind < 0.7:
            return f"ip-10-{self.n(0, 3)}-{self.n(0, 255)}-{self.n(1, 254)}.ec2.internal"
        return f"{self.pick(['node', 'gke-prod-pool', 'aks-nodepool1'])}-{self.alnum(8, '0123456789abcdef')}-{self.alnum(4)}"

    # network -----------------------------------------------------------------------------
    def ip(self) -> str:
        k = self.r.random()
        if k < 0.55:
            return f"10.{self.n(0, 3)}.{self.n(0, 255)}.{self.n(1, 254)}"
        if k < 0.7:
            return f"172.{self.n(16, 31)}.{self.n(0, 255)}.{self.n(1, 254)}"
        if k < 0.8:
            return f"192.168.{self.n(0, 10)}.{self.n(1, 254)}"
        first = self.pick(["34", "35", "52", "54", "66", "81", "91", "104", "151", "185", "203"])
        return f"{first}.{self.n(0, 255)}.{self.n(0, 255)}.{self.n(1, 254)}"

    def pod_ip(self) -> str:
        return f"10.244.{self.n(0, 12)}.{self.n(2, 254)}"

    def ip6(self) -> str:
        k = self.r.random()
        if k < 0.4:
            return f"2001:db8:{self.hex(4).lstrip('0') or '0'}::{self.hex(3).lstrip('0') or '1'}"
        if k < 0.7:
            return f"fe80::{self.hex(4)}:{self.hex(2)}ff:fe{self.hex(2)}:{self.hex(4)}"
        return ":".join(self.hex(4).lstrip("0") or "0" for _ in range(8))

    def port(self) -> int:
        return self.n(32768, 60999)

    def ipport(self) -> str:
        return f"{self.ip()}:{self.port()}"

    def method(self) -> str:  # an HTTP method is a closed vocabulary: always part of the EventId
        return self.tag(
            self.r.choices(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], [60, 22, 6, 4, 3, 3, 2])[0]
        )

    def status(self) -> int:
        return self.r.choices(
            [200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 409, 429, 499, 500, 502, 503, 504],
            [62, 6, 4, 2, 3, 5, 2, 2, 1, 6, 1, 1, 1, 1, 1, 1, 1],
        )[0]

    def path(self) -> str:
        p = self.pick(HTTP_PATHS)
        return p.replace("{id}", str(self.skew(1, 999999))).replace("{uuid}", self.uuid()).replace("{hex}", self.hex(8))

    def query(self) -> str:
        q = self.pick(QUERIES)
        return (
            q.replace("{n}", str(self.n(1, 40))).replace("{id}", str(self.n(1, 99999))).replace("{hex}", self.hex(24))
        )

    def urlpath(self) -> str:
        return self.path() + self.query()

    def url(self, scheme: str = "https") -> str:
        return f"{scheme}://{self.pick(DOMAINS)}{self.urlpath()}"

    def ua(self) -> str:
        return self.pick(USER_AGENTS)

    # quantities --------------------------------------------------------------------------
    def go_dur(self, seconds: float) -> str:
        """Go's time.Duration.String(): 850µs, 12.5ms, 1.234s, 3m20.5s, 1h2m3s."""
        if seconds < 1e-3:
            return f"{seconds * 1e6:.3f}".rstrip("0").rstrip(".") + "µs"
        if seconds < 1:
            return f"{seconds * 1e3:.6f}".rstrip("0").rstrip(".") + "ms"
        h, rest = divmod(seconds, 3600)
        m, s = divmod(rest, 60)
        text = f"{s:.3f}".rstrip("0").rstrip(".") + "s"
        if h:
            return f"{int(h)}h{int(m)}m{text}"
        return f"{int(m)}m{text}" if m else text

    def latency(self, median_ms: float = 20.0) -> float:
        """Seconds, log-normal around a median."""
        return self.r.lognormvariate(0, 1.1) * median_ms / 1000

    def size(self) -> str:
        n = self.r.lognormvariate(10, 2.5)
        unit = self.pick(["human", "iec", "bytes"])
        if unit == "bytes":
            return f"{int(n)} bytes"
        units = ["B", "KB", "MB", "GB"] if unit == "human" else ["B", "KiB", "MiB", "GiB"]
        i = 0
        while n >= 1024 and i < 3:
            n /= 1024
            i += 1
        sep = " " if unit == "human" else ""
        return f"{n:.1f}{sep}{units[i]}" if i else f"{int(n)}{sep}{units[0]}"

    def file(self) -> str:
        return self.pick([
            f"/var/lib/{self.pick(['app', 'data', 'cache'])}/{self.hex(2)}/{self.hex(12)}.bin",
            f"/srv/{self.svc()}/releases/{self.n(20240101, 20240512)}{self.n(100, 999)}/config/settings.yaml",
            f"/tmp/upload-{self.n(100000, 999999)}.part",
            f"/home/{self.user()}/.cache/pip/wheels/{self.hex(2)}/{self.hex(2)}/{self.hex(40)}",
            f"/var/log/{self.svc()}/access.log.{self.n(1, 9)}.gz",
            f"/etc/{self.svc()}/tls/tls.crt",
        ])  # fmt: skip

    def sql(self) -> str:
        """A statement of varied length, as slow-query and statement logs show them."""
        t, c = self.pick(TABLES), self.pick(COLUMNS)
        ids = ", ".join(str(self.n(1, 99999)) for _ in range(self.n(1, 6)))
        cols = ", ".join(self.some(COLUMNS, 1, 5))
        return self.statement(self.pick([
            f"SELECT {cols} FROM {t} WHERE {c} = {self.n(1, 99999)}",
            f"SELECT {cols} FROM {t} WHERE id IN ({ids}) ORDER BY created_at DESC LIMIT {self.pick(['10', '50', '100'])}",
            f"SELECT count(*) FROM {t} WHERE status = '{self.pick(['pending', 'paid', 'shipped', 'failed'])}' AND created_at > '2024-05-{self.n(1, 11):02d}'",
            f"UPDATE {t} SET status = 'shipped', updated_at = now() WHERE id = {self.n(1, 999999)}",
            f"UPDATE inventory SET reserved = reserved + {self.n(1, 5)} WHERE sku = 'SKU-{self.n(10000, 99999)}'",
            f"INSERT INTO {t} ({cols}) VALUES ({', '.join('$' + str(i + 1) for i in range(len(cols.split(', '))))})",
            f"DELETE FROM sessions WHERE expires_at < now() - interval '{self.n(1, 30)} days'",
            f"SELECT o.id, o.total, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.created_at >= '2024-05-{self.n(1, 11):02d}' AND c.country = '{self.pick(['DE', 'FR', 'GB', 'US', 'NL'])}'",
        ]))  # fmt: skip


def render(name: str, events: list[Event], g: Gen) -> list[tuple[str, str, str]]:
    """Pick each line's statement by weight (every statement at least once), then render in time
    order: (event-level EventId, statement-level EventId, content) per line."""
    r = g.r
    n = r.randint(300, 800)
    weights = [w for w, _ in events]
    seq = r.choices(range(len(events)), weights=weights, k=n)
    top = max(range(len(events)), key=lambda i: weights[i])
    for i in range(len(events)):
        if i not in seq:
            spots = [k for k, e in enumerate(seq) if e == top]
            seq[r.choice(spots)] = i
    rows = []
    values: dict[str, tuple[str, ...]] = {}  # event id -> the values it stands for
    ids: dict[tuple[str, tuple[str, ...]], str] = {}  # (statement, values) -> event id
    for i in seq:
        g.tick()
        g.parts = []
        text = events[i][1]()
        statement = f"{name}-E{i + 1}"
        if "\t" in text or "\n" in text or "\r" in text or not text.strip():
            raise ValueError(f"{statement}: bad content {text!r}")
        event = "-".join([statement, *(label for label, _ in g.parts)])
        raw = tuple(value for _, value in g.parts)
        if values.setdefault(event, raw) != raw or ids.setdefault((statement, raw), event) != event:
            raise ValueError(f"{event}: labels and values do not correspond one to one ({raw})")
        rows.append((event, statement, text))
    return rows


def build(name: str) -> list[tuple[str, str, str]]:
    rng = random.Random(SEED ^ zlib.crc32(name.encode()))
    g = Gen(rng, START + timedelta(minutes=zlib.crc32(name.encode()) % 720))
    return render(name, SYSTEMS[name](g), g)


def write_all(out: Path) -> list[Path]:
    """`out/<system>.tsv` with event-level labels, `out/statements/<system>.tsv` with
    statement-level labels; the same lines in the same order in both."""
    (out / "statements").mkdir(parents=True, exist_ok=True)
    written = []
    for name in SYSTEMS:
        rows = build(name)
        for path, column in ((out / f"{name}.tsv", 0), (out / "statements" / f"{name}.tsv", 1)):
            with path.open("w", encoding="utf-8", newline="\n") as fh:
                fh.write("EventId\tContent\n")
                for row in rows:
                    fh.write(f"{row[column]}\t{row[2]}\n")
            written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# systems. Each returns its log statements in EventId order (E1, E2, …) with relative weights.
# Labelling rule (README.md): one statement per logging call in the program's source; within a
# statement, every value substituted from a small closed vocabulary fixed in the program (HTTP
# method, reason phrase, state or transition name, result word, termination/flag code, log level
# inside the message, component or stream type from a fixed list, SQL statement text) is marked
# with g.vocab / g.tag / g.statement and splits the event. Open-ended values (numbers, ids, names,
# paths, routes, error messages from elsewhere, configured names, lists of any length) never do.


@system("nginx")
def nginx(g: Gen) -> list[Event]:
    """Whole lines: access log (two log_format definitions) and error log, as `docker logs` shows."""

    def err_head(level: str, conn: bool = True) -> str:
        pid = g.n(20, 60)
        head = f"{g.now:%Y/%m/%d %H:%M:%S} [{level}] {pid}#{pid}: "
        return head + (f"*{g.n(1000, 9999999)} " if conn else "")

    def ctx(upstream: bool = True, request: bool = True) -> str:
        server, path = g.pick(DOMAINS), g.urlpath()
        out = f", client: {g.ip()}, server: {server}"
        if request:
            out += f', request: "{g.method()} {path} HTTP/1.1"'
        if upstream:
            out += f', upstream: "http://{g.pod_ip()}:{g.pick(["8080", "3000", "9000"])}{path}"'
        return out + f', host: "{server}"'

    def access() -> str:
        ref = g.pick(["-", "-", g.url()])
        ru = g.pick(["-"] * 8 + [g.user()])
        st = g.status()
        size = 0 if st in (204, 304) else g.skew(120, 2_000_000)
        return f'{g.ip()} - {ru} [{g.clf()}] "{g.method()} {g.urlpath()} HTTP/{g.vocab(["1.1", "1.1", "2.0"], "HTTP/")}" {st} {size} "{ref}" "{g.ua()}"'

    def access_timed() -> str:
        rt = g.latency(25)
        up = "-" if g.chance(0.05) else f"{max(0.0, rt - 0.001):.3f}"
        return (
            f'{g.ip()} - - [{g.clf()}] "{g.method()} {g.urlpath()} HTTP/1.1" {g.status()} {g.skew(0, 90000)} '
            f'"-" "{g.ua()}" rt={rt:.3f} uct="{0.001 if up != "-" else "-"}" uht="{up}" urt="{up}"'
        )

    def signal() -> str:
        sig, action = g.pick(
            [("1 (SIGHUP)", "reconfiguring"), ("3 (SIGQUIT)", "shutting down"), ("10 (SIGUSR1)", "reopening logs")]
        )
        g.tag(sig.split()[1].strip("()"))  # the signal's name (its action follows from it)
        return err_head("notice", conn=False) + f"signal {sig} received from {g.n(100, 40000)}, {action}"

    def connect_failed() -> str:
        errno = g.r.choices(["111: Connection refused", "113: No route to host"], [5, 1])[0]
        return err_head("error") + f"connect() failed ({errno}) while connecting to upstream" + ctx()

    return [
        (60, access),
        (22, access_timed),
        (3, connect_failed),
        (2, lambda: err_head("error") + "upstream timed out (110: Connection timed out) while reading response header from upstream" + ctx()),
        (2, lambda: err_head("error") + f'open() "/usr/share/nginx/html{g.pick(["/favicon.ico", "/robots.txt", "/apple-touch-icon.png", "/.env", "/wp-login.php"])}" failed (2: No such file or directory)' + ctx(upstream=False)),
        (1, lambda: err_head("error") + "upstream prematurely closed connection while reading response header from upstream" + ctx()),
        (0.6, lambda: err_head("error") + "no live upstreams while connecting to upstream" + ctx()),
        (0.5, lambda: err_head("error") + f"client intended to send too large body: {g.n(1_100_000, 90_000_000)} bytes" + ctx(upstream=False)),
        (1.5, lambda: err_head("error") + f'limiting requests, excess: {g.f(0.5, 40, 3)} by zone "{g.pick(["api_limit", "login", "per_ip"])}"' + ctx(upstream=False)),
        (0.8, lambda: err_head("warn") + f"an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{g.n(0, 9)}/{g.n(10, 99)}/{g.n(1, 9999999):010d} while reading upstream" + ctx()),
        (0.5, lambda: err_head("warn") + f"a client request body is buffered to a temporary file /var/cache/nginx/client_temp/{g.n(1, 9999999):010d}" + ctx(upstream=False)),
        (1, lambda: err_head("info") + f"client closed connection while waiting for request, client: {g.ip()}, server: 0.0.0.0:{g.pick(['80', '443'])}"),
        (0.7, lambda: err_head("info") + f"SSL_do_handshake() failed (SSL: error:{g.pick(['0A00006C:SSL routines::bad key share', '0A000076:SSL routines::no suitable signature algorithm', '0A0000C1:SSL routines::no shared cipher'])}) while SSL handshaking, client: {g.ip()}, server: 0.0.0.0:443"),
        (0.2, lambda: err_head("notice", conn=False) + "signal process started"),
        (0.2, signal),
        (0.5, lambda: err_head("notice", conn=False) + f"start worker process {g.n(20, 40000)}"),
        (0.3, lambda: err_head("notice", conn=False) + f"worker process {g.n(20, 40000)} exited with code {g.pick(['0', '0', '0', '1', '2'])}"),
        (0.05, lambda: err_head("emerg", conn=False) + f"bind() to 0.0.0.0:{g.pick(['80', '443', '8080'])} failed (98: Address already in use)"),
        (0.05, lambda: err_head("warn", conn=False) + f'conflicting server name "{g.pick(DOMAINS)}" on 0.0.0.0:{g.pick(["80", "443"])}, ignored'),
        (0.08, lambda: err_head("alert") + f"{g.pick(['512', '768', '1024'])} worker_connections are not enough"),
        (0.4, lambda: err_head("error") + "recv() failed (104: Connection reset by peer) while reading response header from upstream" + ctx()),
        (0.3, lambda: err_head("warn") + "upstream server temporarily disabled while connecting to upstream" + ctx()),
    ]  # fmt: skip


@system("envoy")
def envoy(g: Gen) -> list[Event]:
    """Access log lines (default format, whole) and Envoy's own messages (after the
    `[ts][thread][level][component] [file:line]` header)."""

    def access() -> str:
        flags = g.tag(g.r.choices(["-", "UF", "URX", "UT", "NR", "UC", "DC", "UF,URX"], [85, 3, 2, 2, 2, 2, 3, 1])[0])
        st = (
            g.status()
            if flags == "-"
            else {"UF": 503, "URX": 503, "UT": 504, "NR": 404, "UC": 503, "DC": 0}.get(flags, 503)
        )
        upstream = "-" if flags in ("UF", "NR", "UF,URX") else f"{g.pod_ip()}:{g.pick(['8080', '9090', '3000'])}"
        dur = g.skew(0, 30000)
        return (
            f'[{g.iso()}] "{g.method()} {g.urlpath()} {g.vocab(["HTTP/1.1", "HTTP/2"])}" {st} {flags} {g.skew(0, 50000)} '
            f'{g.skew(0, 900000)} {dur} {"-" if upstream == "-" else max(0, dur - g.n(0, 3))} "{g.ip()}" "{g.ua()}" '
            f'"{g.uuid()}" "{g.pick(DOMAINS)}" "{upstream}"'
        )

    def cluster() -> str:
        return f"outbound|{g.pick(['8080', '9090', '5432'])}||{g.svc()}.{g.ns()}.svc.cluster.local"

    def tags(stream: bool = False) -> str:
        t = f'"ConnectionId":"{g.n(1, 999999)}"'
        if stream:
            t += f',"StreamId":"{g.n(10**17, 10**19 - 1)}"'
        return f"[Tags: {t}] "

    return [
        (55, access),
        (3, lambda: f"cds: add {g.n(1, 240)} cluster(s), remove {g.n(0, 12)} cluster(s)"),
        (3, lambda: f"cds: added/updated {g.n(0, 6)} cluster(s), skipped {g.n(0, 240)} unmodified cluster(s)"),
        (1, lambda: f"lds: add/update listener '{g.pick(['0.0.0.0_8443', 'virtualInbound', 'virtualOutbound', '0.0.0.0_15090'])}'"),
        (0.3, lambda: f"gRPC config for type.googleapis.com/envoy.config.cluster.v3.Cluster rejected: Error adding/updating cluster(s) {cluster()}: {g.pick(['LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint', 'Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)'])}"),
        (0.8, lambda: f'{g.vocab(["StreamAggregatedResources", "DeltaAggregatedResources"])} gRPC config stream to xds-grpc closed since {g.n(1, 3600)}s ago: 14, connection error: desc = "transport: Error while dialing: dial tcp 10.96.{g.n(0, 255)}.{g.n(1, 254)}:15012: connect: connection refused"'),
        (0.1, lambda: "initializing epoch 0 (base id=0, hot restart version=11.104)"),
        (0.15, lambda: "all clusters initialized. initializing init manager"),
        (0.15, lambda: "all dependencies initialized. starting workers"),
        (0.1, lambda: "starting main dispatch loop"),
        (0.05, lambda: "caught ENVOY_SIGTERM"),
        (0.05, lambda: "shutting down server instance"),
        (2, lambda: tags() + f"new connection from {g.ipport()}"),
        (1, lambda: tags() + "remote close"),
        (0.6, lambda: tags(True) + f"upstream reset: reset reason: {g.vocab(['connection failure', 'connection termination', 'overflow'])}, transport failure reason: {g.pick(['delayed connect error: 111', 'delayed connect error: 113', 'TLS error: 268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED'])}"),
        (0.5, lambda: f"membership update for TLS cluster {cluster()} added {g.n(0, 3)} removed {g.n(0, 3)}"),
    ]  # fmt: skip


@system("haproxy")
def haproxy(g: Gen) -> list[Event]:
    """After the syslog `haproxy[pid]: ` prefix."""

    def accept_date() -> str:
        return f"{g.now:%d/%b/%Y:%H:%M:%S}.{g.now.microsecond // 1000:03d}"

    backends = {"be_api": "api", "be_web": "web", "be_static": "static"}

    def server() -> tuple[str, str]:
        be = g.pick(list(backends))
        return be, f"{backends[be]}-{g.n(1, 6):02d}"

    def http() -> str:
        be, srv = server()
        st = g.status()
        term = "----"
        if st == 503 and g.chance(0.5):
            srv, term = "<NOSRV>", "SC--"
        elif st in (499, 504):
            term = g.pick(["CD--", "sH--", "SH--"])
        g.tag(term)  # termination state
        tq, tw, tc, tr = g.n(0, 3), g.n(0, 2), g.n(0, 3), g.skew(1, 8000)
        timers = f"{tq}/{tw}/{-1 if srv == '<NOSRV>' else tc}/{-1 if srv == '<NOSRV>' else tr}/{tq + tw + tc + tr}"
        conns = f"{g.n(1, 900)}/{g.n(1, 800)}/{g.n(0, 90)}/{g.n(0, 30)}/{g.pick(['0', '0', '0', '1', '3'])}"
        fe = g.pick(["https-in~", "http-in"])
        req = f"{g.method()} {g.urlpath()} HTTP/1.1"
        return f'{g.ipport()} [{accept_date()}] {fe} {be}/{srv} {timers} {st} {g.skew(0, 400000)} - - {term} {conns} 0/0 "{req}"'

    def tcp() -> str:
        return f"{g.ipport()} [{accept_date()}] pg-in pg_primary/db-{g.n(1, 2):02d} {g.n(0, 3)}/{g.n(0, 2)}/{g.skew(10, 900000)} {g.skew(200, 9000000)} {g.vocab(['--', '--', '--', 'cD', 'sD'])} {g.n(1, 90)}/{g.n(1, 80)}/{g.n(0, 40)}/{g.n(0, 40)}/0 0/0"

    def down() -> str:
        be, srv = server()
        reason = g.pick([
            'Layer4 connection problem, info: "Connection refused"',
            "Layer4 timeout",
            f'Layer7 wrong status, code: {g.pick(["500", "503"])}, info: "{g.pick(["Service Unavailable", "Internal Server Error"])}"',
        ])  # fmt: skip
        status = reason.split(",")[0]  # the check status (HAProxy's short name); code and info are parameters
        g.tag(status, {"Layer4 connection problem": "L4CON", "Layer4 timeout": "L4TOUT", "Layer7 wrong status": "L7STS"}[status])  # fmt: skip
        if status == "Layer7 wrong status":
            g.tag(reason.split('info: "')[1].rstrip('"'))  # the server's reason phrase
        active = g.n(0, 4)
        return f"Server {be}/{srv} is DOWN, reason: {reason}, check duration: {g.n(0, 2001)}ms. {active} active and 0 backup servers left. {g.n(0, 30)} sessions active, 0 requeued, 0 remaining in queue."

    def up() -> str:
        be, srv = server()
        return f"Server {be}/{srv} is UP, reason: Layer7 check passed, code: 200, check duration: {g.n(1, 40)}ms. {g.n(1, 6)} active and 0 backup servers online. 0 sessions requeued, 0 total in queue."

    def check() -> str:
        be, srv = server()
        if g.chance(0.5):
            g.tag("succeeded")
            return f"Health check for server {be}/{srv} succeeded, reason: Layer7 check passed, code: 200, check duration: {g.n(1, 40)}ms, status: {g.n(1, 2)}/3 DOWN."
        g.tag("failed")
        return f"Health check for server {be}/{srv} failed, reason: Layer7 timeout, check duration: {g.n(2000, 2002)}ms, status: {g.n(0, 2)}/2 UP."

    def maint() -> str:
        be, srv = server()
        return f"Server {be}/{srv} is going DOWN for maintenance. {g.n(0, 4)} active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."

    def resolved() -> str:
        be, srv = server()
        return f"Server {be}/{srv} ('{srv}.{g.ns()}.svc.cluster.local') is UP/READY (resolves again)."

    def dns() -> str:
        be, srv = server()
        return f"{be}/{srv} changed its IP from {g.pod_ip()} to {g.pod_ip()} by DNS cache."

    return [
        (60, http),
        (10, tcp),
        (0.8, down),
        (0.8, up),
        (0.2, lambda: f"backend {g.pick(list(backends))} has no server available!"),
        (0.1, lambda: f"Proxy {g.pick(['https-in', 'http-in', 'pg-in', 'stats'])} started."),
        (0.05, lambda: f"Stopping frontend {g.pick(['https-in', 'http-in', 'GLOBAL'])} in 0 ms."),
        (0.05, lambda: f"Proxy {g.pick(list(backends))} stopped (cumulated conns: FE: 0, BE: {g.n(1000, 9999999)})."),
        (1.5, lambda: f"{g.ipport()} [{accept_date()}] https-in/1: SSL handshake failure"),
        (0.5, lambda: f"Connect from {g.ipport()} to {g.ip()}:443 (https-in/HTTP)"),
        (1, check),
        (0.2, maint),
        (0.1, resolved),
        (0.3, dns),
        (0.05, lambda: "Loading success."),
    ]


@system("postgresql")
def postgresql(g: Gen) -> list[Event]:
    """After the `%m [%p] LEVEL:  ` prefix."""
    dbs = ["orders", "shop", "analytics", "keycloak", "postgres"]
    roles = ["app", "app_ro", "reporting", "migrator", "postgres", "grafana"]

    def lock_target() -> str:
        if g.chance(0.6):
            g.tag("transaction")  # the lock tag's type
            return f"transaction {g.n(100000, 99999999)}"
        g.tag("relation")
        return f"relation {g.n(16384, 99999)} of database {g.n(16384, 20000)}"

    def ckpt_flags() -> str:
        flags = ["time", "wal", "immediate force wait", "shutdown immediate", "force wait"]
        return g.tag(g.r.choices(flags, [20, 6, 2, 1, 1])[0])

    def ckpt_done() -> str:
        w = g.f(0.5, 300, 3)
        return (
            f"checkpoint complete: wrote {g.skew(0, 90000)} buffers ({g.f(0, 40, 1)}%); {g.n(0, 3)} WAL file(s) added, "
            f"{g.n(0, 9)} removed, {g.n(0, 12)} recycled; write={w} s, sync={g.f(0, 0.5, 3)} s, total={w} s; "
            f"sync files={g.n(0, 300)}, longest={g.f(0, 0.2, 3)} s, average={g.f(0, 0.01, 3)} s; "
            f"distance={g.skew(0, 900000)} kB, estimate={g.skew(1000, 900000)} kB; lsn={g.n(0, 9)}/{g.hex(8).upper()}, "
            f"redo lsn={g.n(0, 9)}/{g.hex(8).upper()}"
        )

    return [
        (20, lambda: f"connection received: host={g.ip()} port={g.port()}"),
        (18, lambda: f"connection authorized: user={g.pick(roles)} database={g.pick(dbs)} application_name={g.pick(['psql', 'PostgreSQL JDBC Driver', 'pgAdmin_4', 'django', 'metabase'])}"),
        (16, lambda: f"disconnection: session time: {g.n(0, 2)}:{g.n(0, 59):02d}:{g.n(0, 59):02d}.{g.n(0, 999):03d} user={g.pick(roles)} database={g.pick(dbs)} host={g.ip()} port={g.port()}"),
        (10, lambda: f"duration: {g.f(200, 30000, 3)} ms  statement: {g.sql()}"),
        (6, lambda: f"duration: {g.f(200, 9000, 3)} ms  execute {g.pick(['<unnamed>', 'S_1', 'S_2', 'S_14', 'stmtcache_' + g.hex(16)])}: {g.sql()}"),
        (3, lambda: f"checkpoint starting: {ckpt_flags()}"),
        (3, ckpt_done),
        (2, lambda: f'automatic vacuum of table "{g.pick(dbs)}.public.{g.pick(TABLES)}": index scans: {g.n(0, 2)}'),
        (1.5, lambda: f'automatic analyze of table "{g.pick(dbs)}.public.{g.pick(TABLES)}" system usage: CPU: user: {g.f(0, 2, 2)} s, system: {g.f(0, 0.3, 2)} s, elapsed: {g.f(0, 9, 2)} s'),
        (2, lambda: "could not receive data from client: Connection reset by peer"),
        (0.8, lambda: "unexpected EOF on client connection with an open transaction"),
        (1, lambda: f'relation "{g.pick(["users_tmp", "public.order_archive", "audit_log_2023", "feature_flags"])}" does not exist at character {g.n(8, 120)}'),
        (2, lambda: f'duplicate key value violates unique constraint "{g.pick(["users_email_key", "orders_pkey", "line_items_order_id_sku_key", "payments_idempotency_key_key"])}"'),
        (2, lambda: f"Key ({g.pick(['email', 'id', 'order_id, sku', 'idempotency_key'])})=({g.pick([g.email(), str(g.n(1, 999999)), str(g.n(1, 99999)) + ', SKU-' + str(g.n(10000, 99999)), g.uuid()])}) already exists."),
        (1, lambda: "canceling statement due to statement timeout"),
        (0.3, lambda: "deadlock detected"),
        (0.3, lambda: f"Process {g.n(100, 99999)} waits for ShareLock on transaction {g.n(100000, 99999999)}; blocked by process {g.n(100, 99999)}."),
        (1, lambda: f'password authentication failed for user "{g.pick([*roles, "admin", "root", "test"])}"'),
        (0.05, lambda: "database system is ready to accept connections"),
        (0.1, lambda: "terminating connection due to administrator command"),
        (0.5, lambda: f"process {g.n(100, 99999)} still waiting for {g.vocab(['ShareLock', 'ExclusiveLock', 'AccessExclusiveLock', 'RowExclusiveLock'])} on {lock_target()} after {g.f(1000, 60000, 3)} ms"),
        (1, lambda: f'temporary file: path "base/pgsql_tmp/pgsql_tmp{g.n(100, 99999)}.{g.n(0, 9)}", size {g.skew(8192, 2_000_000_000)}'),
        (0.4, lambda: f'syntax error at or near "{g.pick(["FROM", "WHERE", ")", "ORDER", "$1", "limit"])}" at character {g.n(8, 300)}'),
        (0.2, lambda: "sorry, too many clients already"),
        (0.3, lambda: "could not serialize access due to concurrent update"),
        (0.2, lambda: f'column "{g.pick(["emial", "customerid", "crated_at", "o.totl"])}" does not exist at character {g.n(8, 120)}'),
    ]  # fmt: skip


@system("mysql")
def mysql(g: Gen) -> list[Event]:
    """Error log after `ts thread [Level] [MY-code] [Subsystem] `, plus the slow query log (whole lines)."""
    users = ["app", "app_ro", "repl", "root", "debezium", "exporter"]
    binlog = lambda: f"mysql-bin.{g.n(1, 400):06d}"

    def user_host() -> str:
        u = g.pick(users)
        where = f"  [{g.ip()}]" if g.chance(0.7) else f" {g.host()} [{g.ip()}]"
        return f"# User@Host: {u}[{u}] @{where}  Id: {g.n(8, 999999):>5}"

    return [
        (10, lambda: f"Aborted connection {g.n(8, 999999)} to db: '{g.pick(['orders', 'shop', 'unconnected'])}' user: '{g.pick(users)}' host: '{g.ip()}' ({g.pick(['Got an error reading communication packets', 'Got timeout reading communication packets', 'Got an error writing communication packets'])})."),
        (3, lambda: f"Access denied for user '{g.pick([*users, 'admin', 'test'])}'@'{g.ip()}' (using password: {g.vocab(['YES', 'YES', 'NO'])})"),
        (2, lambda: f"IP address '{g.ip()}' could not be resolved: Name or service not known"),
        (8, lambda: f"# Query_time: {g.f(1, 60, 6)}  Lock_time: {g.f(0, 0.01, 6)} Rows_sent: {g.skew(0, 50000)}  Rows_examined: {g.skew(0, 9000000)}"),
        (8, user_host),
        (8, lambda: f"# Time: {g.iso(6)}"),
        (8, lambda: f"SET timestamp={int(g.epoch())};"),
        (8, lambda: g.sql() + ";"),
        (0.8, lambda: f"InnoDB: page_cleaner: 1000ms intended loop took {g.n(1100, 60000)}ms. The settings might not be optimal. (flushed={g.n(0, 2000)} and evicted={g.n(0, 200)}, during the time.)"),
        (0.1, lambda: "/usr/sbin/mysqld: ready for connections. Version: '8.0.36'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL."),
        (0.3, lambda: f"Timeout waiting for reply of binlog (file: {binlog()}, pos: {g.n(154, 99999999)}), semi-sync up to file {binlog()}, position {g.n(154, 99999999)}."),
        (0.2, lambda: f"Host '{g.ip()}' is blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'"),
        (0.1, lambda: f"Replica I/O thread for channel '': connected to source 'repl@{g.ip()}:3306',replication started in log '{binlog()}' at position {g.n(4, 99999999)}"),
        (0.05, lambda: f"Table './{g.pick(['orders', 'shop'])}/{g.pick(TABLES)}' is marked as crashed and should be repaired"),
        (0.05, lambda: "Starting XA crash recovery..."),
        (0.05, lambda: "XA crash recovery finished."),
        (0.05, lambda: "Insecure configuration for --pid-file: Location '/var/run/mysqld' in the path is accessible to all OS users. Consider choosing a different directory."),
        (0.05, lambda: f"InnoDB: Buffer pool(s) load completed at {g.now:%y%m%d %H:%M:%S}"),
        (0.2, lambda: "Transactions deadlock detected, dumping detailed information."),
        (0.05, lambda: "The syntax 'expire-logs-days' is deprecated and will be removed in a future release. Please use binlog_expire_logs_seconds instead."),
        (0.05, lambda: "Received SHUTDOWN from user <via user signal>. Shutting down mysqld (Version: 8.0.36)."),
        (0.05, lambda: "/usr/sbin/mysqld: Shutdown complete (mysqld 8.0.36)  MySQL Community Server - GPL."),
    ]  # fmt: skip


@system("redis")
def redis(g: Gen) -> list[Event]:
    """After the `pid:role dd Mon yyyy hh:mm:ss.mmm * ` prefix."""
    replica = lambda: f"{g.ip()}:{g.pick(['6379', '6379', '6380'])}"
    node = lambda: g.hex(40)

    def client_info() -> str:
        return (
            f"id={g.n(3, 999999)} addr={g.ipport()} laddr={g.ip()}:6379 fd={g.n(8, 4000)} name= age={g.skew(0, 90000)} "
            f"idle={g.n(0, 5)} flags={g.vocab(['S', 'N', 'P'], 'flags=')} db=0 sub=0 psub={g.pick(['0', '1'])} ssub=0 multi=-1 qbuf=0 "
            f"qbuf-free={g.n(0, 20474)} argv-mem=0 multi-mem=0 rbs={g.pick(['1024', '16384'])} rbp=0 obl=0 oll={g.n(1, 9000)} "
            f"omem={g.n(8_388_608, 536_870_912)} tot-mem={g.n(8_400_000, 537_000_000)} events=rw cmd={g.vocab(['psync', 'subscribe', 'monitor'])} "
            f"user=default redir=-1 resp=2 lib-name= lib-ver="
        )

    return [
        (8, lambda: f"Background saving started by pid {g.n(20, 99999)}"),
        (7, lambda: "Background saving terminated with success"),
        (8, lambda: "DB saved on disk"),
        (7, lambda: f"Fork CoW for RDB: current {g.n(0, 90)} MB, peak {g.n(0, 120)} MB, average {g.n(0, 60)} MB"),
        (8, lambda: f"{g.pick(['1', '10', '100', '10000'])} changes in {g.pick(['60', '300', '3600'])} seconds. Saving..."),
        (0.5, lambda: f"Connection with replica {replica()} lost."),
        (0.8, lambda: f"Replica {replica()} asks for synchronization"),
        (0.4, lambda: f"Full resync requested by replica {replica()}"),
        (0.4, lambda: f"Starting BGSAVE for SYNC with target: {g.vocab(['disk', 'disk', 'replicas sockets'])}"),
        (0.5, lambda: f"Synchronization with replica {replica()} succeeded"),
        (0.4, lambda: f"Partial resynchronization request from {replica()} accepted. Sending {g.skew(0, 9000000)} bytes of backlog starting from offset {g.n(1, 99999999999)}."),
        (0.6, lambda: f"Client {client_info()} closed for overcoming of output buffer limits."),
        (1, lambda: "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis."),
        (0.3, lambda: "MASTER <-> REPLICA sync: Finished with success"),
        (0.8, lambda: f"Error accepting a client connection: {g.pick(['error:0A000126:SSL routines::unexpected eof while reading', 'error:0A00010B:SSL routines::wrong version number', 'Connection reset by peer'])} (addr={g.ipport()} laddr={g.ip()}:6379)"),
        (0.1, lambda: "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted."),
        (0.05, lambda: "Received SIGTERM scheduling shutdown..."),
        (0.05, lambda: "User requested shutdown..."),
        (0.05, lambda: "Saving the final RDB snapshot before exiting."),
        (0.05, lambda: "Redis is now ready to exit, bye bye..."),
        (0.05, lambda: "Server initialized"),
        (0.05, lambda: "Ready to accept connections tcp"),
        (0.05, lambda: "WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. Being disabled, it can also cause failures without low memory condition, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect."),
        (0.4, lambda: f"Cluster state changed: {g.vocab(['ok', 'fail'])}"),
        (0.15, lambda: f"Marking node {node()} ({g.pick(['redis-0', 'redis-1', 'redis-2', 'redis-3'])}) as failing (quorum reached)."),
        (0.1, lambda: f"Clear FAIL state for node {node()} ({g.pick(['redis-0', 'redis-1', 'redis-2'])}):{g.vocab(['replica', 'master without slots'])} is reachable again."),
    ]  # fmt: skip


def jdump(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@system("mongodb")
def mongodb(g: Gen) -> list[Event]:
    """Whole lines: MongoDB 4.4+ structured JSON log."""

    def line(s: str, c: str, id_: int, ctx: str, msg: str, attr: dict | None = None, tags: list | None = None) -> str:
        head = (
            f'{{"t":{{"$date":"{g.iso(3, "+00:00")}"}},"s":"{s}",{" " * (6 - len(s) - 3)}'
            f'"c":"{c}",{" " * (12 - len(c) - 3)}"id":{id_},{" " * (9 - len(str(id_)) - 1)}"ctx":"{ctx}","msg":"{msg}"'
        )
        if attr is not None:
            head += ',"attr":' + jdump(attr)
        if tags is not None:
            head += ',"tags":' + jdump(tags)
        return head + "}"

    def conn() -> str:
        return f"conn{g.n(1, 99999)}"

    def uuid_obj() -> dict:
        return {"uuid": {"$uuid": g.uuid()}}

    def accepted() -> str:
        attr = {"remote": g.ipport(), "uuid": uuid_obj(), "connectionId": g.n(1, 99999), "connectionCount": g.n(1, 900)}
        return line("I", "NETWORK", 22943, "listener", "Connection accepted", attr)

    def ended() -> str:
        attr = {"remote": g.ipport(), "uuid": uuid_obj(), "connectionId": g.n(1, 99999), "connectionCount": g.n(0, 900)}
        return line("I", "NETWORK", 22944, conn(), "Connection ended", attr)

    def metadata() -> str:
        driver = g.pick(["PyMongo|4.6.3", "nodejs|6.5.0", "mongo-java-driver|sync|4.11.1", "mongo-go-driver|v1.15.0"])
        name, _, version = driver.rpartition("|")
        doc = {
            "driver": {"name": name, "version": version},
            "os": {
                "type": "Linux",
                "name": "Linux",
                "architecture": "x86_64",
                "version": f"5.15.0-{g.n(1000, 1060)}-aws",
            },
            "platform": g.pick(
                ["CPython 3.11.9.final.0", "Node.js v20.12.2, LE", "Java/Eclipse Adoptium/21.0.3+9-LTS", "go1.22.2"]
            ),
        }
        if g.chance(0.4):
            doc["application"] = {"name": g.svc()}
        attr = {
            "remote": g.ipport(),
            "client": conn(),
            "negotiatedCompressors": g.some(["zstd", "snappy", "zlib"], 0, 2),
            "doc": doc,
        }
        return line("I", "NETWORK", 51800, conn(), "client metadata", attr)

    def slow() -> str:
        coll = g.pick(["orders", "carts", "events", "products", "sessions"])
        cmd = g.pick([
            {"find": coll, "filter": {"customerId": g.n(1, 99999), "status": {"$in": g.some(["pending", "paid", "shipped"], 1, 3)}}, "sort": {"createdAt": -1}, "limit": 50},
            {"aggregate": coll, "pipeline": [{"$match": {"createdAt": {"$gte": {"$date": "2024-05-01T00:00:00Z"}}}}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}], "cursor": {}},
            {"getMore": g.n(10**9, 10**12), "collection": coll, "batchSize": g.pick([100, 1000])},
            {"update": coll, "ordered": True},
            {"count": coll, "query": {"sku": f"SKU-{g.n(10000, 99999)}"}},
        ])  # fmt: skip
        cmd["lsid"] = {"id": {"$uuid": g.uuid()}}
        cmd["$db"] = g.pick(["shop", "analytics"])
        attr = {
            "type": "command", "ns": f"{cmd['$db']}.{coll}", "command": cmd,
            "planSummary": g.pick(["COLLSCAN", "IXSCAN { status: 1, createdAt: -1 }", "IXSCAN { customerId: 1 }"]),
            "keysExamined": g.skew(0, 900000), "docsExamined": g.skew(0, 900000), "nreturned": g.skew(0, 5000),
            "queryHash": g.hex(8).upper(), "reslen": g.skew(100, 16_000_000), "protocol": "op_msg",
            "durationMillis": g.skew(100, 60000),
        }  # fmt: skip
        kind = next(iter(cmd))  # the command as written in the client's code: its kind and collection
        g.tag(f"{kind} {coll}", f"{kind}.{coll}")
        g.tag(attr["planSummary"].split()[0])  # COLLSCAN or IXSCAN (the index is a parameter)
        return line("I", "COMMAND", 51803, conn(), "Slow query", attr)

    def wt() -> str:
        msg = {
            "ts_sec": int(g.epoch()), "ts_usec": g.n(0, 999999), "thread": f"1:0x7f{g.hex(10)}",
            "session_name": "WT_SESSION.checkpoint", "category": "WT_VERB_CHECKPOINT_PROGRESS", "category_id": 6,
            "verbose_level": "DEBUG_1", "verbose_level_id": 1,
            "msg": f"saving checkpoint snapshot min: {(k := g.n(1000, 999999))}, snapshot max: {k} snapshot count: 0, oldest timestamp: ({(t := int(g.epoch()) - 300)}, 1) , meta checkpoint timestamp: ({t + 300}, 1) base write gen: {g.n(1, 99999)}",
        }  # fmt: skip
        return line("I", "WTCHKPT", 22430, "Checkpointer", "WiredTiger message", {"message": msg})

    def auth_ok() -> str:
        speculative = g.chance(0.8)
        g.tag(speculative, f"speculative_{str(speculative).lower()}")
        attr = {
            "mechanism": "SCRAM-SHA-256",
            "speculative": speculative,
            "principalName": g.pick(["app", "reporting", "backup"]),
            "authenticationDatabase": "admin",
            "remote": g.ipport(),
            "extraInfo": {},
        }
        return line("I", "ACCESS", 20250, conn(), "Authentication succeeded", attr)

    def auth_fail() -> str:
        attr = {
            "mechanism": "SCRAM-SHA-256",
            "speculative": False,
            "principalName": g.pick(["admin", "root", "reporting"]),
            "authenticationDatabase": "admin",
            "remote": g.ipport(),
            "extraInfo": {},
            "error": g.pick(
                [
                    "AuthenticationFailed: SCRAM authentication failed, storedKey mismatch",
                    'UserNotFound: Could not find user "root" for db "admin"',
                ]
            ),
        }
        return line("I", "ACCESS", 20249, conn(), "Authentication failed", attr)

    def heartbeat() -> str:
        target = f"mongo-{g.n(0, 2)}.mongo.{g.ns()}.svc.cluster.local:27017"
        err = {
            "code": 6,
            "codeName": "HostUnreachable",
            "errmsg": f"Error connecting to {target} ({g.pod_ip()}:27017) :: caused by :: Connection refused",
        }
        return line(
            "I",
            "REPL_HB",
            23974,
            "ReplCoord-" + str(g.n(0, 9)),
            "Heartbeat failed after max retries",
            {"target": target, "maxHeartbeatRetries": 2, "error": err},
        )

    return [
        (30, accepted),
        (28, ended),
        (14, metadata),
        (8, slow),
        (6, wt),
        (8, auth_ok),
        (0.8, auth_fail),
        (0.3, lambda: line("I", "STORAGE", 20320, conn(), "createCollection", {"namespace": f"shop.audit_{g.now:%Y_%m}_{g.n(1, 9)}", "uuidDisposition": "generated", "uuid": uuid_obj(), "options": {}})),
        (0.3, lambda: line("I", "INDEX", 20345, "IndexBuildsCoordinatorMongod-" + str(g.n(0, 3)), "Index build: done building", {"buildUUID": uuid_obj(), "collectionUUID": uuid_obj(), "namespace": f"shop.{g.pick(['orders', 'carts'])}", "index": g.pick(["status_1_createdAt_-1", "customerId_1", "sku_1"]), "ident": f"index-{g.n(10, 999)}-{g.n(10**18, 9 * 10**18)}", "collectionIdent": f"collection-{g.n(10, 999)}-{g.n(10**18, 9 * 10**18)}", "commitTimestamp": None})),
        (0.1, lambda: line("I", "REPL", 21358, "ReplCoord-" + str(g.n(0, 9)), "Replica set state transition", {"newState": g.vocab(["PRIMARY", "SECONDARY"], "to_"), "oldState": g.vocab(["SECONDARY", "RECOVERING", "STARTUP2"], "from_")})),
        (0.05, lambda: line("I", "CONTROL", 4615611, "initandlisten", "MongoDB starting", {"pid": 1, "port": 27017, "dbPath": "/data/db", "architecture": "64-bit", "host": f"mongo-{g.n(0, 2)}"})),
        (0.05, lambda: line("I", "NETWORK", 23015, "listener", "Listening on", {"address": g.pick(["/tmp/mongodb-27017.sock", "0.0.0.0"])})),
        (0.05, lambda: line("I", "NETWORK", 23016, "listener", "Waiting for connections", {"port": 27017, "ssl": "off"})),
        (0.05, lambda: line("I", "CONTROL", 20698, "main", "***** SERVER RESTARTED *****")),
        (0.05, lambda: line("W", "CONTROL", 22120, "initandlisten", "Access control is not enabled for the database. Read and write access to data and configuration is unrestricted", tags=["startupWarnings"])),
        (0.4, lambda: line("I", "-", 4939300, "monitoring-keys-for-HMAC", "Failed to refresh key cache", {"error": "ReadConcernMajorityNotAvailableYet: Read concern majority reads are currently not possible.", "nextWakeupMillis": g.pick([200, 400, 600, 1000])})),
        (0.6, lambda: line("I", "COMMAND", 20883, conn(), "Interrupted operation as its client disconnected", {"opId": g.n(1000, 9999999)})),
        (0.5, heartbeat),
    ]  # fmt: skip


@system("kafka")
def kafka(g: Gen) -> list[Event]:
    """Broker log4j lines after `[yyyy-mm-dd hh:mm:ss,mmm] LEVEL ` (message, then `(logger)`)."""
    topics = ["orders", "payments", "inventory-events", "clickstream", "cdc.shop.orders", "__consumer_offsets"]
    groups = ["checkout-consumers", "payment-processor", "search-indexer", "connect-cluster", "analytics-etl"]
    broker = lambda: g.n(1, 3)
    part = lambda: f"{g.pick(topics)}-{g.n(0, 49 if g.chance(0.2) else 11)}"
    ddir = lambda: g.pick(["/var/lib/kafka/data", "/bitnami/kafka/data", "/mnt/kafka-logs-1"])
    member = lambda: f"consumer-{g.pick(groups)}-{g.n(1, 6)}-{g.uuid()}"

    def segment() -> str:
        ts = g.epoch_ms() - g.n(10**8, 10**9)
        return f"LogSegment(baseOffset={g.n(0, 99999999)}, size={g.n(1000, 1073741824)}, lastModifiedTime={ts}, largestRecordTimestamp=Some({ts - g.n(1, 999)}))"

    def reason() -> str:  # the coordinator's reasons are a few fixed templates: which one is in the id
        text = g.pick([
            f"Adding new member {member()} with group instance id None; client reason: rebalance failed due to MemberIdRequiredException",
            f"Leader {member()} re-joining group during Stable; client reason: need to revoke partitions and re-join",
            f"removing member {member()} on heartbeat expiration",
            f"Updating metadata for member {member()} during Stable; client reason: triggered followup rebalance scheduled for 0",
        ])  # fmt: skip
        kinds = {
            "Adding new member": "adding_member",
            "Leader ": "leader_rejoining",
            "removing member": "heartbeat_expiration",
            "Updating metadata": "updating_metadata",
        }
        kind = next(k for k in kinds if text.startswith(k))
        g.tag(kind, kinds[kind])
        return text

    def gc() -> str:
        return f"[GroupCoordinator {broker()}]: "

    def shrink() -> str:
        isr = g.some(["1", "2", "3"], 2, 3)
        isr.sort()
        return (
            f"[Partition {part()} broker={broker()}] Shrinking ISR from {','.join(isr)} to {','.join(isr[:-1])}. Leader: (highWatermark: {(h := g.n(0, 9999999))}, "
            f"endOffset: {h + g.n(0, 999)}). Out of sync replicas: (brokerId: {isr[-1]}, endOffset: {h - g.n(0, 999)}). (kafka.cluster.Partition)"
        )

    return [
        (10, lambda: f"[LocalLog partition={part()}, dir={ddir()}] Rolled new log segment at offset {g.n(0, 99999999)} in {g.skew(0, 300)} ms. (kafka.log.LocalLog)"),
        (6, lambda: f"[LocalLog partition={part()}, dir={ddir()}] Deleting segment files {','.join(segment() for _ in range(g.r.choices([1, 2, 3], [6, 2, 1])[0]))} (kafka.log.LocalLog$)"),
        (6, lambda: f"[UnifiedLog partition={part()}, dir={ddir()}] Incremented log start offset to {g.n(0, 99999999)} due to {g.vocab(['SegmentDeletion', 'SegmentDeletion', 'LeaderOffsetIncremented', 'ClientRecordDeletion'])} (kafka.log.UnifiedLog)"),
        (5, lambda: f"[UnifiedLog partition={part()}, dir={ddir()}] Deleting segment {segment()} due to retention time {g.pick(['604800000', '86400000', '259200000'])}ms breach based on the largest record timestamp in the segment (kafka.log.UnifiedLog)"),
        (9, lambda: f"[ProducerStateManager partition={part()}] Wrote producer snapshot at offset {g.n(0, 99999999)} with {g.skew(0, 40)} producer ids in {g.skew(0, 80)} ms. (kafka.log.ProducerStateManager)"),
        (4, lambda: gc() + f"Preparing to rebalance group {g.pick(groups)} in state PreparingRebalance with old generation {g.n(0, 900)} (__consumer_offsets-{g.n(0, 49)}) (reason: {reason()}) (kafka.coordinator.group.GroupCoordinator)"),
        (4, lambda: gc() + f"Stabilized group {g.pick(groups)} generation {g.n(1, 900)} (__consumer_offsets-{g.n(0, 49)}) with {g.n(1, 12)} members (kafka.coordinator.group.GroupCoordinator)"),
        (4, lambda: gc() + f"Assignment received from leader {member()} for group {g.pick(groups)} for generation {g.n(1, 900)}. The group has {g.n(1, 12)} members, 0 of which are static. (kafka.coordinator.group.GroupCoordinator)"),
        (1.5, lambda: gc() + f"Member {member()} in group {g.pick(groups)} has failed, removing it from the group (kafka.coordinator.group.GroupCoordinator)"),
        (2, lambda: gc() + f"Dynamic member with unknown member id joins group {g.pick(groups)} in {g.vocab(['Empty', 'Stable', 'PreparingRebalance'])} state. Created a new member id {member()} and request the member to rejoin with this id. (kafka.coordinator.group.GroupCoordinator)"),
        (3, lambda: f"[GroupMetadataManager brokerId={broker()}] Removed {g.skew(0, 300)} expired offsets in {g.skew(0, 40)} milliseconds. (kafka.coordinator.group.GroupMetadataManager)"),
        (0.8, shrink),
        (1, lambda: f"[Partition {part()} broker={broker()}] ISR updated to {','.join(sorted(g.some(['1', '2', '3'], 1, 3)))} and version updated to {g.n(1, 900)} (kafka.cluster.Partition)"),
        (1, lambda: f"[ReplicaFetcherManager on broker {broker()}] Removed fetcher for partitions Set({', '.join(part() for _ in range(g.n(1, 4)))}) (kafka.server.ReplicaFetcherManager)"),
        (0.5, lambda: f"[ReplicaFetcher replicaId={broker()}, leaderId={broker()}, fetcherId=0] Error sending fetch request (sessionId={g.n(10**8, 2**31 - 1)}, epoch={g.n(1, 99999)}) to node {broker()}: (org.apache.kafka.clients.FetchSessionHandler)"),
        (0.5, lambda: f"java.io.IOException: Connection to {broker()} was disconnected before the response was read"),
        (1, lambda: f"[SocketServer listenerType=BROKER, nodeId={broker()}] Failed authentication with /{g.ip()} (channelId={g.ip()}:9093-{g.ipport()}-{g.n(0, 999)}) (SSL handshake failed) (org.apache.kafka.common.network.Selector)"),
        (0.5, lambda: f"[Controller id={broker()}] Processing automatic preferred replica leader election (kafka.controller.KafkaController)"),
        (0.1, lambda: f"[Admin Manager on Broker {broker()}]: Error processing create topic request CreatableTopic(name='{g.pick(topics)}', numPartitions={g.pick(['3', '6', '12'])}, replicationFactor=3, assignments=[], configs=[]) (kafka.server.ZkAdminManager)"),
        (0.05, lambda: f"[KafkaServer id={broker()}] started (kafka.server.KafkaServer)"),
        (0.5, lambda: f"[BrokerToControllerChannelManager id={broker()} name=forwarding] Client requested disconnect from node {broker()} (org.apache.kafka.clients.NetworkClient)"),
        (0.3, lambda: f"[ReplicaFetcher replicaId={broker()}, leaderId={broker()}, fetcherId=0] Truncating partition {part()} with TruncationState(offset={(o := g.n(0, 9999999))}, completed=true) due to leader epoch and offset EpochEndOffset(errorCode=0, partition={g.n(0, 11)}, leaderEpoch={g.n(1, 90)}, endOffset={o}) (kafka.server.ReplicaFetcherThread)"),
        (0.1, lambda: f"[KafkaApi-{broker()}] Auto creation of topic {g.pick(['payments-dlq', 'orders-retry', 'audit'])} with {g.pick(['1', '6'])} partitions and replication factor 3 is successful (kafka.server.DefaultAutoTopicCreationManager)"),
    ]  # fmt: skip


@system("elasticsearch")
def elasticsearch(g: Gen) -> list[Event]:
    """After the `[ts][LEVEL][logger] [node] ` header."""
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    nodeid = lambda: g.alnum(22, b64)
    index = lambda: g.pick(
        [
            f"logs-{g.now:%Y.%m}.{g.n(1, 12):02d}",
            f".ds-logs-{g.svc()}-default-{g.now:%Y.%m}.{g.n(1, 12):02d}-{g.n(1, 40):06d}",
            "products_v7",
            ".kibana_8.13.2_001",
        ]
    )
    node = lambda: f"es-data-{g.n(0, 5)}"
    gb = lambda: f"{g.f(0.5, 60, 1)}gb"

    def disco() -> str:
        n, ip = node(), g.ip()
        return (
            f"{{{n}}}{{{nodeid()}}}{{{nodeid()}}}{{{n}}}{{{ip}}}{{{ip}:9300}}{{{g.pick(['cdfhilmrstw', 'dimr', 'm'])}}}"
        )

    def health() -> str:
        a, b = g.pick([("YELLOW", "GREEN"), ("GREEN", "YELLOW"), ("RED", "YELLOW"), ("YELLOW", "RED")])
        g.tag(a, f"from_{a}")
        g.tag(b, f"to_{b}")
        shards = ", ".join(f"[{index()}][{g.n(0, 4)}]" for _ in range(g.r.choices([1, 2, 3], [5, 2, 1])[0]))
        why = g.pick(
            [
                f"shards started [{shards}]",
                f"index [{index()}] created",
                f"{g.pick(['shards failed', 'shards started'])} [{shards}]",
            ]
        )
        g.tag("index created" if why.startswith("index") else why.split(" [")[0])  # which reason template
        return f"Cluster health status changed from [{a}] to [{b}] (reason: [{why}])."

    def ilm() -> str:
        step = lambda name: jdump(
            {
                "phase": g.vocab(["hot", "warm", "delete"]),
                "action": g.vocab(["rollover", "complete", "delete"]),
                "name": name,
            }
        )
        return f"moving index [{index()}] from [{step('check-rollover-ready')}] to [{step('attempt-rollover')}] in policy [{g.pick(['logs', 'metrics', '7-days-default'])}]"

    def young() -> str:
        return (
            f"[gc][young][{g.n(1000, 999999)}][{g.n(1, 9999)}] duration [{g.f(0.5, 5, 1)}s], collections [1]/[{g.f(1, 6, 1)}s], total [{g.f(0.5, 5, 1)}s]/[{g.n(1, 59)}m], "
            f"memory [{g.f(2, 7.9, 1)}gb]->[{g.f(0.5, 4, 1)}gb]/[8gb], all_pools {{[young] [{g.f(0.5, 3, 1)}gb]->[0b]/[0b]}}{{[old] [{g.f(0.5, 4, 1)}gb]->[{g.f(0.5, 4, 1)}gb]/[8gb]}}{{[survivor] [{g.n(8, 200)}mb]->[{g.n(8, 200)}mb]/[0b]}}"
        )

    return [
        (6, lambda: f"[gc][{g.n(1000, 999999)}] overhead, spent [{g.n(250, 2900)}ms] collecting in the last [{g.pick(['1s', '1s', '1.1s', '1.4s'])}]"),
        (2, lambda: f"[{index()}] creating index, cause [{g.vocab(['auto(bulk api)', 'rollover_data_stream', 'api', 'initialize_data_stream'])}], templates [{', '.join(g.some(['logs', 'logs-mappings', 'ecs@mappings', 'logs@settings'], 0, 3))}], shards [{g.n(1, 3)}]/[{g.n(0, 1)}]"),
        (5, lambda: f"[{index()}/{nodeid()}] update_mapping [_doc]"),
        (3, lambda: f"low disk watermark [85%] exceeded on [{nodeid()}][{node()}][/usr/share/elasticsearch/data] free: {gb()}[{g.f(10, 15, 1)}%], replicas will not be assigned to this node"),
        (1, lambda: f"high disk watermark [90%] exceeded on [{nodeid()}][{node()}][/usr/share/elasticsearch/data] free: {gb()}[{g.f(5, 10, 1)}%], shards will be relocated away from this node; currently relocating away shards totalling [{g.skew(0, 10**11)}] bytes; the node is expected to continue to exceed the high disk watermark when these relocations are complete"),
        (1.5, health),
        (0.6, lambda: f"[{index()}/{nodeid()}] deleting index"),
        (1, lambda: f"failed to execute bulk item (index) index {{[{index()}][_doc][{nodeid()[:20]}], source[n/a, actual length: [{g.f(2, 90, 1)}kb], max length: 2kb]}}"),
        (0.3, lambda: f"added {{{disco()}}}, term: {(t := g.n(1, 30))}, version: {(v := g.n(100, 99999))}, reason: Publication{{term={t}, version={v}}}"),
        (0.3, lambda: f"removed {{{disco()}}}, term: {(t := g.n(1, 30))}, version: {(v := g.n(100, 99999))}, reason: Publication{{term={t}, version={v}}}"),
        (0.4, lambda: f"publication of cluster state version [{g.n(100, 99999)}] is still waiting for {disco()} [SENT_APPLY_COMMIT] after [{g.pick(['10s', '30s'])}]"),
        (0.8, lambda: f"Authentication of [{g.pick(['elastic', 'kibana_system', 'logstash_writer', 'beats'])}] was terminated by realm [{g.pick(['reserved', 'native1'])}] - failed to authenticate user [{g.pick(['elastic', 'kibana_system', 'logstash_writer'])}]"),
        (1.5, young),
        (0.3, lambda: f"[{index()}][{g.n(0, 4)}] primary-replica resync completed with {g.skew(0, 5000)} operations"),
        (2, ilm),
        (0.2, lambda: "timed out while retrying [indices:data/write/bulk[s]] after failure (timeout [1m])"),
        (0.3, lambda: f"sending transport message [Request{{indices:data/read/search[phase/query]}}{{{g.n(1, 9999999)}}}{{false}}{{false}}{{false}}] of size [{g.skew(100, 9000000)}] on [Netty4TcpChannel{{localAddress=/{g.ip()}:9300, remoteAddress=/{g.ipport()}, profile=default}}] took [{g.n(5001, 30000)}ms] which is above the warn threshold of [5000ms] with success [true]"),
        (0.5, lambda: f"received plaintext http traffic on an https channel, closing connection Netty4HttpChannel{{localAddress=/{g.ip()}:9200, remoteAddress=/{g.ipport()}}}"),
    ]  # fmt: skip


@system("cassandra")
def cassandra(g: Gen) -> list[Event]:
    """After the `LEVEL [thread] yyyy-mm-dd hh:mm:ss,mmm File.java:line - ` header."""
    tables = ["orders", "events_by_day", "user_sessions", "carts", "inventory_by_sku"]
    ks = lambda: g.pick(["shop", "shop", "analytics", "system", "system_auth"])
    mib = lambda hi=900.0: f"{g.r.uniform(0, hi):.3f}MiB"
    tdir = lambda: f"/var/lib/cassandra/data/{ks()}/{g.pick(tables)}-{g.hex(32)}"
    peer = lambda: f"/{g.ip()}:7000"

    def compacted() -> str:
        merges = ", ".join(f"{i}:{g.skew(1, 90000)}" for i in range(1, g.n(1, 4) + 1))
        return (
            f"Compacted ({g.uuid()}) {g.n(2, 32)} sstables to [{tdir()}/nb-{g.n(1, 9999)}-big,] to level={g.n(0, 4)}.  {mib()} to {mib()} "
            f"(~{g.n(30, 100)}% of original) in {g.skew(10, 900000):,}ms.  Read Throughput = {mib(90)}/s, Write Throughput = {mib(90)}/s, "
            f"Row Throughput = ~{g.skew(1, 900000):,}/s.  {g.skew(1, 9000000):,} total partitions merged to {g.skew(1, 9000000):,}.  Partition merge counts were {{{merges}, }}"
        )

    def gcinspect() -> str:
        pools = g.some(["G1 Eden Space", "G1 Old Gen", "G1 Survivor Space"], 1, 3)
        desc = "; ".join(f"{p}: {g.n(10**6, 10**10)} -> {g.n(0, 10**10)}" for p in pools)
        return f"{g.vocab(['G1 Young Generation', 'G1 Young Generation', 'G1 Old Generation'])} GC in {g.n(200, 9000)}ms.  {desc}"

    def ranges() -> str:
        return ", ".join(f"({g.n(-(2**63), 0)},{g.n(0, 2**63 - 1)}]" for _ in range(g.n(1, 3)))

    def tombstone_warning() -> str:
        live, cells = g.n(1, 5001), g.n(1001, 99999)
        query = g.statement(
            f"SELECT * FROM {ks()}.{g.pick(tables)} WHERE {g.pick(['customer_id', 'day', 'sku'])} = {g.n(1, 99999)} LIMIT 5000{g.pick(['', ' ALLOW FILTERING'])}"
        )
        return f"Read {live} live rows and {cells} tombstone cells for query {query}; token {g.n(-(2**63), 2**63 - 1)} (see tombstone_warn_threshold)"

    def tombstone_abort() -> str:
        query = g.statement(f"SELECT * FROM {ks()}.{g.pick(tables)} WHERE day = {g.n(1, 31)} LIMIT 5000")
        return f"Scanned over 100001 tombstones during query '{query}' (last scanned row token was {g.n(-(2**63), 2**63 - 1)} and partion key was (({g.n(1, 31)}))) in {ks()}.{g.pick(tables)}; query aborted"

    return [
        (8, lambda: f"Enqueuing flush of {g.pick(tables)}: {mib()} ({g.n(0, 30)}%) on-heap, {g.r.uniform(0, 900):.3f}KiB ({g.n(0, 3)}%) off-heap"),
        (8, lambda: f"Writing Memtable-{g.pick(tables)}@{g.n(10**8, 4 * 10**9)}({mib()} serialized bytes, {g.skew(1, 900000)} ops, {g.n(0, 30)}%/0% of on/off-heap limit), flushed range = (min(-9223372036854775808), max(9223372036854775807)]"),
        (8, lambda: f"Completed flushing {tdir()}/nb-{g.n(1, 9999)}-big-Data.db ({mib()}) for commitlog position CommitLogPosition(segmentId={g.epoch_ms() - g.n(0, 10**7)}, position={g.n(0, 33554432)})"),
        (5, compacted),
        (3, gcinspect),
        (0.5, lambda: f"InetAddress {peer()} is now DOWN"),
        (0.5, lambda: f"InetAddress {peer()} is now UP"),
        (0.2, lambda: f"Node {peer()} state jump to NORMAL"),
        (1, lambda: "Redistributing index summaries"),
        (2.5, lambda: "Some operations were slow, details available at debug level (debug.log)"),
        (1.5, lambda: f"Maximum memory usage reached ({g.pick(['512.000MiB', '1.000GiB', '256.000MiB'])}), cannot allocate chunk of {g.pick(['1.000MiB', '8.000KiB', '64.000KiB'])}"),
        (0.5, lambda: f"Unexpected exception during request; channel = [id: 0x{g.hex(8)}, L:/{g.ip()}:9042 ! R:/{g.ipport()}]"),
        (0.3, lambda: f"Writing large partition {ks()}/{g.pick(tables)}:{g.pick(['customer-', 'day-2024-05-', 'sku-'])}{g.n(1, 99999)} ({mib(2000)}) to sstable {tdir()}/nb-{g.n(1, 9999)}-big-Data.db"),
        (0.8, tombstone_warning),
        (0.2, tombstone_abort),
        (0.05, lambda: "Starting listening for CQL clients on /0.0.0.0:9042 (unencrypted)..."),
        (0.2, lambda: f"Initializing {ks()}.{g.pick(tables)}"),
        (0.03, lambda: "Created default superuser role 'cassandra'"),
        (0.5, lambda: f"Repair session {g.uuid()} for range [{ranges()}] finished"),
        (0.5, lambda: f"Finished hinted handoff of file {g.uuid()}-{g.epoch_ms()}-{g.n(1, 2)}.hints to endpoint {peer()}: {g.uuid()}"),
        (0.2, lambda: f"Not marking nodes down due to local pause of {g.n(5 * 10**9, 9 * 10**10)}ns > 5000000000ns"),
    ]  # fmt: skip


def goq(text: str) -> str:
    """Go's %q / strconv.Quote for the ASCII text used here."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@system("kubelet")
def kubelet(g: Gen) -> list[Event]:
    """After the klog header `I0512 10:31:02.123456    1234 file.go:123] `."""
    containers = ["app", "sidecar", "istio-proxy", "init-migrations", "otel-agent"]
    backoff = ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s", "5m0s"]

    def podref() -> tuple[str, str, str]:
        ns, svc = g.ns(), g.svc()
        return ns, g.pod(svc), g.uuid()

    def pod_kv() -> str:
        ns, pod, _ = podref()
        return f'pod="{ns}/{pod}"'

    def pods_list() -> str:
        return "[" + ",".join(f'"{g.ns()}/{g.pod()}"' for _ in range(g.r.choices([1, 2, 3], [8, 2, 1])[0])) + "]"

    def pleg() -> str:
        ns, pod, uid = podref()
        ev = {"ID": uid, "Type": g.vocab(["ContainerStarted", "ContainerStarted", "ContainerDied"]), "Data": g.hex(64)}
        return f'"SyncLoop (PLEG): event for pod" pod="{ns}/{pod}" event={jdump(ev)}'

    def probe() -> str:
        ns, pod, uid = podref()
        ip, port = g.pod_ip(), g.pick(["8080", "8081", "3000", "9090"])
        out = g.pick([
            f'Get "http://{ip}:{port}/healthz": dial tcp {ip}:{port}: connect: connection refused',
            f"HTTP probe failed with statuscode: {g.pick(['500', '503'])}",
            f'Get "http://{ip}:{port}/readyz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
        ])  # fmt: skip
        return (
            f'"Probe failed" probeType="{g.vocab(["Readiness", "Readiness", "Liveness", "Startup"])}" pod="{ns}/{pod}" podUID="{uid}" '
            f'containerName="{g.pick(containers)}" probeResult="failure" output={goq(out)}'
        )

    def crashloop() -> str:
        ns, pod, uid = podref()
        c = g.pick(containers)
        if g.chance(0.75):
            g.tag("CrashLoopBackOff")  # the waiting reason
            inner = f"back-off {g.pick(backoff)} restarting failed container={c} pod={pod}_{ns}({uid})"
            err = f'failed to "StartContainer" for "{c}" with CrashLoopBackOff: {goq(inner)}'
        else:
            g.tag("ImagePullBackOff")
            inner = f'Back-off pulling image "registry.example.com/{ns}/{c}:v1.{g.n(0, 30)}.{g.n(0, 9)}"'
            err = f'failed to "StartContainer" for "{c}" with ImagePullBackOff: {goq(inner)}'
        return f'"Error syncing pod, skipping" err={goq(err)} pod="{ns}/{pod}" podUID="{uid}"'

    def volume(kind: str) -> str:
        ns, pod, uid = podref()
        vol = g.pick([f"kube-api-access-{g.alnum(5, K8S_ALNUM)}", "config", "tls-certs", "data", f"pvc-{g.uuid()}"])
        plugin = {"config": "configmap", "tls-certs": "secret", "data": "empty-dir"}.get(
            vol, "projected" if vol.startswith("kube") else "csi"
        )
        msg = (
            f'{kind} for volume "{vol}" (UniqueName: "kubernetes.io/{plugin}/{uid}-{vol}") pod "{pod}" (UID: "{uid}") '
        )
        return f'{goq(msg)} pod="{ns}/{pod}"'

    def startup() -> str:
        ns, pod, _ = podref()
        created = g.now - timedelta(seconds=g.n(2, 300))
        ts = lambda d: f"{d:%Y-%m-%d %H:%M:%S}.{d.microsecond:06d}{g.n(0, 999):03d} +0000 UTC"
        pulled = g.chance(0.4)
        first = ts(created + timedelta(seconds=1)) if pulled else "0001-01-01 00:00:00 +0000 UTC"
        last = ts(created + timedelta(seconds=g.n(2, 40))) if pulled else "0001-01-01 00:00:00 +0000 UTC"
        return (
            f'"Observed pod startup duration" pod="{ns}/{pod}" podStartSLOduration={g.f(0.5, 30, 6)} podStartE2EDuration="{g.go_dur(g.r.uniform(1, 90))}" '
            f'podCreationTimestamp="{created:%Y-%m-%d %H:%M:%S} +0000 UTC" firstStartedPulling="{first}" lastFinishedPulling="{last}" '
            f'observedRunningTime="{ts(g.now)}" watchObservedRunningTime="{ts(g.now)}"'
        )

    def teardown() -> str:
        _, _pod, uid = podref()
        vol = f"kube-api-access-{g.alnum(5, K8S_ALNUM)}"
        return (
            f'UnmountVolume.TearDown succeeded for volume "kubernetes.io/projected/{uid}-{vol}" (OuterVolumeSpecName: "{vol}") pod "{uid}" (UID: "{uid}"). '
            f'InnerVolumeSpecName "{vol}". PluginName "kubernetes.io/projected", VolumeGidValue ""'
        )

    node = g.host
    return [
        (12, pleg),
        (3, lambda: f'"SyncLoop ADD" source="api" pods={pods_list()}'),
        (6, lambda: f'"SyncLoop UPDATE" source="api" pods={pods_list()}'),
        (2, lambda: f'"SyncLoop DELETE" source="api" pods={pods_list()}'),
        (2, lambda: f'"SyncLoop REMOVE" source="api" pods={pods_list()}'),
        (8, probe),
        (3, lambda: f'"RemoveContainer" containerID="{g.hex(64)}"'),
        (2, lambda: f'"Killing container with a grace period" {pod_kv()} podUID="{g.uuid()}" containerName="{g.pick(containers)}" containerID="containerd://{g.hex(64)}" gracePeriod={g.pick(["30", "30", "60", "5"])}'),
        (5, crashloop),
        (4, lambda: f'"Nameserver limits exceeded" err="Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {" ".join(g.ip() for _ in range(3))}"'),
        (2, lambda: volume("operationExecutor.MountVolume started")),
        (2, lambda: volume("MountVolume.SetUp succeeded")),
        (0.3, lambda: f'"Eviction manager: attempting to reclaim" resourceName="{g.vocab(["memory", "ephemeral-storage", "nodefs"])}"'),
        (1.5, lambda: f'"Failed to get system container stats" err={goq("failed to get cgroup stats for " + (c := goq(g.pick(["/system.slice/docker.service", "/system.slice/containerd.service", "/kubepods.slice"]))) + ": failed to get container info for " + c + ": unknown container " + c)} containerName={c}'),
        (1, lambda: f'"Unable to fetch pod log stats" err="open /var/log/pods/{g.ns()}_{g.pod()}_{g.uuid()}: no such file or directory" {pod_kv()}'),
        (2, startup),
        (0.5, lambda: f'"Pod still has one or more containers in the non-exited state and will not be removed from desired state" {pod_kv()}'),
        (0.05, lambda: '"Image garbage collection failed once. Stats initialization may not have completed yet" err="invalid capacity 0 on image filesystem"'),
        (0.05, lambda: f'"Attempting to register node" node="{node()}"'),
        (0.05, lambda: f'"Successfully registered node" node="{node()}"'),
        (0.5, lambda: f'"Failed to update status for pod" {pod_kv()} err={goq("failed to patch status " + chr(123) + "..." + chr(125) + " for pod: pods " + goq(g.pod()) + " not found")}'),
        (1.5, lambda: f'"Volume detached for volume \\"{(v := g.pick(["config", "tls-certs", "data"]))}\\" (UniqueName: \\"kubernetes.io/configmap/{g.uuid()}-{v}\\") on node \\"{node()}\\" DevicePath \\"\\""'),
        (1.5, teardown),
    ]  # fmt: skip


@system("kube-controlplane")
def kube_controlplane(g: Gen) -> list[Event]:
    """kube-apiserver, kube-controller-manager and kube-scheduler, after the klog header."""
    uas = [
        "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625", "kubelet/v1.29.3 (linux/amd64) kubernetes/6813625",
        "kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:replicaset-controller",
        "argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format", "Go-http-client/2.0",
        "karpenter/v0.36.1", "kube-probe/1.29",
    ]  # fmt: skip
    verbs = ["GET", "GET", "GET", "LIST", "WATCH", "PATCH", "PUT", "POST", "DELETE"]

    def uri() -> str:
        ns, node = g.ns(), g.host()
        return g.pick([
            f"/api/v1/namespaces/{ns}/pods/{g.pod()}",
            f"/apis/apps/v1/namespaces/{ns}/deployments/{g.svc()}",
            f"/api/v1/nodes/{node}/status?timeout=10s",
            f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s",
            f"/api/v1/namespaces/{ns}/configmaps?allowWatchBookmarks=true&resourceVersion={g.n(10**6, 10**9)}&timeout=8m{g.n(0, 59)}s&timeoutSeconds={g.n(300, 600)}&watch=true",
            f"/api/v1/namespaces/{ns}/pods?labelSelector=app%3D{g.svc()}&limit=500",
            "/readyz", "/livez", "/openapi/v2",
        ])  # fmt: skip

    def http() -> str:
        line = f'"HTTP" verb="{g.vocab(verbs)}" URI="{uri()}" latency="{g.go_dur(g.latency(8))}" userAgent="{g.pick(uas)}" audit-ID="{g.uuid()}" srcIP="{g.ipport()}"'
        if g.chance(0.7):
            line += f' apf_pl="{g.pick(["exempt", "workload-low", "system", "leader-election"])}" apf_fs="{g.pick(["exempt", "service-accounts", "kube-system-service-accounts", "probes"])}" apf_iseats=1 apf_fseats=0 apf_additionalLatency="0s" apf_execution_time="{g.go_dur(g.latency(5))}"'
        return line + f" resp={g.pick(['200', '200', '200', '201', '404', '409', '422', '429'])}"

    def trace_id() -> str:
        return str(g.n(10**8, 4 * 10**9))

    def trace_start() -> str:
        ns = g.ns()
        res = g.pick(["pods", "configmaps", "events", "leases", "secrets"])
        return (
            f'Trace[{trace_id()}]: "{g.vocab(["List", "Get", "Update", "Patch", "Create"])}" accept:application/json, */*,audit-id:{g.uuid()},client:{g.ip()},'
            f"api-group:,api-version:v1,name:,subresource:,namespace:{ns},protocol:HTTP/2.0,resource:{res},scope:namespace,url:/api/v1/namespaces/{ns}/{res},"
            f"user-agent:{g.pick(uas)},verb:LIST ({g.now:%d-%b-%Y %H:%M:%S}.{g.now.microsecond // 1000:03d}) (total time: {g.n(500, 9000)}ms):"
        )

    def event() -> str:
        ns, svc = g.ns(), g.svc()
        rs = g.rs(svc)
        kind, reason, msg = g.pick([
            ("ReplicaSet", "SuccessfulCreate", f"Created pod: {rs}-{g.alnum(5, K8S_ALNUM)}"),
            ("ReplicaSet", "SuccessfulDelete", f"Deleted pod: {rs}-{g.alnum(5, K8S_ALNUM)}"),
            ("Deployment", "ScalingReplicaSet", f"Scaled {g.pick(['up', 'down'])} replica set {rs} to {g.n(0, 12)}"),
            ("HorizontalPodAutoscaler", "SuccessfulRescale", f"New size: {g.n(2, 20)}; reason: cpu resource utilization (percentage of request) {g.pick(['above', 'below'])} target"),
            ("CronJob", "SuccessfulCreate", f"Created job {g.pick(['backup', 'report', 'cleanup'])}-{g.n(28_500_000, 28_600_000)}"),
            ("Job", "Completed", "Job completed"),
        ])  # fmt: skip
        g.tag(kind)
        g.tag(reason)
        if reason in ("ScalingReplicaSet", "SuccessfulRescale"):  # up/down, above/below
            g.tag(msg.split()[1] if reason == "ScalingReplicaSet" else msg.split()[-2])
        obj = rs if kind == "ReplicaSet" else svc
        api = {"HorizontalPodAutoscaler": "autoscaling/v2", "CronJob": "batch/v1", "Job": "batch/v1"}.get(
            kind, "apps/v1"
        )
        typ = "Normal"
        return f'"Event occurred" object="{ns}/{obj}" fieldPath="" kind="{kind}" apiVersion="{api}" type="{typ}" reason="{reason}" message="{msg}"'

    def unsched() -> str:
        total = g.n(6, 40)
        a = g.n(1, total - 1)
        err = f"0/{total} nodes are available: {a} Insufficient {g.vocab(['cpu', 'memory'])}, {total - a} node(s) didn't match Pod's node affinity/selector. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
        return f'"Unable to schedule pod; no fit; waiting" pod="{g.ns()}/{g.pod()}" err="{err}"'

    def nested() -> str:
        vol = f"vol-0{g.hex(16)}"
        retry = g.now + timedelta(seconds=32)
        return (
            f'Operation for "{{volumeName:kubernetes.io/csi/ebs.csi.aws.com^{vol} podName: nodeName:{g.host()}}}" failed. No retries permitted until '
            f"{retry:%Y-%m-%d %H:%M:%S}.{retry.microsecond:06d}{g.n(0, 999):03d} +0000 UTC m=+{g.f(100, 900000, 9)} (durationBeforeRetry {g.pick(['500ms', '1s', '2s', '4s', '8s', '16s', '32s', '1m4s', '2m2s'])}). "
            f'Error: AttachVolume.Attach failed for volume "pvc-{g.uuid()}" (UniqueName: "kubernetes.io/csi/ebs.csi.aws.com^{vol}") from node "{g.host()}" : '
            f'rpc error: code = Internal desc = Could not attach volume "{vol}" to node "i-0{g.hex(16)}": attachment of disk "{vol}" failed, expected device to be attached but was attaching'
        )

    controllers = [
        "endpointslice",
        "replicaset",
        "deployment",
        "job",
        "cronjob",
        "horizontal-pod-autoscaler",
        "garbage-collector",
    ]
    return [
        (30, http),
        (2, trace_start),
        (2, lambda: f'Trace[{trace_id()}]: ---"{g.vocab(["About to write a response", "Writing http response done", "Txn call completed", "Object stored in database", "Listing from storage done"])}" {"count:" + str(g.n(1, 5000)) + " " if g.chance(0.4) else ""}{g.n(500, 9000)}ms ({g.now:%H:%M:%S}.{g.now.microsecond // 1000:03d})'),
        (2, lambda: f"Trace[{trace_id()}]: [{g.go_dur(g.r.uniform(0.5, 9))}] [{g.go_dur(g.r.uniform(0.5, 9))}] END"),
        (1, lambda: f"cacher ({g.pick(['pods', 'events', 'endpointslices.discovery.k8s.io', 'leases.coordination.k8s.io'])}): {g.n(1, 90)} objects queued in incoming channel."),
        (0.5, lambda: f"Terminating all watchers from cacher {g.pick(['pods', 'events', 'configmaps'])}"),
        (0.5, lambda: "watch chan error: etcdserver: mvcc: required revision has been compacted"),
        (1.5, lambda: f'"Unable to authenticate the request" err="{g.pick(["[invalid bearer token, service account token has expired]", "[invalid bearer token, square/go-jose: error in cryptographic primitive]", "verifying certificate SN=" + str(g.n(10**17, 10**19)) + ", SKID=, AKID=" + ":".join(g.hex(2).upper() for _ in range(20)) + " failed: x509: certificate has expired or is not yet valid: current time " + g.iso(0) + " is after 2024-05-01T00:00:00Z"])}"'),
        (10, event),
        (2, lambda: f'"Too few replicas" replicaSet="{g.ns()}/{g.rs()}" need={g.n(1, 12)} creating={g.n(1, 4)}'),
        (1.5, lambda: f'"Too many replicas" replicaSet="{g.ns()}/{g.rs()}" need={g.n(0, 12)} deleting={g.n(1, 4)}'),
        (1, lambda: f'"Error syncing deployment" deployment="{g.ns()}/{(d := g.svc())}" err="Operation cannot be fulfilled on deployments.apps \\"{d}\\": the object has been modified; please apply your changes to the latest version and try again"'),
        (0.3, nested),
        (5, lambda: f'"Successfully bound pod to node" pod="{g.ns()}/{g.pod()}" node="{g.host()}" evaluatedNodes={(e := g.n(3, 40))} feasibleNodes={g.n(1, e)}'),
        (1, unsched),
        (0.1, lambda: f'"Starting controller" controller="{g.vocab(controllers)}"'),
        (0.1, lambda: f'"Caches are synced" controller="{g.vocab(controllers)}"'),
        (0.05, lambda: "attempting to acquire leader lease kube-system/kube-controller-manager..."),
        (0.05, lambda: "successfully acquired lease kube-system/kube-controller-manager"),
    ]  # fmt: skip


@system("containerd")
def containerd(g: Gen) -> list[Event]:
    """Whole lines: containerd and dockerd logfmt (logrus text formatter) from the journal."""

    def head(level: str = "info") -> str:
        return f'time="{g.iso(0, "")}.{g.now.microsecond:06d}{g.n(0, 999):03d}Z" level={level} '

    def meta() -> str:
        return f"&PodSandboxMetadata{{Name:{g.pod()},Uid:{g.uuid()},Namespace:{g.ns()},Attempt:{g.pick(['0', '0', '1'])},}}"

    def cmeta() -> str:
        return f"&ContainerMetadata{{Name:{g.pick(['app', 'istio-proxy', 'otel-agent', 'migrate'])},Attempt:{g.skew(0, 40)},}}"

    def image() -> str:
        return f"registry.example.com/{g.ns()}/{g.svc()}:v1.{g.n(0, 30)}.{g.n(0, 9)}"

    q = lambda v: f'\\"{v}\\"'  # a quoted value inside msg="..."
    return [
        (6, lambda: head() + f'msg="shim disconnected" id={g.hex(64)} namespace=k8s.io'),
        (6, lambda: head("warning") + f'msg="cleaning up after shim disconnected" id={g.hex(64)} namespace=k8s.io'),
        (3, lambda: head() + 'msg="cleaning up dead shim" namespace=k8s.io'),
        (3, lambda: head() + f'msg="RunPodSandbox for {meta()}"'),
        (3, lambda: head() + f'msg="RunPodSandbox for {meta()} returns sandbox id {q(g.hex(64))}"'),
        (3, lambda: head() + f'msg="CreateContainer within sandbox {q(g.hex(64))} for container {cmeta()}"'),
        (3, lambda: head() + f'msg="CreateContainer within sandbox {q(g.hex(64))} for {cmeta()} returns container id {q(g.hex(64))}"'),
        (3, lambda: head() + f'msg="StartContainer for {q(g.hex(64))}"'),
        (3, lambda: head() + f'msg="StartContainer for {q(g.hex(64))} returns successfully"'),
        (2, lambda: head() + f'msg="StopContainer for {q(g.hex(64))} with timeout {g.pick(["30", "30", "2", "60"])} (s)"'),
        (2, lambda: head() + f'msg="Stop container {q(g.hex(64))} with signal terminated"'),
        (2, lambda: head() + f'msg="StopPodSandbox for {q(g.hex(64))}"'),
        (2, lambda: head() + f'msg="TearDown network for sandbox {q(g.hex(64))} successfully"'),
        (2, lambda: head() + f'msg="StopPodSandbox for {q(g.hex(64))} returns successfully"'),
        (1, lambda: head() + f'msg="PullImage {q(image())}"'),
        (1, lambda: head() + f'msg="Pulled image {q(i := image())} with image id {q("sha256:" + g.hex(64))}, repo tag {q(i)}, repo digest {q(i.rsplit(":", 1)[0] + "@sha256:" + g.hex(64))}, size {q(g.n(10**6, 9 * 10**8))} in {g.go_dur(g.r.uniform(0.4, 90))}"'),
        (1.5, lambda: head() + f'msg="ImageCreate event name:{q(g.pick([image(), "sha256:" + g.hex(64)]))} labels:{{key:\\"io.cri-containerd.image\\" value:\\"managed\\"}}"'),
        (1, lambda: head("error") + f'msg="ContainerStatus for {q(c := g.hex(64))} failed" error="rpc error: code = NotFound desc = an error occurred when try to find container {q(c)}: not found"'),
        (1, lambda: head("warning") + f'msg="cleanup warnings time={q(g.iso(9, "Z"))} level=info msg={q("starting signal loop")} namespace=k8s.io pid={g.n(1000, 99999)} runtime=io.containerd.runc.v2\\n"'),
        (4, lambda: head() + f'msg="ignoring event" container={g.hex(64)} module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"'),
        (0.5, lambda: head() + f'msg="Container failed to exit within {g.pick(["10s", "10s", "30s", "2s"])} of signal 15 - using the force" container={g.hex(64)}'),
        (0.5, lambda: head() + f'msg="Layer sha256:{g.hex(64)} cleaned up"'),
        (0.3, lambda: head("error") + f'msg="Handler for POST /v1.43/containers/{g.hex(64)}/start returned error: driver failed programming external connectivity on endpoint {g.svc()} ({g.hex(64)}): Bind for 0.0.0.0:{g.pick(["80", "8080", "5432"])} failed: port is already allocated"'),
        (0.3, lambda: head() + f'msg="Attempting next endpoint for pull after error: {g.pick(["manifest unknown: manifest unknown", "unauthorized: authentication required", "Head " + q("https://registry.example.com/v2/shop/" + g.svc() + "/manifests/latest") + ": dial tcp " + g.ip() + ":443: i/o timeout"])}"'),
        (0.05, lambda: head() + "msg=\"Processing signal 'terminated'\""),
        (0.05, lambda: head() + 'msg="Loading containers: start."'),
        (0.05, lambda: head() + 'msg="Loading containers: done."'),
        (0.05, lambda: head() + 'msg="API listen on /run/docker.sock"'),
        (0.5, lambda: head() + f'msg="loading plugin {q(p := g.vocab(["io.containerd.snapshotter.v1.overlayfs", "io.containerd.grpc.v1.cri", "io.containerd.runtime.v2.task", "io.containerd.content.v1.content", "io.containerd.gc.v1.scheduler"]))}..." type={p.rsplit(".", 1)[0]}'),
        (0.05, lambda: head() + f'msg="starting containerd" revision={g.hex(40)} version=v1.7.{g.n(10, 16)}'),
    ]  # fmt: skip


@system("etcd")
def etcd(g: Gen) -> list[Event]:
    """Whole lines: etcd 3.5 zap JSON."""
    members = ["8e9e05c52164694d", "91bc3c398fb3c146", "fd422379fda50e48"]

    def line(level: str, caller: str, msg: str, **fields: object) -> str:
        obj = {"level": level, "ts": g.iso(6), "caller": caller, "msg": msg}
        obj.update({k.replace("_", "-"): v for k, v in fields.items()})
        return jdump(obj)

    def raft(msg: str) -> str:
        return jdump(
            {"level": "info", "ts": g.iso(6), "logger": "raft", "caller": "etcdserver/zap_raft.go:77", "msg": msg}
        )

    def mb() -> str:
        return f"{g.f(1, 900, 1).rstrip('0').rstrip('.')} MB"

    def took_too_long() -> str:
        key = f"/registry/{g.pick(['pods', 'leases/kube-node-lease', 'events', 'configmaps'])}/{g.ns()}/{g.pod()}"
        if g.chance(0.6):
            g.tag("read-only range ", "readonly_range")  # the prefix
            return line("warn", "etcdserver/util.go:170", "apply request took too long", took=g.go_dur(g.r.uniform(0.1, 2)), expected_duration="100ms",
                        prefix="read-only range ", request=f'key:"{key}" ', response=f"range_response_count:{g.n(0, 1)} size:{g.n(200, 90000)}")  # fmt: skip
        g.tag("", "noprefix")
        req = (
            f'header:<ID:{g.n(10**18, 9 * 10**18)} username:"kube-apiserver-etcd-client" auth_revision:1 > txn:<compare:<target:MOD key:"{key}" '
            f'mod_revision:{g.n(10**5, 10**8)} > success:<request_put:<key:"{key}" value_size:{g.n(200, 9000)} >> failure:<request_range:<key:"{key}" > >>'
        )
        return line("warn", "etcdserver/util.go:170", "apply request took too long", took=g.go_dur(g.r.uniform(0.1, 2)), expected_duration="100ms",
                    prefix="", request=req, response=f"size:{g.n(18, 30)}")  # fmt: skip

    def trace() -> str:
        kind = g.vocab(["range", "range", "transaction", "linearizableReadLoop", "put"])
        tid = g.n(10**8, 4 * 10**9)
        start = g.now - timedelta(milliseconds=g.n(100, 3000))
        steps = [
            f"trace[{tid}] '{g.pick(['agreement among raft nodes before linearized reading', 'get authentication metadata', 'range keys from in-memory index tree', 'process raft request', 'compare'])}'  (duration: {g.go_dur(g.r.uniform(0.1, 2))})"
            for _ in range(g.n(1, 3))
        ]
        detail = f"{{range_begin:/registry/{g.pick(['pods', 'events', 'leases'])}/{g.ns()}/; range_end:/registry/pods/{g.ns()}0; response_count:{g.n(0, 900)}; response_revision:{g.n(10**5, 10**8)}; }}"
        return line("info", "traceutil/trace.go:171", f"trace[{tid}] {kind}", detail=detail, duration=g.go_dur(g.r.uniform(0.1, 3)),
                    start=f"{start:%Y-%m-%dT%H:%M:%S}.{start.microsecond // 1000:03d}Z", end=g.iso(), steps=steps, step_count=len(steps))  # fmt: skip

    peer = lambda: g.pick(members)
    return [
        (8, lambda: line("info", "mvcc/index.go:214", "compact tree index", revision=g.n(10**5, 10**8))),
        (8, lambda: line("info", "mvcc/kvstore_compaction.go:66", "finished scheduled compaction", compact_revision=g.n(10**5, 10**8), took=g.go_dur(g.r.uniform(0.005, 2)),
                         hash=g.n(10**8, 4 * 10**9), current_db_size_bytes=g.n(10**6, 8 * 10**9), current_db_size=mb(), current_db_size_in_use_bytes=g.n(10**6, 8 * 10**9), current_db_size_in_use=mb())),
        (10, took_too_long),
        (6, trace),
        (1, lambda: line("warn", "wal/wal.go:805", "slow fdatasync", took=g.go_dur(g.r.uniform(1, 6)), expected_duration="1s")),
        (0.8, lambda: line("warn", "etcdserver/raft.go:369", "leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk",
                           to=peer(), heartbeat_interval="100ms", expected_duration="200ms", exceeded_duration=g.go_dur(g.r.uniform(0.01, 2)))),
        (0.5, lambda: line("info", "etcdserver/server.go:2413", "saved snapshot", snapshot_index=g.n(10**5, 10**8))),
        (0.5, lambda: line("info", "etcdserver/server.go:2443", "compacted Raft logs", compact_index=g.n(10**5, 10**8))),
        (1, lambda: line("warn", "embed/config_logging.go:169", "rejected connection", remote_addr=g.ipport(), server_name="", error=g.pick(["tls: first record does not look like a TLS handshake", "EOF", "remote error: tls: bad certificate"]))),
        (0.1, lambda: raft(f"raft.node: {(m := peer())} elected leader {m} at term {g.n(2, 40)}")),
        (0.1, lambda: raft(f"{peer()} became leader at term {g.n(2, 40)}")),
        (0.2, lambda: raft(f"{peer()} [term: {(t := g.n(2, 40))}] received a MsgVote message with higher term from {peer()} [term: {t + 1}]")),
        (1, lambda: line("warn", "rafthttp/probing_status.go:68", "prober detected unhealthy status", round_tripper_name=g.vocab(["ROUND_TRIPPER_RAFT_MESSAGE", "ROUND_TRIPPER_SNAPSHOT"]),
                         remote_peer_id=peer(), rtt=g.go_dur(g.r.uniform(0.0005, 0.01)), error=f"dial tcp {g.ip()}:2380: connect: connection refused")),
        (0.3, lambda: line("warn", "rafthttp/stream.go:421", "lost TCP streaming connection with remote peer", stream_reader_type=g.vocab(["stream Message", "stream MsgApp v2"]), local_member_id=peer(), remote_peer_id=peer(), error=g.pick(["EOF", "unexpected EOF", "read tcp " + g.ipport() + "->" + g.ip() + ":2380: i/o timeout"]))),
        (0.3, lambda: line("info", "rafthttp/stream.go:249", "established TCP streaming connection with remote peer", stream_writer_type=g.vocab(["stream Message", "stream MsgApp v2"]), local_member_id=peer(), remote_peer_id=peer())),
        (0.5, lambda: line("warn", "etcdserver/v3_server.go:897", "waiting for ReadIndex response took too long, retrying", sent_request_id=g.n(10**18, 9 * 10**18), retry_timeout="500ms")),
        (0.05, lambda: line("info", "embed/serve.go:250", "serving client traffic securely", traffic_type="grpc+http", address="[::]:2379")),
        (0.05, lambda: line("info", "etcdserver/server.go:2068", "published local member to cluster through raft", local_member_id=(m := peer()),
                            local_member_attributes=f"{{Name:etcd-{g.n(0, 2)} ClientURLs:[https://{g.ip()}:2379]}}", request_path=f"/0/members/{m}/attributes", cluster_id=g.hex(16), publish_timeout="7s")),
        (0.2, lambda: line("warn", "etcdserver/cluster_util.go:288", "failed to reach the peer URL", address=f"https://{(ip := g.ip())}:2380/version", remote_member_id=peer(),
                           error=f'Get "https://{ip}:2380/version": dial tcp {ip}:2380: connect: connection refused')),
    ]  # fmt: skip


@system("go-service")
def go_service(g: Gen) -> list[Event]:
    """Whole lines: a Go service's log/slog TextHandler output."""

    def head(level: str = "INFO") -> str:
        return f"time={g.iso()} level={level} "

    def sq(v: str) -> str:  # slog quotes a value only when it needs it
        return goq(v) if (not v or any(c in v for c in ' "=\\')) else v

    return [
        (40, lambda: head() + f'msg="request completed" method={g.method()} path={g.path()} status={g.status()} duration={g.go_dur(g.latency())} bytes={g.skew(0, 900000)} request_id={g.hex(16)} remote_addr={g.ipport()} user_agent={sq(g.ua())}'),
        (8, lambda: head("DEBUG") + f'msg="cache miss" key={g.pick(["product", "cart", "user", "price"])}:{g.n(1, 99999)} layer={g.vocab(["redis", "local"])}'),
        (3, lambda: head("WARN") + f'msg="slow query" query={sq(g.sql())} duration={g.go_dur(g.r.uniform(0.5, 9))} rows={g.skew(0, 90000)}'),
        (3, lambda: head("ERROR") + f'msg="upstream request failed" upstream={(u := g.pick(["payments", "inventory", "shipping"]))} url=http://{u}.{g.ns()}.svc.cluster.local:8080/v1/{g.pick(["charges", "reservations", "quotes"])} err={goq(g.pick(["Post " + goq("http://" + u + ":8080/v1/charges") + ": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "dial tcp " + g.pod_ip() + ":8080: connect: connection refused", "unexpected status 503 Service Unavailable"]))} attempt={g.n(1, 3)}'),
        (3, lambda: head() + f"msg=\"retrying request\" attempt={g.n(1, 5)} backoff={g.pick(['100ms', '200ms', '400ms', '800ms', '1.6s'])}"),
        (2, lambda: head("DEBUG") + f'msg="acquired lock" name={g.pick(["reconcile-orders", "billing-run", "cache-warmup"])} ttl=30s holder={g.pod()}'),
        (10, lambda: head() + f'msg="kafka message processed" topic={g.pick(["orders", "payments", "inventory-events"])} partition={g.n(0, 11)} offset={g.n(0, 99999999)} lag={g.skew(0, 5000)} duration={g.go_dur(g.latency(3))}'),
        (1, lambda: head("WARN") + f'msg="consumer lag above threshold" topic={g.pick(["orders", "payments"])} group={g.svc()}-consumer lag={g.n(1001, 90000)} threshold=1000'),
        (6, lambda: head() + f'msg="order created" order_id={g.uuid()} customer_id={g.n(1, 999999)} items={g.skew(1, 40)} total={g.f(3, 900, 2)} currency={g.pick(["EUR", "EUR", "USD", "GBP"])}'),
        (1, lambda: head("ERROR") + f'msg="payment declined" order_id={g.uuid()} reason={sq(g.pick(["insufficient funds", "card expired", "do not honor", "suspected fraud"]))} code={g.pick(["card_declined", "expired_card", "fraudulent"])}'),
        (0.1, lambda: head() + f"msg=starting version=v1.{g.n(10, 20)}.{g.n(0, 9)} commit={g.hex(7)} go_version=go1.22.{g.n(0, 3)}"),
        (0.1, lambda: head() + f'msg="http server listening" addr=:{g.pick(["8080", "8443"])}'),
        (0.05, lambda: head() + "msg=\"shutting down\" signal=terminated"),
        (1.5, lambda: head("WARN") + f'msg="rate limit exceeded" client_ip={g.ip()} route={g.pick(["/api/v2/search", "/api/v1/login", "/api/v1/cart"])} limit={g.pick(["100", "20"])} window=1m0s'),
        (0.2, lambda: head() + f'msg="config reloaded" path=/etc/{g.svc()}/config.yaml changed_keys="[{" ".join(g.some(["features.search_v2", "timeouts.db", "limits.rps", "log.level"], 1, 3))}]"'),
        (0.2, lambda: head("ERROR") + f'msg="panic recovered" err="runtime error: {g.pick(["invalid memory address or nil pointer dereference", "index out of range [3] with length 3"])}" path={g.path()} method={g.method()}'),
        (4, lambda: head("DEBUG") + f"msg=\"health check\" status=ok checks={g.n(2, 5)} duration={g.go_dur(g.latency(2))}"),
        (0.3, lambda: head("WARN") + f'msg="circuit breaker state changed" name={g.pick(["payments", "inventory"])} from={(a := g.vocab(["closed", "open", "half-open"], "from_"))} to={g.vocab([s for s in ["closed", "open", "half-open"] if s != a], "to_")}'),
        (4, lambda: head("DEBUG") + f'msg="feature flag evaluated" flag={g.pick(["search_v2", "new_checkout", "dark_mode"])} user_id={g.n(1, 999999)} variant={g.pick(["on", "off", "control", "treatment-b"])}'),
        (2, lambda: head("DEBUG") + f"msg=\"db pool stats\" open={g.n(1, 40)} in_use={g.n(0, 40)} idle={g.n(0, 20)} wait_count={g.skew(0, 900)} wait_duration={g.go_dur(g.r.uniform(0, 3)) if g.chance(0.3) else '0s'}"),
    ]  # fmt: skip


@system("python-app")
def python_app(g: Gen) -> list[Event]:
    """Whole lines from a Django app under gunicorn, with its Celery workers and beat."""

    def gts() -> str:
        return f"[{g.now:%Y-%m-%d %H:%M:%S} +0000] [{g.n(1, 90)}]"

    def dts() -> str:
        return f"{g.now:%Y-%m-%d %H:%M:%S},{g.now.microsecond // 1000:03d}"

    def cts(proc: str, level: str = "INFO") -> str:
        return f"[{dts()}: {level}/{proc}]"

    tasks = [
        "orders.tasks.send_receipt",
        "orders.tasks.sync_inventory",
        "billing.tasks.generate_invoice",
        "search.tasks.reindex_product",
        "accounts.tasks.send_password_reset",
    ]
    worker = lambda: f"ForkPoolWorker-{g.n(1, 16)}"
    # Django's REASON_* messages; the origin in REASON_BAD_ORIGIN is a parameter
    csrf = {
        "CSRF token missing.": "CSRF_token_missing",
        "CSRF cookie not set.": "CSRF_cookie_not_set",
        "Origin checking failed - https://evil.example.net does not match any trusted origins.": "bad_origin",
    }

    def response() -> str:
        phrase, level = g.r.choices(
            [("Not Found", "WARNING"), ("Bad Request", "WARNING"), ("Internal Server Error", "ERROR"), ("Unauthorized", "WARNING"), ("Forbidden", "WARNING"), ("Method Not Allowed", "WARNING")],
            [10, 3, 2, 2, 1, 1],
        )[0]  # fmt: skip
        g.tag(phrase)  # the level follows from it
        return f"{dts()} {level} django.request {phrase}: {g.path()}"

    def sql() -> str:
        args = (
            "("
            + ", ".join(g.pick([str(g.n(1, 9999)), f"'{g.user()}'", "True", "None"]) for _ in range(g.n(0, 3)))
            + (",)" if g.chance(0.3) else ")")
        )
        return f"{dts()} DEBUG django.db.backends ({g.f(0, 0.9, 3)}) {g.sql()}; args={args}; alias=default"

    def retval() -> str:
        return g.pick(["None", "None", "{'sent': True}", "'ok'", str(g.n(0, 500)), "[]"])

    def frame() -> str:
        mod = g.pick(["orders/tasks.py", "billing/invoices.py", "orders/payments.py", "accounts/views.py"])
        if g.chance(0.4):
            mod = g.pick(
                [
                    "/usr/local/lib/python3.11/site-packages/celery/app/trace.py",
                    "/usr/local/lib/python3.11/site-packages/django/core/handlers/base.py",
                    "/usr/local/lib/python3.11/site-packages/requests/adapters.py",
                ]
            )
            return f'  File "{mod}", line {g.n(20, 900)}, in {g.pick(["trace_task", "_get_response", "send", "__protected_call__"])}'
        return f'  File "/app/{mod}", line {g.n(10, 600)}, in {g.pick(["generate_invoice", "charge", "send_receipt", "post", "sync_inventory"])}'

    return [
        (25, lambda: f'{g.ip()} - - [{g.clf()}] "{g.method()} {g.urlpath()} HTTP/1.1" {g.status()} {g.skew(0, 90000)} "{g.pick(["-", g.url()])}" "{g.ua()}"'),
        (0.6, lambda: f"{gts()} [INFO] Booting worker with pid: {g.n(20, 9999)}"),
        (0.8, lambda: f"{gts()} [CRITICAL] WORKER TIMEOUT (pid:{g.n(20, 9999)})"),
        (0.6, lambda: f"{gts()} [INFO] Worker exiting (pid: {g.n(20, 9999)})"),
        (0.4, lambda: f"{gts()} [ERROR] Worker (pid:{g.n(20, 9999)}) was sent SIGKILL! Perhaps out of memory?"),
        (0.05, lambda: f"{gts()} [INFO] Starting gunicorn 21.2.0"),
        (0.05, lambda: f"{gts()} [INFO] Listening at: http://0.0.0.0:8000 ({g.n(1, 9)})"),
        (0.05, lambda: f"{gts()} [INFO] Using worker: {g.pick(['sync', 'gthread', 'uvicorn.workers.UvicornWorker'])}"),
        (0.05, lambda: f"{gts()} [INFO] Handling signal: {g.vocab(['term', 'hup', 'int'])}"),
        (8, response),
        (0.6, lambda: f"{dts()} WARNING django.security.csrf Forbidden ({g.vocab(['CSRF token missing.', 'CSRF cookie not set.', 'Origin checking failed - https://evil.example.net does not match any trusted origins.'], labels=csrf)}): {g.path()}"),
        (10, sql),
        (1, lambda: f"{dts()} ERROR django.security.DisallowedHost Invalid HTTP_HOST header: '{(h := g.pick([g.ip() + ':8000', g.ip(), 'scanner.example.net']))}'. You may need to add '{h.split(':')[0]}' to ALLOWED_HOSTS."),
        (5, lambda: f"{dts()} INFO orders.views Order {g.n(10000, 999999)} placed by user {g.user()} ({g.skew(1, 30)} items, total {g.f(3, 900, 2)} {g.pick(['EUR', 'GBP', 'USD'])})"),
        (1, lambda: f"{dts()} WARNING orders.payments Payment provider timeout after {g.pick(['5.0', '10.0', '30.0'])}s for order {g.n(10000, 999999)}, retrying (attempt {g.n(1, 3)}/3)"),
        (0.5, lambda: f"{dts()} ERROR orders.payments Payment failed for order {g.n(10000, 999999)}: {g.pick(['CardError(' + repr('Your card was declined.') + ')', 'CardError(' + repr('Your card has insufficient funds.') + ')', 'APIConnectionError(' + repr('Network error communicating with provider') + ')'])}"),
        (10, lambda: f"{cts('MainProcess')} Task {g.pick(tasks)}[{g.uuid()}] received"),
        (9, lambda: f"{cts(worker())} Task {g.pick(tasks)}[{g.uuid()}] succeeded in {g.r.lognormvariate(-2, 1.5):.{g.pick([6, 9, 12])}f}s: {retval()}"),
        (1, lambda: f"{cts(worker())} Task {g.pick(tasks)}[{g.uuid()}] retry: Retry in {g.pick(['10s', '60s', '300s'])}: {g.pick(['ConnectionError(' + repr('Connection aborted.') + ', RemoteDisconnected(' + repr('Remote end closed connection without response') + '))', 'OperationalError(' + repr('could not connect to server: Connection refused') + ')', 'Timeout()'])}"),
        (0.5, lambda: f"{cts(worker(), 'ERROR')} Task {g.pick(tasks)}[{g.uuid()}] raised unexpected: {g.pick(['ValueError(' + repr('invoice total mismatch: ' + g.f(1, 99, 2) + ' != ' + g.f(1, 99, 2)) + ')', 'KeyError(' + repr('sku') + ')', 'IntegrityError(' + repr('duplicate key value violates unique constraint ' + chr(34) + 'invoices_number_key' + chr(34)) + ')'])}"),
        (0.05, lambda: f"{cts('MainProcess')} Connected to redis://redis.{g.ns()}.svc.cluster.local:6379/0"),
        (0.05, lambda: f"{cts('MainProcess')} mingle: searching for neighbors"),
        (0.05, lambda: f"{cts('MainProcess')} mingle: all alone"),
        (0.05, lambda: f"{cts('MainProcess')} celery@{g.pod('worker')} ready."),
        (2, lambda: f"{cts('MainProcess')} Scheduler: Sending due task {g.pick(['cleanup-sessions', 'sync-inventory-hourly', 'send-digest-emails', 'expire-carts'])} ({g.pick(tasks[:3])})"),
        (0.1, lambda: f"{cts('MainProcess', 'WARNING')} consumer: Connection to broker lost. Trying to re-establish the connection..."),
        (0.3, lambda: "Traceback (most recent call last):"),
        (1.5, frame),
    ]  # fmt: skip


@system("spring-boot")
def spring_boot(g: Gen) -> list[Event]:
    """A Spring Boot 3 service: messages after the logback header
    `ts LEVEL pid --- [app] [thread] logger : `, plus exception and stack-trace lines as printed."""
    skus = lambda: f"SKU-{g.n(10000, 99999)}"
    obj = lambda: f"{g.hex(8).lstrip('0') or '1'}"  # identity hash code

    frames = [
        ("com.acme.checkout.service.CartService", ["checkout", "addItem", "lambda$checkout$2"], 6),
        ("com.acme.checkout.service.OrderService", ["placeOrder", "reserveStock"], 6),
        ("com.acme.checkout.client.PaymentClient", ["authorise", "capture"], 4),
        ("com.acme.checkout.web.CheckoutController", ["placeOrder", "getCart", "addItem"], 3),
        ("org.springframework.web.servlet.FrameworkServlet", ["service", "processRequest", "doPost"], 3),
        ("org.springframework.web.servlet.DispatcherServlet", ["doDispatch", "doService"], 3),
        ("org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor", ["intercept"], 2),
        ("org.springframework.transaction.interceptor.TransactionInterceptor", ["invoke"], 2),
        ("org.apache.catalina.core.ApplicationFilterChain", ["internalDoFilter", "doFilter"], 3),
        ("org.apache.catalina.core.StandardWrapperValve", ["invoke"], 1),
        ("java.base/java.util.concurrent.ThreadPoolExecutor", ["runWorker"], 1),
        ("java.base/java.lang.Thread", ["run"], 1),
        ("java.base/sun.nio.ch.NioSocketImpl", ["timedRead", "connect"], 1),
        ("com.zaxxer.hikari.pool.HikariPool", ["getConnection"], 1),
    ]

    def frame() -> str:
        if g.chance(0.05):
            return f"at jdk.internal.reflect.GeneratedMethodAccessor{g.n(10, 400)}.invoke(Unknown Source)"
        if g.chance(0.04):
            return f"at com.acme.checkout.web.CheckoutController$$SpringCGLIB$$0.{g.pick(['placeOrder', 'getCart'])}(<generated>)"
        cls, methods, _ = g.r.choices(frames, [w for *_, w in frames])[0]
        source = cls.rsplit(".", 1)[1].split("$")[0]
        return f"at {cls}.{g.pick(methods)}({source}.java:{g.n(20, 1200)})"

    return [
        (0.3, lambda: f"Completed initialization in {g.n(1, 9)} ms"),
        (0.1, lambda: f"Started CheckoutApplication in {(t := g.r.uniform(3, 30)):.3f} seconds (process running for {t + g.r.uniform(0.3, 4):.3f})"),
        (0.1, lambda: "Tomcat started on port 8080 (http) with context path ''"),
        (0.1, lambda: "Tomcat initialized with port 8080 (http)"),
        (0.3, lambda: "Initializing Spring DispatcherServlet 'dispatcherServlet'"),
        (0.1, lambda: f"HikariPool-{g.n(1, 2)} - Starting..."),
        (0.1, lambda: f"HikariPool-{g.n(1, 2)} - Start completed."),
        (0.4, lambda: f"HikariPool-{g.n(1, 2)} - Added connection org.postgresql.jdbc.PgConnection@{obj()}"),
        (0.3, lambda: f"HikariPool-{g.n(1, 2)} - Thread starvation or clock leap detected (housekeeper delta={g.n(1, 5)}m{g.n(0, 59)}s{g.n(0, 999)}ms)."),
        (1, lambda: f"HikariPool-{g.n(1, 2)} - Failed to validate connection org.postgresql.jdbc.PgConnection@{obj()} (This connection has been closed.). Possibly consider using a shorter maxLifetime value."),
        (2, lambda: f"Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: {g.pick(['java.lang.IllegalStateException: Cart ' + str(g.n(1000, 99999)) + ' is already checked out', 'org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection', 'java.lang.NullPointerException'])}] with root cause"),
        (3, lambda: f"Resolved [{g.pick(['org.springframework.web.bind.MissingServletRequestParameterException: Required request parameter ' + repr(g.pick(['id', 'cartId', 'page'])) + ' for method parameter type Long is not present', 'org.springframework.web.HttpRequestMethodNotSupportedException: Request method ' + repr(g.pick(['GET', 'PUT', 'DELETE'])) + ' is not supported', 'org.springframework.http.converter.HttpMessageNotReadableException: Required request body is missing: public org.springframework.http.ResponseEntity<com.acme.checkout.api.OrderResponse> com.acme.checkout.web.CheckoutController.placeOrder(com.acme.checkout.api.OrderRequest)'])}]"),
        (0.05, lambda: 'No active profile set, falling back to 1 default profile: "default"'),
        (0.1, lambda: f"The following {(n := g.n(1, 3))} profile{'s are' if n > 1 else ' is'} active: {', '.join(chr(34) + p + chr(34) for p in ['prod', 'k8s', 'eu-west-1'][:n])}"),
        (0.05, lambda: f"Exposing {g.n(2, 14)} endpoint(s) beneath base path '/actuator'"),
        (1, lambda: f"SQL Error: {g.pick(['0', '0', '1213'])}, SQLState: {g.pick(['08003', '08006', '40001', '23505'])}"),
        (1, lambda: "This connection has been closed."),
        (12, lambda: f"Order {g.n(100000, 999999)} placed: customer={g.n(1, 99999)} items={g.skew(1, 30)} total={g.f(3, 900, 2)} currency={g.pick(['EUR', 'USD'])}"),
        (8, lambda: f"Payment authorised for order {g.n(100000, 999999)} via {g.vocab(['STRIPE', 'ADYEN', 'PAYPAL'])} in {g.skew(40, 9000)} ms ({g.pick(['pi_', 'psp_', 'PAYID-'])}{g.alnum(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')})"),
        (3, lambda: f"Inventory reservation failed for sku={skus()} requested={g.n(1, 9)} available={g.n(0, 3)}"),
        (10, lambda: f"Calling inventory-service GET http://inventory.shop.svc.cluster.local:8080/api/v1/stock/{skus()} took {g.skew(2, 9000)}ms status={g.pick(['200', '200', '200', '404', '503'])}"),
        (1, lambda: f"checkout-consumers: partitions assigned: [{', '.join(f'orders-{p}' for p in sorted(g.r.sample(range(12), g.n(1, 4))))}]"),
        (1, lambda: f"checkout-consumers: partitions revoked: [{', '.join(f'orders-{p}' for p in sorted(g.r.sample(range(12), g.n(0, 4))))}]"),
        (1.5, lambda: f"[Consumer clientId=consumer-checkout-consumers-{g.n(1, 3)}, groupId=checkout-consumers] Resetting offset for partition orders-{g.n(0, 11)} to position FetchPosition{{offset={g.n(0, 9999999)}, offsetEpoch=Optional.empty, currentLeader=LeaderAndEpoch{{leader=Optional[kafka-{(b := g.n(0, 2))}.kafka-headless:9092 (id: {b} rack: null)], epoch={g.n(1, 90)}}}}}."),
        (1.5, lambda: f"Retrying request to payment-service (attempt {g.n(2, 3)} of 3) after {g.pick(['IOException: Connection reset', 'SocketTimeoutException: Read timed out', 'ConnectException: Connection refused'])}"),
        (1.5, lambda: f"java.lang.IllegalStateException: Cart {g.n(1000, 99999)} is already checked out"),
        (1, lambda: "java.net.SocketTimeoutException: Read timed out"),
        (0.5, lambda: f"org.springframework.dao.DataIntegrityViolationException: could not execute statement; SQL [n/a]; constraint [{g.pick(['orders_pkey', 'uk_cart_item_sku', 'payments_idempotency_key_key'])}]"),
        (0.5, lambda: 'java.lang.NullPointerException: Cannot invoke "com.acme.checkout.model.Address.getCountry()" because the return value of "com.acme.checkout.model.Customer.getShippingAddress()" is null'),
        (1, lambda: "Caused by: java.net.ConnectException: Connection refused"),
        (0.5, lambda: "Caused by: org.postgresql.util.PSQLException: This connection has been closed."),
        (15, frame),
        (1.5, lambda: f"... {g.n(3, 140)} common frames omitted"),
    ]  # fmt: skip


@system("nodejs")
def nodejs(g: Gen) -> list[Event]:
    """Whole lines from Node.js services: pino JSON, morgan access lines, npm banners, errors."""
    host = lambda: g.pod("api")

    def pino(level: int, msg: str, **extra: object) -> str:
        obj: dict[str, object] = {
            "level": level,
            "time": g.epoch_ms(),
            "pid": g.pick([1, 1, 7, 19]),
            "hostname": host(),
        }
        obj.update(extra)
        obj["msg"] = msg
        return jdump(obj)

    def req() -> dict:
        return {
            "id": g.n(1, 999999), "method": g.method(), "url": g.urlpath(), "query": {}, "params": {},
            "headers": {"host": g.pick(DOMAINS), "user-agent": g.ua(), "accept": g.pick(["application/json", "*/*"])},
            "remoteAddress": "::ffff:" + g.ip(), "remotePort": g.port(),
        }  # fmt: skip

    def completed() -> str:
        res = {
            "statusCode": g.status(),
            "headers": {"content-type": "application/json; charset=utf-8", "content-length": str(g.skew(2, 90000))},
        }
        return pino(30, "request completed", req=req(), res=res, responseTime=g.skew(0, 3000))

    def errored() -> str:
        msg = g.pick(
            [
                f"connect ECONNREFUSED {g.ip()}:5432",
                "Request failed with status code 502",
                "Cannot read properties of undefined (reading 'id')",
            ]
        )
        stack = f"Error: {msg}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)"
        return pino(
            50,
            "request errored",
            req=req(),
            res={"statusCode": 500},
            err={"type": "Error", "message": msg, "stack": stack},
            responseTime=g.skew(0, 30000),
        )

    def stackline() -> str:
        return "    at " + g.pick([
            "TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)",
            f"async OrderService.create (/app/dist/services/order.js:{g.n(10, 300)}:{g.n(5, 40)})",
            "Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
            "process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
            f"/app/dist/routes/cart.js:{g.n(10, 200)}:{g.n(5, 40)}",
            "settle (/app/node_modules/axios/lib/core/settle.js:19:12)",
        ])  # fmt: skip

    return [
        (30, completed),
        (2, errored),
        (6, lambda: pino(30, "order submitted", orderId=g.uuid(), items=g.skew(1, 20), total=round(g.r.uniform(3, 900), 2))),
        (4, lambda: pino(30, f"user {g.n(1, 999999)} logged in from {g.ip()}")),
        (2, lambda: pino(40, "retrying upstream call", upstream=g.pick(["inventory", "pricing"]), attempt=g.n(1, 4), delayMs=g.pick([100, 200, 400, 800]))),
        (0.1, lambda: pino(30, f"Server listening at http://0.0.0.0:{g.pick(['3000', '8080'])}")),
        (15, lambda: f'::ffff:{g.ip()} - - [{g.clf()}] "{g.method()} {g.urlpath()} HTTP/1.1" {g.status()} {g.pick(["-", str(g.skew(2, 90000))])} "{g.pick(["-", g.url()])}" "{g.ua()}"'),
        (10, lambda: f"{g.method()} {g.urlpath()} {g.status()} {g.r.lognormvariate(2.5, 1):.3f} ms - {g.pick(['-', str(g.skew(2, 90000))])}"),
        (1, lambda: f"Error: connect ECONNREFUSED {g.ip()}:{g.pick(['5432', '6379', '27017'])}"),
        (5, stackline),
        (0.3, lambda: f"(node:{g.pick(['1', '7', '19'])}) [DEP0040] DeprecationWarning: The `punycode` module is deprecated. Please use a userland alternative instead."),
        (0.1, lambda: f"(node:{g.pick(['1', '7'])}) Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure by disabling certificate verification."),
        (0.3, lambda: "(Use `node --trace-deprecation ...` to show where the warning was created)"),
        (0.5, lambda: f"AxiosError: Request failed with status code {g.pick(['500', '502', '503', '504', '429'])}"),
        (0.5, lambda: f"TypeError: Cannot read properties of undefined (reading '{g.pick(['id', 'items', 'length', 'price'])}')"),
        (0.05, lambda: pino(60, "uncaughtException", err={"type": "Error", "message": "read ECONNRESET", "stack": "Error: read ECONNRESET\n    at TCP.onStreamRead (node:internal/stream_base_commons:217:20)"})),
        (0.05, lambda: f"> api@2.{g.n(0, 9)}.{g.n(0, 9)} start"),
        (0.05, lambda: "> node dist/server.js"),
    ]  # fmt: skip


UNITS = [
    ("nginx.service", "A high performance web server and a reverse proxy server"),
    ("docker.service", "Docker Application Container Engine"),
    ("containerd.service", "containerd container runtime"),
    ("kubelet.service", "kubelet: The Kubernetes Node Agent"),
    ("logrotate.service", "Rotate log files"),
    ("apt-daily.service", "Daily apt download activities"),
    ("apt-daily-upgrade.service", "Daily apt upgrade and clean activities"),
    ("systemd-tmpfiles-clean.service", "Cleanup of Temporary Directories"),
    ("fstrim.service", "Discard unused blocks on filesystems from /etc/fstab"),
    ("man-db.service", "Daily man-db regeneration"),
    ("certbot.service", "Certbot"),
    ("node-exporter.service", "Prometheus Node Exporter"),
    ("fluent-bit.service", "Fluent Bit"),
    ("pg-backup.service", "Nightly PostgreSQL base backup to S3"),
]


@system("systemd")
def systemd(g: Gen) -> list[Event]:
    """The journal of a Linux host, after `Mon dd hh:mm:ss host process[pid]: `: systemd,
    logind, journald, resolved, timesyncd, networkd, sudo and cron."""

    def unit(with_sessions: bool = False) -> str:
        if with_sessions and g.chance(0.5):
            s = g.n(1, 9999)
            return g.pick(
                [
                    f"session-{s}.scope - Session {s} of User {g.user()}",
                    f"user@{(u := g.n(1000, 1020))}.service - User Manager for UID {u}",
                ]
            )
        name, desc = g.pick(UNITS)
        return f"{name} - {desc}"

    def uname() -> str:
        return g.pick([u for u, _ in UNITS] + [f"session-{g.n(1, 9999)}.scope"])

    def command() -> str:
        return g.pick([
            "/usr/bin/systemctl restart nginx", "/usr/bin/apt-get update", "/usr/bin/journalctl -u kubelet --since -1h",
            f"/usr/bin/docker logs --tail 200 {g.hex(12)}", f"/usr/bin/cat /var/log/{g.svc()}/error.log",
            "/usr/bin/su -", "/usr/sbin/iptables -L -n -v", "/usr/bin/crictl ps -a",
        ])  # fmt: skip

    exits = {  # the exit code's kind and the status's name
        "exited, status=1/FAILURE": "exited_FAILURE",
        "exited, status=2/INVALIDARGUMENT": "exited_INVALIDARGUMENT",
        "killed, status=9/KILL": "killed_KILL",
        "dumped, status=11/SEGV": "dumped_SEGV",
    }

    def cron_cmd() -> str:
        return g.pick([
            "/usr/local/bin/backup.sh > /dev/null 2>&1", "cd / && run-parts --report /etc/cron.hourly",
            f"/usr/bin/find /tmp -type f -mtime +{g.n(1, 14)} -delete", "[ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean",
            f"/opt/scripts/rotate-certs.sh --days {g.n(7, 30)}", "command -v debian-sa1 > /dev/null && debian-sa1 1 1",
        ])  # fmt: skip

    return [
        (6, lambda: f"Started {unit(True)}."),
        (3, lambda: f"Starting {unit()}..."),
        (2, lambda: f"Finished {unit()}."),
        (1, lambda: f"Stopping {unit(True)}..."),
        (1, lambda: f"Stopped {unit(True)}."),
        (0.3, lambda: f"Failed to start {unit()}."),
        (0.6, lambda: f"{uname()}: Main process exited, code={g.vocab(['exited, status=1/FAILURE', 'exited, status=2/INVALIDARGUMENT', 'killed, status=9/KILL', 'dumped, status=11/SEGV'], labels=exits)}"),
        (0.6, lambda: f"{uname()}: Failed with result '{g.vocab(['exit-code', 'exit-code', 'signal', 'timeout', 'oom-kill'])}'."),
        (0.5, lambda: f"{uname()}: Scheduled restart job, restart counter is at {g.n(1, 40)}."),
        (3, lambda: f"{uname()}: Consumed {g.go_dur(g.r.lognormvariate(0, 2)).replace('µs', 'us')} CPU time."),
        (4, lambda: f"{uname()}: Deactivated successfully."),
        (0.1, lambda: f"Reloading requested from client PID {g.n(1000, 99999)} ('systemctl') (unit session-{g.n(1, 9999)}.scope)..."),
        (0.1, lambda: f"Reloading finished in {g.n(50, 900)} ms."),
        (4, lambda: f"New session {g.n(1, 9999)} of user {g.user()}."),
        (3.5, lambda: f"Session {g.n(1, 9999)} logged out. Waiting for processes to exit."),
        (3.5, lambda: f"Removed session {g.n(1, 9999)}."),
        (2, lambda: f"{(u := g.user())} : TTY=pts/{g.n(0, 9)} ; PWD=/home/{u} ; USER=root ; COMMAND={command()}"),
        (0.2, lambda: f"{(u := g.user())} : {g.n(1, 3)} incorrect password attempt{'s'} ; TTY=pts/{g.n(0, 9)} ; PWD=/home/{u} ; USER=root ; COMMAND={command()}"),
        (3, lambda: f"({g.pick(['root', 'root', 'www-data', 'postgres'])}) CMD ({cron_cmd()})"),
        (0.3, lambda: f"Suppressed {g.skew(2, 90000)} messages from {g.pick([u for u, _ in UNITS])}"),
        (0.3, lambda: f"Using degraded feature set {g.vocab(['UDP instead of UDP+EDNS0', 'TCP instead of UDP'])} for DNS server {g.ip()}."),
        (0.1, lambda: f"Initial synchronization to time server {g.pick(['185.125.190.56:123 (ntp.ubuntu.com)', '169.254.169.123:123 (169.254.169.123)'])}."),
        (0.3, lambda: f"eth0: DHCPv4 address {(ip := g.ip())}/{g.pick(['20', '24'])}, gateway {ip.rsplit('.', 1)[0]}.1 acquired from {ip.rsplit('.', 1)[0]}.1"),
        (0.3, lambda: f"Created slice user-{(u := g.n(1000, 1020))}.slice - User Slice of UID {u}."),
        (0.05, lambda: "Watching system buttons on /dev/input/event0 (Power Button)"),
        (0.1, lambda: f"{uname()}: Start request repeated too quickly."),
        (0.3, lambda: f"Condition check resulted in {g.pick([d for _, d in UNITS])} being skipped."),
        (0.1, lambda: f"{uname()}: A process of this unit has been killed by the OOM killer."),
    ]  # fmt: skip


@system("kernel")
def kernel(g: Gen) -> list[Event]:
    """dmesg / kernel ring buffer of container hosts, after the `[seconds.micros] ` stamp."""
    veth = lambda: "veth" + g.hex(8)
    comms = ["java", "python3", "node", "postgres", "envoy", "chrome"]

    def memcg() -> str:
        return f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{g.uuid().replace('-', '_')}.slice"

    def killed() -> str:
        return (
            f"{g.vocab(['Out of memory', 'Memory cgroup out of memory', 'Memory cgroup out of memory'])}: Killed process {g.n(1000, 999999)} ({g.pick(comms)}) "
            f"total-vm:{g.n(10**5, 9 * 10**7)}kB, anon-rss:{g.n(10**4, 9 * 10**6)}kB, file-rss:{g.n(0, 90000)}kB, shmem-rss:{g.n(0, 9000)}kB, "
            f"UID:{g.pick(['0', '1000', '65532'])} pgtables:{g.n(100, 90000)}kB oom_score_adj:{g.pick(['-997', '0', '968', '999'])}"
        )

    def ufw() -> str:
        head = f"[UFW BLOCK] IN=eth0 OUT= MAC={':'.join(g.hex(2) for _ in range(14))} SRC={g.ip()} DST={g.ip()} LEN={g.n(40, 1500)} TOS=0x00 PREC=0x00 TTL={g.n(30, 250)} ID={g.n(0, 65535)}"
        if g.chance(0.7):
            g.tag("TCP")
            return (
                head
                + f"{g.vocab(['', ' DF'], labels={'': 'noDF', ' DF': 'DF'})} PROTO=TCP SPT={g.port()} DPT={g.pick(['22', '23', '3389', '5900', '6379', '8080'])} WINDOW={g.n(1024, 65535)} RES=0x00 SYN URGP=0"
            )
        g.tag("UDP")
        return head + f" PROTO=UDP SPT={g.port()} DPT={g.pick(['53', '123', '161', '1900'])} LEN={g.n(8, 512)}"

    def bridge() -> str:
        return f"{g.pick(['cni0', 'cni0', 'docker0', 'br-' + g.hex(12)])}: port {g.n(1, 60)}({veth()}) entered {g.vocab(['blocking', 'disabled', 'forwarding'])} state"

    return [
        (0.8, killed),
        (0.8, lambda: f"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-{g.hex(64)}.scope,mems_allowed=0,oom_memcg={(m := memcg())},task_memcg={m}/cri-containerd-{g.hex(64)}.scope,task={g.pick(comms)},pid={g.n(1000, 999999)},uid={g.pick(['0', '1000', '65532'])}"),
        (0.8, lambda: f"{g.pick(comms)} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj={g.pick(['-997', '0', '968', '999'])}"),
        (3, lambda: f"eth0: renamed from {veth()}"),
        (3, lambda: f"IPv6: ADDRCONF(NETDEV_CHANGE): {veth()}: link becomes ready"),
        (10, bridge),
        (5, lambda: f"device {veth()} {g.vocab(['entered', 'left'])} promiscuous mode"),
        (0.3, lambda: f"EXT4-fs ({g.pick(['nvme0n1p1', 'nvme1n1', 'sdb1', 'dm-0'])}): mounted filesystem {g.uuid()} r/w with ordered data mode. Quota mode: none."),
        (0.3, lambda: f"nvme nvme{g.n(0, 2)}: I/O {g.n(0, 1023)} QID {g.n(1, 8)} timeout, aborting"),
        (0.3, lambda: f"I/O error, dev {g.pick(['sdb', 'nvme1n1', 'xvdf'])}, sector {g.n(0, 10**9)} op {g.vocab(['0x0:(READ)', '0x1:(WRITE)'], labels={'0x0:(READ)': 'READ', '0x1:(WRITE)': 'WRITE'})} flags 0x{g.pick(['0', '800', '4800'])} phys_seg {g.n(1, 32)} prio class {g.pick(['0', '2'])}"),
        (0.3, lambda: f"TCP: request_sock_TCP: Possible SYN flooding on port {g.pick(['80', '443', '8080'])}. Sending cookies.  Check SNMP counters."),
        (1, lambda: "nf_conntrack: nf_conntrack: table full, dropping packet"),
        (2, lambda: f'audit: type=1400 audit({g.epoch():.3f}:{g.n(100, 99999)}): apparmor="DENIED" operation="{g.vocab(["open", "mount", "ptrace", "exec"])}" class="file" profile="{g.pick(["cri-containerd.apparmor.d", "docker-default", "snap.firefox.firefox"])}" name="{g.pick(["/proc/sys/kernel/random/boot_id", "/sys/fs/cgroup/memory.max", "/etc/ssl/openssl.cnf"])}" pid={g.n(1000, 999999)} comm="{g.pick(comms)}" requested_mask="{(m := g.vocab(["r", "w", "rw"], "mask_"))}" denied_mask="{m}" fsuid={g.pick(["0", "1000"])} ouid=0'),
        (8, ufw),
        (0.3, lambda: f"{g.pick(comms)}[{g.n(1000, 999999)}]: segfault at {g.pick(['0', '8', '10', g.hex(12)])} ip 00007f{g.hex(10)} sp 00007ff{g.hex(9)} error {g.pick(['4', '6', '14'])} in {g.pick(['libc.so.6', 'libjvm.so', 'node'])}[7f{g.hex(10)}+{g.hex(6)}] likely on CPU {(c := g.n(0, 15))} (core {c}, socket 0)"),
        (0.05, lambda: f"hrtimer: interrupt took {g.n(10**4, 10**7)} ns"),
        (0.2, lambda: f"perf: interrupt took too long ({(a := g.n(2501, 9000))} > {a - g.n(1, 500)}), lowering kernel.perf_event_max_sample_rate to {g.n(10000, 80000)}"),
        (0.1, lambda: f"watchdog: BUG: soft lockup - CPU#{g.n(0, 15)} stuck for {g.n(22, 90)}s! [{g.pick(['kworker/3:1', 'java', 'ksoftirqd/0'])}:{g.n(10, 99999)}]"),
        (0.5, lambda: f"Memory cgroup stats for {memcg()}:"),
        (0.5, lambda: "Tasks state (memory values in pages):"),
        (0.5, lambda: "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"),
        (2.5, lambda: f"[{g.n(1000, 999999):>7}] {g.pick(['0', '1000', '65532']):>5} {g.n(1000, 999999):>5} {g.n(1000, 9999999):>8} {g.n(100, 999999):>8} {g.n(10000, 9999999):>14} {0:>8} {g.pick(['-997', '0', '968', '999']):>13} {g.pick([*comms, 'pause', 'sh', 'tini'])}"),
        (0.5, lambda: f"xfs filesystem being {g.vocab(['mounted', 'remounted'])} at /var/lib/kubelet/pods/{g.uuid()}/volume-subpaths/{g.pick(['config', 'tls'])}/{g.pick(['app', 'nginx'])}/{g.n(0, 3)} supports timestamps until 2038-01-19 (0x7fffffff)"),
        (0.05, lambda: f"Adding {g.pick(['2097148', '4194300'])}k swap on /swapfile.  Priority:-2 extents:{g.n(1, 12)} across:{g.n(2097148, 9999999)}k SS"),
        (0.2, lambda: f"Buffer I/O error on dev {g.pick(['sdb1', 'nvme1n1'])}, logical block {g.n(0, 10**8)}, async page read"),
        (1, lambda: f"net_ratelimit: {g.skew(1, 9000)} callbacks suppressed"),
    ]  # fmt: skip


@system("aws-lambda")
def aws_lambda(g: Gen) -> list[Event]:
    """Whole lines of a Python function's CloudWatch log stream (the runtime's tab separators
    are shown as one space)."""
    state = {"req": ""}

    def rid(new: bool = False) -> str:
        if new or not state["req"] or g.chance(0.2):
            state["req"] = g.uuid()
        return state["req"]

    def app(level: str, msg: str) -> str:
        return f"[{level}] {g.iso()} {rid()} {msg}"

    def report() -> str:
        dur = g.r.lognormvariate(4, 1.2)
        mem = g.pick(["128", "256", "512", "1024"])
        line = f"REPORT RequestId: {rid()} Duration: {dur:.2f} ms Billed Duration: {int(dur) + 1} ms Memory Size: {mem} MB Max Memory Used: {g.n(40, int(mem))} MB"
        if g.chance(0.15):
            line += f" Init Duration: {g.f(150, 2500, 2)} ms"
        if g.chance(0.3):
            line += f" XRAY TraceId: 1-{int(g.epoch()):08x}-{g.hex(24)} SegmentId: {g.hex(16)} Sampled: {g.pick(['true', 'false'])}"
        return line

    return [
        (10, lambda: f"START RequestId: {rid(True)} Version: {g.pick(['$LATEST', '$LATEST', '42', '43'])}"),
        (10, lambda: f"END RequestId: {rid()}"),
        (10, report),
        (0.8, lambda: f"INIT_START Runtime Version: python:3.12.v{g.n(14, 22)} Runtime Version ARN: arn:aws:lambda:eu-west-1::runtime:{g.hex(64)}"),
        (6, lambda: app("INFO", f"Processing {g.skew(1, 10)} records from arn:aws:sqs:eu-west-1:{g.n(10**11, 10**12 - 1)}:{g.pick(['orders-queue', 'payments-events', 'email-outbox.fifo'])}")),
        (6, lambda: app("INFO", f"Wrote {g.skew(1, 25)} items to table {g.pick(['orders-prod', 'idempotency-prod', 'carts-prod'])} in {g.skew(5, 3000)} ms")),
        (1, lambda: app("WARNING", f"Throttled by DynamoDB (ProvisionedThroughputExceededException), retry {g.n(1, 5)}/5 in {g.pick(['0.1', '0.2', '0.4', '0.8', '1.6'])}s")),
        (1, lambda: app("ERROR", f"Failed to process message {g.uuid()}: {g.pick([repr(KeyError('customer_id')), 'ValueError(' + repr('unsupported currency: ' + g.pick(['XYZ', 'BTC'])) + ')', 'ClientError(' + repr('An error occurred (ConditionalCheckFailedException) when calling the PutItem operation: The conditional request failed') + ')'])}")),
        (0.1, lambda: "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'requests'"),
        (0.5, lambda: f"{g.iso()} {rid()} Task timed out after {g.pick(['3', '15', '30', '60'])}.{g.n(0, 99):02d} seconds"),
        (0.3, lambda: f"RequestId: {rid()} Error: Runtime exited with error: signal: killed Runtime.ExitError"),
        (0.2, lambda: f"EXTENSION Name: {g.pick(['datadog-agent', 'AWSParametersAndSecretsLambdaExtension', 'collector'])} State: Ready Events: [{', '.join(g.some(['INVOKE', 'SHUTDOWN'], 1, 2))}]"),
        (0.5, lambda: app("INFO", "Found credentials in environment variables.")),
        (0.3, lambda: "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"),
        (0.3, lambda: f"[ERROR] {g.pick(['KeyError: ' + repr('customer_id'), 'ValueError: invalid literal for int() with base 10: ' + repr(g.pick(['abc', '', '12a'])), 'TypeError: ' + repr('NoneType') + ' object is not subscriptable'])}"),
        (0.8, lambda: app("INFO", f"Cold start: loaded config from SSM in {g.n(80, 1500)} ms")),
    ]  # fmt: skip


@system("terraform")
def terraform(g: Gen) -> list[Event]:
    """`terraform plan` / `terraform apply` console output (colour codes removed)."""

    def addr() -> str:
        return g.pick([
            f"aws_instance.web[{g.n(0, 5)}]", f'module.eks.aws_eks_node_group.this["{g.pick(["default", "spot", "gpu"])}"]',
            "aws_s3_bucket.logs", f"module.vpc.aws_route_table_association.private[{g.n(0, 2)}]", "kubernetes_deployment.checkout",
            "helm_release.ingress_nginx", f'google_compute_instance.worker["{g.pick(["a", "b", "c"])}"]', "aws_security_group.app",
            f"module.vpc.aws_subnet.private[{g.n(0, 2)}]", "aws_db_instance.main", f"aws_route53_record.api_{g.pick(['a', 'aaaa'])}",
            "aws_iam_role_policy_attachment.node_AmazonEKSWorkerNodePolicy", "cloudflare_record.www",
        ])  # fmt: skip

    def rid() -> str:
        return g.pick([
            f"i-0{g.hex(16)}", f"sg-0{g.hex(16)}", f"subnet-0{g.hex(16)}", f"rtbassoc-0{g.hex(16)}", f"arn:aws:iam::{g.n(10**11, 10**12 - 1)}:role/eks-node",
            f"{g.ns()}/{g.svc()}", "ingress-nginx", f"Z{g.alnum(13, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}_api.example.com_A", f"acme-logs-{g.n(1000, 9999)}",
            f"projects/acme-prod/zones/europe-west1-{g.pick(['b', 'c'])}/instances/worker-{g.pick(['a', 'b'])}",
        ])  # fmt: skip

    def elapsed() -> str:
        return g.go_dur(10 * g.n(1, 60)).replace(".0s", "s")

    def data() -> str:
        return g.pick(
            [
                "data.aws_iam_policy_document.assume",
                "data.aws_caller_identity.current",
                "data.aws_ami.ubuntu",
                "module.eks.data.aws_partition.current",
                "data.aws_availability_zones.available",
            ]
        )

    return [
        (3, lambda: f"{addr()}: Creating..."),
        (8, lambda: f"{addr()}: Still creating... [{elapsed()} elapsed]"),
        (3, lambda: f"{addr()}: Creation complete after {g.go_dur(g.n(1, 900)).replace('.0s', 's')} [id={rid()}]"),
        (1.5, lambda: f"{addr()}: Modifying... [id={rid()}]"),
        (1.5, lambda: f"{addr()}: Still modifying... [id={rid()}, {elapsed()} elapsed]"),
        (1.5, lambda: f"{addr()}: Modifications complete after {g.go_dur(g.n(1, 300))} [id={rid()}]"),
        (1, lambda: f"{addr()}: Destroying... [id={rid()}]"),
        (2, lambda: f"{addr()}: Still destroying... [id={rid()}, {elapsed()} elapsed]"),
        (1, lambda: f"{addr()}: Destruction complete after {g.go_dur(g.n(1, 600))}"),
        (20, lambda: f"{addr()}: Refreshing state... [id={rid()}]"),
        (3, lambda: f"{data()}: Reading..."),
        (3, lambda: f"{data()}: Read complete after {g.n(0, 3)}s [id={g.n(10**8, 4 * 10**9)}]"),
        (0.5, lambda: f"Plan: {g.skew(0, 90)} to add, {g.skew(0, 20)} to change, {g.skew(0, 20)} to destroy."),
        (0.4, lambda: f"Apply complete! Resources: {g.skew(0, 90)} added, {g.skew(0, 20)} changed, {g.skew(0, 20)} destroyed."),
        (0.1, lambda: f"Error: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: {g.uuid()}, api error InsufficientInstanceCapacity: We currently do not have sufficient {g.pick(['m6i.2xlarge', 'c7g.4xlarge', 'g5.xlarge'])} capacity in the Availability Zone you requested (eu-west-1{g.pick(['a', 'b', 'c'])})."),
        (0.1, lambda: "Error: Error acquiring the state lock"),
        (0.5, lambda: "Acquiring state lock. This may take a few moments..."),
        (0.5, lambda: "Releasing state lock. This may take a few moments..."),
        (2, lambda: f"  # {addr()} will be created"),
        (2, lambda: f"  # {addr()} will be updated in-place"),
        (1, lambda: f"  # {addr()} will be destroyed"),
        (0.6, lambda: f"  # {addr()} must be replaced"),
        (0.1, lambda: "Terraform has been successfully initialized!"),
        (0.2, lambda: f"- Installing {g.pick(['hashicorp/aws v5.49.0', 'hashicorp/kubernetes v2.30.0', 'hashicorp/helm v2.13.2', 'cloudflare/cloudflare v4.32.0'])}..."),
        (0.2, lambda: f"- Installed {g.pick(['hashicorp/aws v5.49.0', 'hashicorp/kubernetes v2.30.0', 'hashicorp/helm v2.13.2'])} (signed by HashiCorp)"),
    ]  # fmt: skip


@system("ansible")
def ansible(g: Gen) -> list[Event]:
    """`ansible-playbook` output with the default callback."""
    hosts = [f"web-{i:02d}" for i in range(1, 9)] + ["db-01", "db-02", "lb-01", "localhost"]
    host = lambda: g.pick(hosts)

    def banner(text: str) -> str:
        return text + " " + "*" * max(3, 79 - len(text))

    def task() -> str:
        return g.pick([
            "nginx : Install packages", "nginx : Template site config", "common : Ensure users exist", "common : Set timezone",
            "app : Deploy release archive", "app : Run database migrations", "app : Restart application service",
            "Gathering Facts", "postgresql : Ensure replication slot exists", "node_exporter : Download binary",
            "Wait for service to be healthy", "Check that the release directory is present on every application server",
        ])  # fmt: skip

    def item() -> str:
        return g.pick([
            g.pick(["nginx", "curl", "python3-psycopg2", "unzip"]),
            f"{{'name': '{g.user()}', 'groups': 'sudo', 'state': 'present'}}",
            f"/etc/{g.svc()}/config.yaml",
        ])  # fmt: skip

    def recap() -> str:
        h = host()
        ok, ch, un, fa, sk = g.n(5, 60), g.n(0, 20), g.pick([0, 0, 0, 1]), g.pick([0, 0, 0, 1]), g.n(0, 12)
        return f"{h:<26} : ok={ok:<4} changed={ch:<4} unreachable={un:<4} failed={fa:<4} skipped={sk:<4} rescued=0    ignored=0"

    def failed() -> str:
        msg = g.pick([
            "No package matching 'python3-psycopg' is available",
            "Unable to start service app: Job for app.service failed because the control process exited with error code.",
            "Destination /etc/nginx/sites-enabled not writable",
        ])  # fmt: skip
        return f"fatal: [{host()}]: FAILED! => " + json.dumps({"changed": False, "msg": msg})

    return [
        (10, lambda: banner(f"TASK [{task()}]")),
        (12, lambda: f"ok: [{host()}]"),
        (6, lambda: f"changed: [{host()}]"),
        (4, lambda: f"skipping: [{host()}]"),
        (0.6, failed),
        (0.5, lambda: banner(f"PLAY [{g.pick(['webservers', 'databases', 'all', 'Deploy checkout service', 'localhost'])}]")),
        (0.2, lambda: banner("PLAY RECAP")),
        (1.5, recap),
        (4, lambda: f"ok: [{host()}] => (item={item()})"),
        (3, lambda: f"changed: [{host()}] => (item={item()})"),
        (0.3, lambda: f"[WARNING]: Platform linux on host {host()} is using the discovered Python interpreter at /usr/bin/python3.{g.pick(['10', '11', '12'])}, but future installation of another Python interpreter could change the meaning of that path. See https://docs.ansible.com/ansible-core/2.16/reference_appendices/interpreter_discovery.html for more information."),
        (0.3, lambda: f'fatal: [{host()}]: UNREACHABLE! => {{"changed": false, "msg": "Failed to connect to the host via ssh: ssh: connect to host {g.ip()} port 22: {g.pick(["Connection timed out", "Connection refused", "No route to host"])}", "unreachable": true}}'),
        (0.2, lambda: "...ignoring"),
        (0.5, lambda: banner(f"RUNNING HANDLER [{g.pick(['nginx : reload nginx', 'app : restart app', 'common : restart journald'])}]")),
        (0.5, lambda: f"included: /home/runner/work/infra/infra/roles/app/tasks/{g.pick(['deploy.yml', 'migrate.yml', 'healthcheck.yml'])} for {', '.join(g.some(hosts[:8], 1, 4))}"),
        (1, lambda: f"FAILED - RETRYING: [{host()}]: {g.pick(['Wait for service to be healthy', 'Wait for port 8080', 'Check replication lag'])} ({g.n(1, 29)} retries left)."),
    ]  # fmt: skip


@system("vault")
def vault(g: Gen) -> list[Event]:
    """Vault server and agent-injector sidecars: hclog lines after `ts [LEVEL] `."""
    mount = lambda: g.pick(
        [
            "auth/kubernetes/login",
            "database/creds/app",
            "database/creds/readonly",
            "aws/creds/deploy",
            "auth/approle/login",
        ]
    )
    lease = lambda: f"{mount()}/{g.alnum(24, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}"
    return [
        (10, lambda: f"expiration: revoked lease: lease_id={lease()}"),
        (0.3, lambda: f'core: successful mount: namespace="" path={g.pick(["secret/", "database/", "pki/", "transit/"])} type={g.vocab(["kv", "database", "pki", "transit"])} version="v{g.n(0, 17)}.{g.n(0, 9)}.0+builtin"'),
        (1.5, lambda: f'auth.kubernetes.auth_kubernetes_{g.hex(8)}: login unauthorized: err="{g.pick(["service account name not authorized", "namespace not authorized", "lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token"])}"'),
        (2, lambda: f"http: TLS handshake error from {g.ipport()}: {g.pick(['remote error: tls: bad certificate', 'EOF', 'tls: first record does not look like a TLS handshake'])}"),
        (0.05, lambda: "core: security barrier not initialized"),
        (0.1, lambda: "core: vault is unsealed"),
        (0.1, lambda: "core: post-unseal setup starting"),
        (0.1, lambda: "core: post-unseal setup complete"),
        (0.1, lambda: "core: acquired lock, enabling active operation"),
        (0.1, lambda: f"core.cluster-listener.tcp: starting listener: listener_address=0.0.0.0:{g.pick(['8201', '8201', '8301'])}"),
        (0.5, lambda: f'expiration: failed to revoke lease: lease_id={lease()} error="failed to revoke entry: resp: (*logical.Response)(nil) err: {g.pick(["dial tcp " + g.ip() + ":5432: connect: connection refused", "pq: role " + chr(92) + chr(34) + "v-kubernet-app-" + g.alnum(20) + chr(92) + chr(34) + " does not exist"])}"'),
        (0.05, lambda: "expiration: lease restore complete"),
        (0.05, lambda: "rollback: starting rollback manager"),
        (0.1, lambda: f"core: mount tuning of leases successful: path={g.pick(['secret/', 'database/'])}"),
        (0.5, lambda: f"storage.raft: snapshot complete up to: index={g.n(10**5, 10**8)}"),
        (0.5, lambda: f"storage.raft: starting snapshot up to: index={g.n(10**5, 10**8)}"),
        (0.5, lambda: f"storage.raft: compacting logs: from={(a := g.n(10**5, 10**8))} to={a + g.n(1000, 99999)}"),
        (0.1, lambda: 'audit: backend failed to log response: backend=file/ error="write /vault/audit/audit.log: no space left on device"'),
        (2, lambda: "agent.auth.handler: authentication successful, sending token to sinks"),
        (2, lambda: "agent.sink.file: token written: path=/home/vault/.vault-token"),
        (3, lambda: "agent.auth.handler: renewed auth token"),
        (1, lambda: 'agent.template.server: template server received new token'),
        (1.5, lambda: f'agent: (runner) rendered "(dynamic)" => "/vault/secrets/{g.pick(["db-creds", "config.env", "tls.crt"])}"'),
        (0.05, lambda: f'core: key rotation periodic upgrade check failed: error="{g.pick(["context deadline exceeded", "no leader"])}"'),
    ]  # fmt: skip


@system("consul")
def consul(g: Gen) -> list[Event]:
    """Consul servers and client agents: hclog lines after `ts [LEVEL] `."""
    sid = lambda: f"{g.svc()}-{g.hex(8)}"
    node = lambda: g.pick(
        ["consul-server-0", "consul-server-1", "consul-server-2", f"consul-client-{g.alnum(5, K8S_ALNUM)}"]
    )

    def http_error() -> str:
        err = g.pick([
            f"Permission denied: token with AccessorID '{g.uuid()}' lacks permission 'key:read' on \"config\"",
            "rpc error making call: No cluster leader",
        ])  # fmt: skip
        return f"agent.http: Request error: method=GET url=/v1/kv/config/{g.svc()}?index={g.n(1000, 9999999)}&wait=60000ms from={g.ipport()} error={goq(err)}"

    return [
        (4, lambda: "agent: Synced node info"),
        (6, lambda: f"agent: Synced service: service={sid()}"),
        (3, lambda: f"agent: Synced check: check=service:{sid()}"),
        (2, lambda: f"agent: Check is now critical: check=service:{sid()}"),
        (0.1, lambda: f"agent.server.raft: heartbeat timeout reached, starting election: last-leader-addr={g.ip()}:8300 last-leader-id={g.uuid()}"),
        (0.8, lambda: f"agent.server.memberlist.lan: memberlist: Suspect {node()} has failed, no acks received"),
        (0.3, lambda: f"agent.server.serf.lan: serf: EventMemberFailed: {node()} {g.ip()}"),
        (0.3, lambda: f"agent.server.serf.lan: serf: EventMemberJoin: {node()} {g.ip()}"),
        (2, lambda: f"agent: Deregistered service: service={sid()}"),
        (3, lambda: "agent: Node info in sync"),
        (20, lambda: f"agent.dns: request served from client: name={g.svc()}.service.{g.pick(['consul', 'dc1.consul'])}. type={g.vocab(['A', 'A', 'AAAA', 'SRV'])} class=IN latency={g.go_dur(g.latency(0.2))} client={g.ipport()} client_network={g.vocab(['udp', 'udp', 'tcp'])}"),
        (1, http_error),
        (0.3, lambda: f"agent.server.raft: failed to contact: server-id={g.uuid()} time={g.go_dur(g.r.uniform(0.5, 9))}"),
        (0.1, lambda: f"agent.server: New leader elected: payload={node()}"),
        (0.1, lambda: f'agent.server.raft: entering leader state: leader="Node at {g.ip()}:8300 [Leader]"'),
        (0.1, lambda: f"agent: (LAN) joining: lan_addresses=[{', '.join(g.some(['consul-server-0.consul-server', 'consul-server-1.consul-server', 'consul-server-2.consul-server'], 1, 3))}]"),
        (0.1, lambda: f"agent: Join cluster completed. Synced with initial agents: cluster=LAN num_agents={g.n(1, 3)}"),
        (0.3, lambda: f"agent.client.memberlist.lan: memberlist: Marking {node()} as failed, suspect timeout reached ({g.n(0, 3)} peer confirmations)"),
        (0.5, lambda: f'agent.proxycfg: Failed to handle update from watch: kind=connect-proxy proxy={(s := g.svc())}-sidecar-proxy service_id={s}-{g.hex(8)}-sidecar-proxy id=service-http-checks:{s} error="error filling agent cache: Internal cache failure: service ' + chr(39) + s + chr(39) + ' not in agent state"'),
        (0.3, lambda: f'agent.anti_entropy: failed to sync remote state: error="{g.pick(["No cluster leader", "rpc error making call: EOF"])}"'),
    ]  # fmt: skip


@system("prometheus")
def prometheus(g: Gen) -> list[Event]:
    """Whole lines: Prometheus 2.x go-kit logfmt."""

    def head(caller: str, level: str = "info", component: str = "") -> str:
        comp = f" component={component}" if component else ""
        return f"ts={g.iso()} caller={caller} level={level}{comp} "

    ulid = lambda: "01HX" + g.alnum(22, "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    ms = lambda: str(g.epoch_ms() - g.n(0, 7200) * 1000)
    target = lambda: f"http://{g.pod_ip()}:{g.pick(['8080', '9100', '9090'])}/metrics"
    pool = lambda: g.pick(
        ["kubernetes-pods", "kubernetes-nodes", "node-exporter", "serviceMonitor/monitoring/checkout/0"]
    )

    def append_failed() -> str:
        err = g.pick(["out of bounds", 'label name "le" is not unique: invalid sample', "sample limit exceeded"])
        return (
            head("scrape.go:1777", "warn", '"scrape manager"')
            + f'scrape_pool={pool()} target={target()} msg="Append failed" err={goq(err)}'
        )

    def rule_failed() -> str:
        rule = 'alert: HighErrorRate\nexpr: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05\nfor: 10m\n'
        err = g.pick(
            [
                "found duplicate series for the match group",
                "query timed out in expression evaluation",
                "vector contains metrics with the same labelset after applying alert labels",
            ]
        )
        return (
            head("manager.go:176", "warn", '"rule manager"')
            + f"file=/etc/prometheus/rules/{g.pick(['alerts.yml', 'slo.yml'])} group={g.pick(['node', 'checkout-slo', 'kubernetes-apps'])} "
            + f"name={g.pick(['HighErrorRate', 'KubePodCrashLooping', 'ErrorBudgetBurn'])} index={g.n(0, 12)} msg={goq('Evaluating rule failed')} rule={goq(rule)} err={goq(err)}"
        )

    return [
        (3, lambda: head("compact.go:576", component="tsdb") + f'msg="write block" mint={(a := int(ms()) // 7200000 * 7200000 - 7200000)} maxt={a + 7200000} ulid={ulid()} duration={g.go_dur(g.r.uniform(0.2, 30))}'),
        (3, lambda: head("head.go:1308", component="tsdb") + f'msg="Head GC completed" caller=truncateMemory duration={g.go_dur(g.r.uniform(0.001, 3))}'),
        (1.5, lambda: head("checkpoint.go:100", component="tsdb") + f'msg="Creating checkpoint" from_segment={(a := g.n(10, 9999))} to_segment={a + g.n(1, 3)} mint={ms()}'),
        (1.5, lambda: head("head.go:1276", component="tsdb") + f'msg="WAL checkpoint complete" first={(a := g.n(10, 9999))} last={a + g.n(1, 3)} duration={g.go_dur(g.r.uniform(0.1, 9))}'),
        (1, lambda: head("db.go:1617", component="tsdb") + f'msg="Deleting obsolete block" block={ulid()}'),
        (1, lambda: head("compact.go:523", component="tsdb") + f'msg="compact blocks" count={(n := g.n(2, 4))} mint={(a := int(ms()) // 7200000 * 7200000 - 7200000 * n)} maxt={a + 7200000 * n} ulid={ulid()} sources="[{" ".join(ulid() for _ in range(n))}]" duration={g.go_dur(g.r.uniform(0.5, 60))}'),
        (0.5, lambda: head("main.go:1372") + f"msg=\"Completed loading of configuration file\" filename=/etc/prometheus/prometheus.yml totalDuration={g.go_dur(g.r.uniform(0.005, 0.2))} db_storage={g.go_dur(g.r.uniform(1e-6, 9e-6))} remote_storage={g.go_dur(g.r.uniform(1e-6, 9e-5))} web_handler=540ns query_engine={g.go_dur(g.r.uniform(5e-7, 2e-6))} scrape={g.go_dur(g.r.uniform(0.001, 0.05))} scrape_sd={g.go_dur(g.r.uniform(0.0005, 0.01))} notify={g.go_dur(g.r.uniform(1e-5, 9e-5))} notify_sd={g.go_dur(g.r.uniform(1e-5, 9e-5))} rules={g.go_dur(g.r.uniform(0.001, 0.09))} tracing={g.go_dur(g.r.uniform(1e-6, 9e-6))}"),
        (2, lambda: head("notifier.go:530", "error", "notifier") + f'alertmanager=http://{(ip := g.pod_ip())}:9093/api/v2/alerts count={g.n(1, 64)} msg="Error sending alert" err="Post \\"http://{ip}:9093/api/v2/alerts\\": {g.pick(["context deadline exceeded", "dial tcp " + ip + ":9093: connect: connection refused"])}"'),
        (1, append_failed),
        (2, lambda: head("scrape.go:1737", "warn", '"scrape manager"') + f'scrape_pool={pool()} target={target()} msg="Error on ingesting samples that are too old or are too far into the future" num_dropped={g.skew(1, 9000)}'),
        (1, lambda: head("scrape.go:1741", "warn", '"scrape manager"') + f'scrape_pool={pool()} target={target()} msg="Error on ingesting out-of-order samples" num_dropped={g.skew(1, 900)}'),
        (0.5, rule_failed),
        (0.5, lambda: head("klog.go:108", "error", "k8s_client_runtime") + f'func=ErrorDepth msg="pkg/mod/k8s.io/client-go@v0.29.3/tools/cache/reflector.go:229: Failed to watch *v1.{g.vocab(["Pod", "Endpoints", "Service", "Node"])}: {g.pick(["the server has asked for the client to provide credentials (get pods)", "failed to list *v1.Pod: Unauthorized", "an error on the server (" + chr(92) + chr(34) + "unable to decode an event from the watch stream: http2: client connection lost" + chr(92) + chr(34) + ") has prevented the request from succeeding"])}"'),
        (2, lambda: head("dedupe.go:112", "warn", "remote") + f'remote_name={g.hex(6)} url=https://mimir.example.com/api/v1/push msg="Failed to send batch, retrying" err="server returned HTTP status {g.pick(["429 Too Many Requests: the request has been rejected because the tenant exceeded the ingestion rate limit", "500 Internal Server Error: ingester unavailable", "503 Service Unavailable"])}"'),
        (0.2, lambda: head("dedupe.go:112", component="remote") + f'remote_name={g.hex(6)} url=https://mimir.example.com/api/v1/push msg="Done replaying WAL" duration={g.go_dur(g.r.uniform(0.5, 90))}'),
        (0.05, lambda: head("main.go:1129") + 'msg="Server is ready to receive web requests."'),
        (0.05, lambda: head("head.go:606", component="tsdb") + 'msg="Replaying WAL, this may take a while"'),
        (1.5, lambda: head("head.go:677", component="tsdb") + f'msg="WAL segment loaded" segment={(s := g.n(0, 400))} maxSegment={s + g.n(0, 90)}'),
        (0.1, lambda: head("kubernetes.go:331", component='"discovery manager scrape"') + f'discovery=kubernetes config={pool()} msg="Using pod service account via in-cluster config"'),
        (0.05, lambda: head("web.go:568", component="web") + 'msg="Start listening for connections" address=0.0.0.0:9090'),
    ]  # fmt: skip


@system("grafana")
def grafana(g: Gen) -> list[Event]:
    """Whole lines: Grafana 10 logfmt (`logger=… t=… level=… msg=…`)."""

    def t() -> str:
        return f"t={g.iso(0, '')}.{g.now.microsecond:06d}{g.n(0, 999):03d}Z"

    def request() -> str:
        uid = g.alnum(9, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        path, handler = g.pick([
            (f"/api/dashboards/uid/{uid}", "/api/dashboards/uid/:uid"), ("/api/ds/query", "/api/ds/query"),
            ("/api/live/ws", "/api/live/ws"), (f"/d/{uid}/checkout-slo", "/d/:uid/:slug"), ("/api/search", "/api/search"),
            ("/api/user/auth-tokens/rotate", "/api/user/auth-tokens/rotate"), ("/public/build/app.js", "/public/*"),
        ])  # fmt: skip
        status = g.r.choices([200, 304, 400, 401, 404, 500, -1], [70, 5, 3, 5, 3, 2, 4])[0]
        level = g.tag("error" if status >= 500 else "info")
        user = g.pick([("1", "1", "admin"), (str(g.n(2, 400)), "1", g.user()), ("0", "0", "")])
        tail = (
            f' error="{g.pick(["context canceled", "db query error: database is locked"])}"'
            if status >= 400 and g.chance(0.5)
            else ""
        )
        return (
            f'logger=context userId={user[0]} orgId={user[1]} uname={user[2]} {t()} level={level} msg="Request Completed" method={g.method()} '
            f"path={path} status={status} remote_addr={g.ip()} time_ms={(ms := g.skew(0, 9000))} duration={g.go_dur(ms / 1000 + g.r.random() / 1000)} "
            f"size={g.skew(0, 900000)} referer={g.pick(['', 'https://grafana.example.com/d/' + uid + '/checkout-slo?orgId=1&refresh=30s'])} handler={handler} status_source=server{tail}"
        )

    uid = lambda: g.alnum(14, "abcdefghijklmnopqrstuvwxyz0123456789")
    return [
        (15, request),
        (3, lambda: f'logger=cleanup {t()} level=info msg="Completed cleanup jobs" duration={g.go_dur(g.r.uniform(0.002, 0.5))}'),
        (3, lambda: f'logger=ngalert.sender.router rule_uid={uid()} org_id=1 {t()} level=info msg="Sending alerts to local notifier" count={g.n(1, 12)}'),
        (1, lambda: f'logger=ngalert.scheduler rule_uid={uid()} org_id=1 version={g.n(1, 40)} fingerprint={g.hex(16)} now={g.iso(0)} {t()} level=error msg="Failed to evaluate rule" error="failed to execute query {g.pick(["A", "B"])}: {g.pick(["context deadline exceeded", "Post " + chr(92) + chr(34) + "http://prometheus:9090/api/v1/query_range" + chr(92) + chr(34) + ": dial tcp: lookup prometheus on 10.96.0.10:53: no such host"])}" duration={g.go_dur(g.r.uniform(0.01, 30))}'),
        (0.2, lambda: f'logger=infra.usagestats {t()} level=info msg="Usage stats are ready to report"'),
        (1, lambda: f'logger=sqlstore.transactions {t()} level=info msg="Database locked, sleeping then retrying" error="database is locked" retry={g.n(0, 4)} code="database is locked"'),
        (1, lambda: f'logger=plugins.update.checker {t()} level=info msg="Update check succeeded" duration={g.go_dur(g.r.uniform(0.05, 2))}'),
        (1, lambda: f'logger=grafana.update.checker {t()} level=info msg="Update check succeeded" duration={g.go_dur(g.r.uniform(0.05, 2))}'),
        (0.05, lambda: f'logger=http.server {t()} level=info msg="HTTP Server Listen" address=[::]:3000 protocol=http subUrl= socket='),
        (2, lambda: f'logger=authn.service {t()} level=warn msg="Failed to authenticate request" client=auth.client.{g.vocab(["session", "api-key", "basic"])} error="{g.pick(["user token not found", "invalid username or password", "API key not found"])}"'),
        (1, lambda: f'logger=live {t()} level=info msg="Initialized channel handler" channel=grafana/dashboard/uid/{(u := uid())} address=grafana/dashboard/uid/{u}'),
        (0.3, lambda: f'logger=migrator {t()} level=info msg="Executing migration" id="{g.pick(["add index dashboard.account_id", "create alert_rule table", "Add column is_paused to alert_rule", "drop index UQ_dashboard_org_id_slug - v1"])}"'),
        (0.05, lambda: f'logger=migrator {t()} level=info msg="migrations completed" performed={g.n(0, 5)} skipped={g.n(400, 600)} duration={g.go_dur(g.r.uniform(0.001, 2))}'),
        (0.1, lambda: f'logger=provisioning.dashboard type=file name={g.pick(["default", "slo"])} {t()} level=info msg="finished to provision dashboards"'),
        (0.05, lambda: f'logger=ngalert.multiorg.alertmanager {t()} level=info msg="Starting MultiOrg Alertmanager"'),
        (0.05, lambda: f'logger=grafanaStorageLogger {t()} level=info msg="Storage starting"'),
    ]  # fmt: skip


@system("rabbitmq")
def rabbitmq(g: Gen) -> list[Event]:
    """RabbitMQ 3.12+, after `ts [level] <erlang pid> `."""
    epid = lambda: f"<0.{g.n(200, 99999)}.0>"
    node = lambda: f"rabbit@rabbitmq-{g.n(0, 2)}.rabbitmq-nodes.{g.ns()}"
    addr = lambda: f"{g.ipport()} -> {g.ip()}:{g.pick(['5672', '5671'])}"
    users = ["app", "checkout", "celery", "guest", "monitoring"]
    vhost = lambda: g.pick(["/", "/", "shop", "events"])
    queue = lambda: g.pick(["orders", "payments.retry", "celery", "email-outbox", "inventory.updates"])

    def closing() -> str:
        name = (
            f" - {g.pick(['checkout-worker', 'celery@' + g.pod('worker'), 'inventory-sync'])}" if g.chance(0.5) else ""
        )
        return f"closing AMQP connection {epid()} ({addr()}{name}, vhost: '{vhost()}', user: '{g.pick(users)}')"

    def chan_exc() -> str:
        q = queue()
        text = g.pick([
            f"queue.declare caused a channel exception precondition_failed: inequivalent arg 'x-queue-type' for queue '{q}' in vhost '{vhost()}': received none but current is the value 'quorum' of type 'longstr'",
            f"basic.consume caused a channel exception not_found: no queue '{q}' in vhost '{vhost()}'",
            f"basic.publish caused a channel exception not_found: no exchange '{g.pick(['events', 'orders.dlx'])}' in vhost '{vhost()}'",
        ])  # fmt: skip
        g.tag(text.split()[0])  # the AMQP method
        g.tag(text.split("channel exception ")[1].split(":")[0])  # the exception's name
        return "operation " + text

    return [
        (10, lambda: f"accepting AMQP connection {epid()} ({addr()})"),
        (10, lambda: f"connection {epid()} ({addr()}): user '{g.pick(users)}' authenticated and granted access to vhost '{vhost()}'"),
        (8, closing),
        (6, lambda: f"Connection {epid()} ({addr()}) has a client-provided name: {g.pick(['checkout-worker', 'inventory-sync', 'celery@' + g.pod('worker')])}"),
        (2, lambda: "client unexpectedly closed TCP connection"),
        (2, lambda: closing() + ":"),
        (1, lambda: f"Channel error on connection {epid()} ({addr()}, vhost: '{vhost()}', user: '{g.pick(users)}'), channel {g.n(1, 20)}:"),
        (1, chan_exc),
        (0.05, lambda: f"Memory high watermark set to {(m := g.pick([3200, 6553, 1638]))} MiB ({m * 1048576} bytes) of {int(m / 0.4)} MiB ({int(m / 0.4) * 1048576} bytes) total"),
        (0.2, lambda: f"vm_memory_high_watermark set. Memory used:{g.n(3 * 10**9, 4 * 10**9)} allowed:{g.n(3 * 10**9, 4 * 10**9)}"),
        (0.2, lambda: f"memory resource limit alarm set on node '{node()}'."),
        (0.2, lambda: f"memory resource limit alarm cleared on node '{node()}'"),
        (0.2, lambda: "Publishers will be blocked until this alarm clears"),
        (0.1, lambda: f"Free disk space is sufficient. Free bytes: {g.n(10**9, 10**12)}. Limit: 50000000"),
        (0.05, lambda: f"Server startup complete; {g.n(3, 9)} plugins started."),
        (0.05, lambda: f"started TCP listener on [::]:{g.pick(['5672', '5671', '15692'])}"),
        (0.1, lambda: f"rabbit on node '{node()}' down"),
        (0.1, lambda: f"node '{node()}' up"),
        (0.3, lambda: f"queue '{queue()}' in vhost '{vhost()}': leader call - leader not known. Command will be forwarded once leader is known."),
        (0.3, lambda: f"queue '{(q := queue())}' in vhost '{vhost()}': granting vote for {{'%2F_{q}','{node()}'}} with last indexterm {{{g.n(1, 99999)},{(t := g.n(1, 40))}}} for term {t + 1} previous term was {t}"),
        (0.1, lambda: f"Waiting for Mnesia tables for 30000 ms, {g.n(0, 9)} retries left"),
        (0.5, lambda: f"HTTP access denied: user '{g.pick(['guest', 'admin', 'monitoring'])}' - {g.vocab(['User can only log in via localhost', 'invalid credentials', 'Not management user'])}"),
        (0.1, lambda: f"Setting permissions for user '{g.pick(users)}' in virtual host '{vhost()}' to '.*', '.*', '.*'"),
    ]  # fmt: skip


@system("github-actions")
def github_actions(g: Gen) -> list[Event]:
    """GitHub Actions job logs, after each line's `2024-05-12T10:31:02.1234567Z ` stamp."""
    actions = [
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "actions/setup-node@v4",
        "actions/cache@v4",
        "docker/build-push-action@v5",
        "actions/upload-artifact@v4",
    ]

    def run() -> str:
        return g.pick([*actions, "npm ci", "make test", "pytest -q --maxfail=1", f"docker build -t ghcr.io/acme/{g.svc()}:${{{{ github.sha }}}} .", 'echo "version=$(git describe --tags --always)" >> "$GITHUB_OUTPUT"', "python -m pip install -r requirements.txt"])  # fmt: skip

    def pytest_line() -> str:
        name = f"tests/test_{g.pick(['cart', 'orders', 'api', 'payments'])}.py::test_{g.pick(['add_item', 'create_order', 'refund', 'list_products', 'checkout_flow'])}{g.pick(['', '', '[eu]', '[sku-' + str(g.n(1, 9)) + ']'])}"
        status = g.tag(g.r.choices(["PASSED", "FAILED", "SKIPPED"], [30, 1, 2])[0])
        text = f"{name} {status}"
        return f"{text}{' ' * max(1, 73 - len(text))}[{g.n(1, 100):>3}%]"

    return [
        (3, lambda: f"##[group]Run {run()}"),
        (4, lambda: "##[endgroup]"),
        (0.5, lambda: f"##[error]Process completed with exit code {g.pick(['1', '1', '2', '137'])}."),
        (0.3, lambda: f"##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: {', '.join(g.some(['actions/setup-node@v3', 'actions/cache@v3', 'actions/checkout@v3'], 1, 3))}. For more information see: https://github.blog/changelog/2023-09-22-github-actions-transitioning-from-node-16-to-node-20/."),
        (1, lambda: f"Syncing repository: acme/{g.svc()}"),
        (1, lambda: f"[command]/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +{g.hex(40)}:refs/remotes/origin/{g.pick(['main', 'main', 'release/2024.05', 'feature/' + g.svc() + '-retry'])}"),
        (1, lambda: f"Temporarily overriding HOME='/home/runner/work/_temp/{g.uuid()}' before making global git config changes"),
        (1, lambda: "Post job cleanup."),
        (0.8, lambda: "Cleaning up orphan processes"),
        (3, lambda: f"Download action repository '{g.pick(actions)}' (SHA:{g.hex(40)})"),
        (0.8, lambda: f"Complete job name: {g.pick(['build', 'test', 'lint', 'deploy'])} ({g.pick(['ubuntu-latest', 'ubuntu-22.04', 'self-hosted'])}, {g.pick(['3.11', '3.12', '20.x'])})"),
        (1, lambda: f"Cache restored from key: {g.pick(['pip', 'npm', 'buildx'])}-Linux-{g.hex(64)}"),
        (0.5, lambda: f"Cache not found for input keys: {', '.join(f'pip-Linux-{g.hex(64)}' for _ in range(g.n(1, 2)))}, pip-Linux-"),
        (4, lambda: f"Received {(n := g.n(10**6, 9 * 10**8))} of {n + g.pick([0, 0, g.n(1, 10**8)])} ({g.f(1, 100, 1)}%), {g.f(0.5, 120, 1)} MBs/sec"),
        (1, lambda: f"Cache Size: ~{(m := g.n(1, 900))} MB ({m * 1048576 + g.n(0, 999999)} B)"),
        (0.5, lambda: f"Successfully set up CPython ({g.pick(['3.11.9', '3.12.3'])})"),
        (0.8, lambda: f"Current runner version: '2.{g.n(314, 317)}.{g.n(0, 1)}'"),
        (0.8, lambda: "Secret source: Actions"),
        (0.8, lambda: "Prepare workflow directory"),
        (0.8, lambda: "Prepare all required actions"),
        (0.8, lambda: "Getting action download info"),
        (0.3, lambda: "Evaluate and set job outputs"),
        (0.3, lambda: f"Set output '{g.pick(['version', 'image-digest', 'changed'])}'"),
        (15, pytest_line),
        (0.5, lambda: f"FAILED tests/test_{g.pick(['cart', 'orders'])}.py::test_{g.pick(['refund', 'checkout_flow'])} - {g.pick(['AssertionError: assert 500 == 200', 'KeyError: ' + repr('total'), 'TimeoutError: payment stub did not answer in 5.0s'])}"),
        (0.5, lambda: f"added {g.n(200, 2000)} packages, and audited {g.n(200, 2000)} packages in {g.n(3, 90)}s"),
        (0.5, lambda: f"found {g.pick(['0', '0', '2', '5'])} vulnerabilities"),
        (3, lambda: f"#{g.n(2, 30)} [{g.pick(['build', 'runtime', 'deps'])} {(k := g.n(1, 9))}/{k + g.n(0, 5)}] {g.pick(['RUN npm ci', 'COPY . .', 'RUN pip install --no-cache-dir -r requirements.txt', 'WORKDIR /app', 'RUN go build -o /out/server ./cmd/server'])}"),
        (3, lambda: f"#{g.n(2, 30)} DONE {g.f(0, 120, 1)}s"),
        (2, lambda: f"#{g.n(2, 30)} CACHED"),
    ]  # fmt: skip


@system("otel-collector")
def otel_collector(g: Gen) -> list[Event]:
    """OpenTelemetry Collector (zap console encoder) after `ts<TAB>level<TAB>caller<TAB>`; the tab
    between message and fields is shown as one space."""

    def fields(**kv: object) -> str:
        return json.dumps(
            {
                k.replace("_", " ")
                if k in ("resource_spans", "resource_metrics", "resource_logs", "log_records", "data_points")
                else k: v
                for k, v in kv.items()
            },
            ensure_ascii=False,
        )

    exporters = ["otlp/tempo", "otlphttp/loki", "prometheusremotewrite", "otlp", "awsxray"]
    return [
        (6, lambda: "Exporting failed. Will retry the request after interval. " + fields(kind="exporter", data_type=g.vocab(["traces", "metrics", "logs"]), name=g.pick(exporters),
                                                                                        error=g.pick([f'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp {g.ip()}:4317: connect: connection refused"', "rpc error: code = DeadlineExceeded desc = context deadline exceeded", f"Throttle ({g.n(1, 30)}s), error: HTTP 429 Too Many Requests"]), interval=g.go_dur(g.r.uniform(2, 40)))),
        (1.5, lambda: "Exporting failed. Dropping data. " + fields(kind="exporter", data_type=g.vocab(["traces", "metrics"]), name=g.pick(exporters), error=f"not retryable error: Permanent error: rpc error: code = {g.pick(['InvalidArgument', 'Unauthenticated'])} desc = {g.pick(['invalid span id', 'missing tenant header', 'request body too large'])}", dropped_items=g.skew(1, 9000))),
        (1, lambda: "Dropping data because sending_queue is full. Try increasing queue_size. " + fields(kind="exporter", data_type=g.vocab(["traces", "logs"]), name=g.pick(exporters), dropped_items=g.pick([512, 1000, 8192, g.n(1, 9000)]))),
        (1.5, lambda: "Memory usage is above soft limit. Forcing a GC. " + fields(kind="processor", name="memory_limiter", pipeline=g.pick(["traces", "metrics", "logs"]), cur_mem_mib=g.n(1500, 2000))),
        (1.5, lambda: "Memory usage after GC. " + fields(kind="processor", name="memory_limiter", pipeline=g.pick(["traces", "metrics", "logs"]), cur_mem_mib=g.n(600, 1600))),
        (0.5, lambda: "Memory usage back within limits. Resuming normal operation. " + fields(kind="processor", name="memory_limiter", pipeline=g.pick(["traces", "metrics", "logs"]), cur_mem_mib=g.n(600, 1200))),
        (3, lambda: "Failed to scrape Prometheus endpoint " + fields(kind="receiver", name="prometheus", data_type="metrics", scrape_timestamp=g.epoch_ms(), target_labels=f'{{__name__="up", instance="{g.pod_ip()}:{g.pick(["8080", "9100"])}", job="{g.pick(["kubernetes-pods", "node-exporter"])}"}}')),
        (10, lambda: "Traces " + fields(kind="exporter", data_type="traces", name="debug", resource_spans=g.n(1, 9), spans=g.skew(1, 2000))),
        (8, lambda: "Metrics " + fields(kind="exporter", data_type="metrics", name="debug", resource_metrics=g.n(1, 9), metrics=g.skew(1, 900), data_points=g.skew(1, 9000))),
        (8, lambda: "Logs " + fields(kind="exporter", data_type="logs", name="debug", resource_logs=g.n(1, 9), log_records=g.skew(1, 2000))),
        (0.05, lambda: "Starting otelcol-contrib... " + fields(Version="0.98.0", NumCPU=g.pick([2, 4, 8]))),
        (0.05, lambda: "Starting extensions..."),
        (0.2, lambda: "Extension is starting... " + fields(kind="extension", name=g.pick(["health_check", "pprof", "zpages", "k8s_observer"]))),
        (0.2, lambda: "Extension started. " + fields(kind="extension", name=g.pick(["health_check", "pprof", "zpages", "k8s_observer"]))),
        (0.1, lambda: "Starting GRPC server " + fields(kind="receiver", name="otlp", data_type=g.vocab(["traces", "metrics", "logs"]), endpoint="0.0.0.0:4317")),
        (0.1, lambda: "Starting HTTP server " + fields(kind="receiver", name="otlp", data_type=g.vocab(["traces", "metrics", "logs"]), endpoint="0.0.0.0:4318")),
        (0.05, lambda: "Everything is ready. Begin running and processing data."),
        (0.05, lambda: "Received signal from OS " + fields(signal="terminated")),
        (0.05, lambda: "Starting shutdown..."),
        (0.05, lambda: "Shutdown complete."),
        (0.1, lambda: "Health Check state change " + fields(kind="extension", name="health_check", status=g.vocab(["ready", "unavailable"]))),
        (0.5, lambda: "Partial success response " + fields(kind="exporter", data_type="logs", name="otlphttp/loki", message=g.pick(["entry too far behind", "stream limit exceeded"]), dropped_log_records=g.n(1, 500))),
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    for path in write_all(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

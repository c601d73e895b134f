"""Build the one clickhouse-connect `Client` the process uses, from a DSN.

`chdb://<dir>` runs the real ClickHouse engine in-process (relative paths allowed);
`http(s)://user:pass@host:8123/db` talks to a server or cluster.
"""

from __future__ import annotations

import fcntl
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

UNKNOWN_DATABASE = 81


class StoreConfigError(ValueError):
    """The ClickHouse URL cannot be used; the message says why."""


def is_embedded(url: str) -> bool:
    return url.startswith("chdb:")


def embedded_path(url: str) -> Path:
    """The data directory of a `chdb://` URL, absolute (`chdb://./x` and `chdb:///abs` both work)."""
    rest = url[len("chdb://") :] if url.startswith("chdb://") else url[len("chdb:") :]
    if not rest or rest in {"memory", ":memory:"}:
        raise StoreConfigError("an in-memory chDB store would lose every row; give a directory")
    return Path(rest).expanduser().resolve()


class StoreBusy(RuntimeError):
    """The embedded data directory is held by another process (usually `ollystack serve`)."""


def embedded_in_use(path: Path) -> bool:
    """True when another process holds the chDB directory (it flocks `<dir>/status`)."""
    status = path / "status"
    if not status.exists():
        return False
    with open(status, "rb") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def check_name(kind: str, name: str) -> str:
    """Database and cluster names go into DDL: letters, digits and '_' only."""
    if not NAME_RE.match(name):
        raise StoreConfigError(f"{kind} name {name!r} must be letters, digits and '_' (not starting with a digit)")
    return name


def database_of(url: str) -> str:
    """The database a URL names (first path segment, as clickhouse-connect reads it); embedded: `default`."""
    if is_embedded(url):
        return "default"
    segment = unquote(urlsplit(url).path.strip("/").split("/", 1)[0])
    return check_name("database", segment or "default")


def make_client(
    url: str, *, connect_timeout: int = 10, cluster: str | None = None, same_process: bool = False
) -> Client:
    """Open the client for `url`; the embedded directory or the server database is created on first use.

    `same_process` opens one more connection to an embedded store this process already holds.
    """
    if is_embedded(url):
        path = embedded_path(url)
        path.mkdir(parents=True, exist_ok=True)
        if not same_process and embedded_in_use(path):
            raise StoreBusy(f"the embedded store {path} is in use by another process (a running `ollystack serve`?)")
        return clickhouse_connect.get_client(interface="chdb", path=str(path))
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise StoreConfigError(
            f"OLLYSTACK_CLICKHOUSE_URL scheme {parts.scheme!r} is not supported; "
            "use chdb://<dir> or http(s)://user:pass@host:8123/db"
        )

    def connect(database: str | None = None) -> Client:
        extra = {"database": database} if database else {}
        return clickhouse_connect.get_client(
            dsn=url, connect_timeout=connect_timeout, compress=False, autogenerate_session_id=False, **extra
        )

    try:
        try:
            return connect()
        except DatabaseError as exc:
            if getattr(exc, "code", None) != UNKNOWN_DATABASE:
                raise
            admin = connect("default")
            on_cluster = f" ON CLUSTER '{cluster}'" if cluster else ""
            admin.command(f"CREATE DATABASE IF NOT EXISTS `{database_of(url)}`{on_cluster}")
            admin.close()
            return connect()
    except Exception as exc:  # surfaced as a configuration problem, with the cause
        raise StoreConfigError(f"cannot connect to ClickHouse at {parts.hostname}:{parts.port}: {exc}") from exc

"""A ClickHouse-HTTP-compatible server backed by chDB, for tests only.

Why: it lets the test-suite drive clickhouse-connect's real HTTP client (the
"ClickHouse server" code path) without a ClickHouse server binary. The SQL is
executed by chDB (the ClickHouse engine), so parsing, types, settings, query
parameters and error texts are ClickHouse's own; this module only speaks the
HTTP protocol around it the way ClickHouse's HTTPHandler does: the SQL is the
``query`` URL parameter followed by the request body (so ``INSERT ... FORMAT
Native`` data simply follows the statement), ``param_<name>`` values are bound
verbatim, other non-reserved URL parameters are settings for that one query,
and errors come back as non-200 with ``X-ClickHouse-Exception-Code``.

chDB opens one data directory per process and the test process has its own
embedded chDB, so the server runs as a subprocess::

    proc, port = start_server(tmp_path / "chdata")
    try:
        client = clickhouse_connect.get_client(host="127.0.0.1", port=port)
    finally:
        stop_server(proc)

or ``python -m tests.support.chhttp_server --path DIR --port 0`` (prints
``READY <port>``). Any clickhouse-connect compression works (``compress=True``
default, lz4, zstd, gzip, deflate, or False).

Known gaps versus a real server: no external data (multipart file parts), no
native ``compress=1``/``decompress=1`` framing, no progress headers, and
``client_protocol_version`` is ignored (the client's probe then falls back to
protocol 0, as behind a proxy). Requests are executed one at a time. Each
``session_id`` gets its own chDB connection (its SETs and temporary tables);
a request carrying ``readonly`` runs on a throwaway connection. Only
``INSERT ... FORMAT <fmt>`` data is streamed; ``INSERT ... VALUES`` is part of
the SQL text and so limited by ``max_query_size``.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

try:
    import lz4.frame as lz4frame
except ImportError:  # pragma: no cover - lz4 ships with clickhouse-connect[lz4]
    lz4frame = None

zstd: ModuleType | None
try:
    from backports import zstd
except ImportError:  # pragma: no cover - Python 3.14 has compression.zstd
    try:
        from compression import zstd  # type: ignore[no-redef]
    except ImportError:
        zstd = None

# URL parameters ClickHouse's HTTP handler consumes itself; everything else is a setting.
RESERVED_PARAMS = frozenset(
    {
        "query",
        "database",
        "default_format",
        "user",
        "password",
        "quota_key",
        "query_id",
        "stacktrace",
        "role",
        "session_id",
        "session_timeout",
        "session_check",
        "close_session",
        "compress",
        "decompress",
        "buffer_size",
        "wait_end_of_query",
        "client_protocol_version",
    }
)
# ClickHouse's exceptionCodeToHTTPStatus, keyed by the error name at the end of the message.
_STATUS_BY_NAME: dict[str, int] = {
    **dict.fromkeys(("REQUIRED_PASSWORD",), 401),
    **dict.fromkeys(("UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED", "ACCESS_DENIED"), 403),
    **dict.fromkeys(
        (
            "BAD_ARGUMENTS",
            "CANNOT_COMPILE_REGEXP",
            "CANNOT_PARSE_TEXT",
            "CANNOT_PARSE_ESCAPE_SEQUENCE",
            "CANNOT_PARSE_QUOTED_STRING",
            "CANNOT_PARSE_DATE",
            "CANNOT_PARSE_DATETIME",
            "CANNOT_PARSE_NUMBER",
            "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING",
            "CANNOT_PARSE_IPV4",
            "CANNOT_PARSE_IPV6",
            "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
            "CANNOT_PARSE_UUID",
            "DUPLICATE_COLUMN",
            "ILLEGAL_COLUMN",
            "UNKNOWN_ELEMENT_IN_AST",
            "UNKNOWN_TYPE_OF_AST_NODE",
            "THERE_IS_NO_COLUMN",
            "TOO_DEEP_AST",
            "TOO_BIG_AST",
            "UNEXPECTED_AST_STRUCTURE",
            "SYNTAX_ERROR",
            "INCORRECT_DATA",
            "TYPE_MISMATCH",
            "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
        ),
        400,
    ),
    **dict.fromkeys(
        (
            "UNKNOWN_TABLE",
            "UNKNOWN_FUNCTION",
            "UNKNOWN_IDENTIFIER",
            "UNKNOWN_TYPE",
            "UNKNOWN_STORAGE",
            "UNKNOWN_DATABASE",
            "UNKNOWN_SETTING",
            "UNKNOWN_DIRECTION_OF_SORTING",
            "UNKNOWN_AGGREGATE_FUNCTION",
            "UNKNOWN_FORMAT",
            "UNKNOWN_DATABASE_ENGINE",
            "UNKNOWN_TYPE_OF_QUERY",
            "UNKNOWN_ROLE",
        ),
        404,
    ),
    "QUERY_IS_TOO_LARGE": 413,
    "NOT_IMPLEMENTED": 501,
    "SOCKET_TIMEOUT": 503,
    "CANNOT_OPEN_FILE": 503,
    "TIMEOUT_EXCEEDED": 408,
    "QUERY_WAS_CANCELLED": 499,
}
_OUTPUT_STATEMENTS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN", "CHECK", "FROM"})
_LEADING_NOISE = re.compile(rb"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.DOTALL)
_FIRST_WORD = re.compile(rb"[A-Za-z]+")
_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$", re.IGNORECASE)
# INSERT ... FORMAT <fmt> followed by its data (ClickHouse skips blanks and one newline before the data).
_INSERT_WITH_DATA = re.compile(rb"^(.*?\sFORMAT\s+([A-Za-z0-9_]+))[ \t\f]*\r?\n?", re.DOTALL | re.IGNORECASE)
_INSERT_NOT_DATA = re.compile(
    rb"\b(?:VALUES|SELECT|WITH)\b", re.IGNORECASE
)  # FORMAT inside VALUES data or INSERT ... SELECT
_QUOTED_NAME = re.compile(rb"`[^`]*`|\"[^\"]*\"")
_VERSION_TRAILER = re.compile(r"\s*\(version [0-9.]+\)\s*$")
_ERROR_CODE = re.compile(r"Code: (\d+)\.")
_ERROR_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)")


class ClickHouseHTTPError(Exception):
    """A ClickHouse exception, rendered the way the HTTP interface reports it."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text

    @classmethod
    def from_engine(cls, ex: BaseException) -> ClickHouseHTTPError:
        msg = str(ex)
        match = _ERROR_CODE.search(msg)
        if not match:
            return cls(1001, f"Code: 1001. DB::Exception: {msg}. (STD_EXCEPTION)")
        return cls(int(match.group(1)), msg[match.start() :])

    @property
    def status(self) -> int:
        names = _ERROR_NAME.findall(self.text)
        return _STATUS_BY_NAME.get(names[-1], 500) if names else 500


@dataclass
class QueryOutcome:
    """What one executed statement produced: body, output format (None for DDL/INSERT) and stats."""

    body: bytes
    fmt: str | None
    summary: dict[str, str]


@dataclass
class _Conn:
    """One chDB connection = one ClickHouse session (its SETs, temporary tables, current database)."""

    conn: Any
    database: str | None = "default"
    applied: dict[str, str] = field(default_factory=dict)
    last_used: float = field(default_factory=time.monotonic)
    timeout: float = 60.0


def _statement_kind(sql: bytes) -> str:
    head = sql[_LEADING_NOISE.match(sql).end() :]  # type: ignore[union-attr]
    word = _FIRST_WORD.match(head)
    return word.group(0).decode().upper() if word else ""


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Engine:
    """Serialises chDB access (chDB is one engine per process) and maps HTTP sessions to chDB connections."""

    max_sessions = 64

    def __init__(self, path: Path) -> None:
        from chdb.state import sqlitelike

        self._connect = sqlitelike.Connection
        self.path = str(path)
        self.lock = threading.Lock()
        self.default = _Conn(self._connect(self.path))
        self.sessions: dict[str, _Conn] = {}
        row = bytes(self.default.conn.query("SELECT version(), timezone()", "TabSeparated").bytes())
        self.version, self.timezone = row.decode().rstrip("\n").split("\t")

    def close(self) -> None:
        with self.lock:
            for sess in [*self.sessions.values(), self.default]:
                sess.conn.close()
            self.sessions.clear()

    def _session(self, params: dict[str, str]) -> _Conn:
        now = time.monotonic()
        for sid, sess in list(self.sessions.items()):
            if now - sess.last_used > sess.timeout:
                self.sessions.pop(sid).conn.close()
        sid = params.get("session_id")
        if not sid:
            return self.default
        sess = self.sessions.get(sid)
        if sess is None:
            if params.get("session_check") == "1":
                raise ClickHouseHTTPError(
                    372, f"Code: 372. DB::Exception: Session {sid} not found. (SESSION_NOT_FOUND)"
                )
            if len(self.sessions) >= self.max_sessions:
                oldest = min(self.sessions, key=lambda k: self.sessions[k].last_used)
                self.sessions.pop(oldest).conn.close()
            sess = self.sessions[sid] = _Conn(self._connect(self.path))
        sess.last_used = now
        sess.timeout = float(params.get("session_timeout") or 60)
        return sess

    @staticmethod
    def _run(sess: _Conn, sql: str | bytes, fmt: str, bind: dict[str, str] | None = None) -> Any:
        try:
            return sess.conn.query(sql, fmt, params=bind or {})
        except RuntimeError as ex:  # chdb's ChdbError carries ClickHouse's own message
            raise ClickHouseHTTPError.from_engine(ex) from ex

    def _apply_settings(self, sess: _Conn, wanted: dict[str, str]) -> None:
        """URL settings last for one query: SET what changed, put back the rest to DEFAULT."""
        for name in [n for n in sess.applied if n not in wanted]:
            del sess.applied[name]
            self._run(sess, f"SET {name} = DEFAULT", "TabSeparated")
        for name, value in sorted(wanted.items(), key=lambda item: item[0] == "readonly"):  # readonly last
            if sess.applied.get(name) != value:
                if not re.fullmatch(r"[A-Za-z0-9_]+", name):
                    raise ClickHouseHTTPError(
                        115, f"Code: 115. DB::Exception: Unknown setting '{name}'. (UNKNOWN_SETTING)"
                    )
                sess.applied.pop(name, None)
                self._run(sess, f"SET {name} = {_quote(value)}", "TabSeparated")
                sess.applied[name] = value

    def execute(self, sql: bytes, params: dict[str, str]) -> QueryOutcome:
        """Run one HTTP request's SQL (statement plus any inline data) in the request's session."""
        settings = {k: v for k, v in params.items() if k not in RESERVED_PARAMS and not k.startswith("param_")}
        kind = _statement_kind(sql)
        fmt: str | None = None
        if kind in _OUTPUT_STATEMENTS:
            tail = _TRAILING_FORMAT.search(sql[-256:].decode(errors="replace"))
            fmt = tail.group(1) if tail else params.get("default_format") or "TabSeparated"
        with self.lock:
            sess = self._session(params)
            # readonly cannot be SET back once on, so such requests get a throwaway connection.
            throwaway = settings.get("readonly", "0") != "0"
            if throwaway:
                sess = _Conn(self._connect(self.path))
            try:
                return self._execute_in(sess, sql, kind, fmt, params, settings)
            finally:
                if throwaway:
                    sess.conn.close()
                elif params.get("close_session") == "1" and sess is not self.default:
                    self.sessions.pop(params["session_id"], None)
                    sess.conn.close()

    def _execute_in(
        self, sess: _Conn, sql: bytes, kind: str, fmt: str | None, params: dict[str, str], settings: dict[str, str]
    ) -> QueryOutcome:
        database = params.get("database") or ("default" if sess is self.default else sess.database)
        if database and database != sess.database:
            self._run(sess, f"USE `{database.replace('`', '``')}`", "TabSeparated")
            sess.database = database
        self._apply_settings(sess, settings)
        start = time.perf_counter_ns()
        insert = _INSERT_WITH_DATA.match(sql, 0, 1 << 16) if kind == "INSERT" else None
        if insert and not _INSERT_NOT_DATA.search(_QUOTED_NAME.sub(b"", insert.group(1))):
            # Inline data in the SQL text is capped by max_query_size; stream it like the HTTP handler does.
            outcome = self._insert(sess, insert.group(1).decode(), insert.group(2).decode(), sql[insert.end() :])
            outcome.summary["elapsed_ns"] = str(time.perf_counter_ns() - start)
            return outcome
        bind = {k[6:]: v for k, v in params.items() if k.startswith("param_")}
        result = self._run(sess, sql, params.get("default_format") or "TabSeparated", bind)
        if kind == "USE":
            sess.database = None
        summary = {
            "read_rows": str(result.storage_rows_read()),
            "read_bytes": str(result.storage_bytes_read()),
            "written_rows": str(result.rows_written()),
            "written_bytes": str(result.bytes_written()),
            "total_rows_to_read": str(result.storage_rows_read()),
            "result_rows": str(result.rows_read()),
            "result_bytes": str(result.bytes_read()),
            "elapsed_ns": str(time.perf_counter_ns() - start),
        }
        return QueryOutcome(bytes(result.bytes()), fmt, summary)

    @staticmethod
    def _insert(sess: _Conn, statement: str, fmt: str, data: bytes) -> QueryOutcome:
        head = statement[: statement.upper().rindex("FORMAT")].rstrip()
        try:
            inserter = sess.conn.send_insert(head, fmt)
        except RuntimeError as ex:
            raise ClickHouseHTTPError.from_engine(ex) from ex
        try:
            if data:
                inserter.append(data)
            done = inserter.finish()
        except RuntimeError as ex:
            with suppress(RuntimeError):
                inserter.cancel()
            raise ClickHouseHTTPError.from_engine(ex) from ex
        zero = {"read_rows": "0", "read_bytes": "0", "total_rows_to_read": "0", "result_rows": "0", "result_bytes": "0"}
        return QueryOutcome(
            b"", None, {**zero, "written_rows": str(done.rows_written), "written_bytes": str(done.bytes_written)}
        )


def decode_body(body: bytes, encoding: str) -> bytes:
    """Undo a request Content-Encoding (clickhouse-connect sends one lz4 frame per insert block)."""
    encoding = encoding.strip().lower()
    if not body or encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "zstd" and zstd is not None:
        return zstd.decompress(body)
    if encoding == "lz4" and lz4frame is not None:
        out: list[bytes] = []
        while body:
            decompressor = lz4frame.LZ4FrameDecompressor()
            out.append(decompressor.decompress(body))
            if not decompressor.eof:
                raise ClickHouseHTTPError(432, "Code: 432. DB::Exception: Truncated lz4 request body. (UNKNOWN_CODEC)")
            body = decompressor.unused_data or b""
        return b"".join(out)
    raise ClickHouseHTTPError(
        48, f"Code: 48. DB::Exception: Unsupported Content-Encoding '{encoding}'. (NOT_IMPLEMENTED)"
    )


def encode_body(body: bytes, accept: str) -> tuple[bytes, str | None]:
    """Compress a response like ClickHouse's chooseHTTPCompressionMethod (zstd > lz4 > gzip > deflate)."""
    if "zstd" in accept and zstd is not None:
        return zstd.compress(body), "zstd"
    if "lz4" in accept and lz4frame is not None:
        return lz4frame.compress(body), "lz4"
    if "gzip" in accept:
        return gzip.compress(body, compresslevel=1), "gzip"
    if "deflate" in accept:
        return zlib.compress(body, 1), "deflate"
    return body, None


def _content_type(fmt: str | None) -> str:
    if fmt is None or fmt.startswith(("TabSeparated", "TSV")):
        return "text/tab-separated-values; charset=UTF-8"
    if fmt.startswith("JSON"):
        return "application/json; charset=UTF-8"
    if fmt.startswith(("CSV", "Pretty", "Vertical", "Markdown", "Values")):
        return "text/plain; charset=UTF-8"
    return "application/octet-stream"


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler for ``/`` (queries) and ``/ping``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40ms delayed-ACK stalls
    engine: Engine
    user = "default"
    password = ""
    verbose = False

    def version_string(self) -> str:
        return f"chhttp_server (ClickHouse {self.engine.version})"

    def log_message(self, format: str, *args: Any) -> None:
        if self.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline(1 << 16).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1 << 16) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1 << 16)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authenticate(self, params: dict[str, str]) -> None:
        user, password = params.get("user"), params.get("password", "")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        elif self.headers.get("X-ClickHouse-User"):
            user, password = self.headers["X-ClickHouse-User"], self.headers.get("X-ClickHouse-Key", "")
        if (user or "default") != self.user or password != self.password:
            raise ClickHouseHTTPError(
                516,
                f"Code: 516. DB::Exception: {user or 'default'}: Authentication failed: password is incorrect, "
                "or there is no user with such name. (AUTHENTICATION_FAILED)",
            )

    def _handle(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        query_id = params.get("query_id") or str(uuid.uuid4())
        headers = {
            "X-ClickHouse-Server-Display-Name": socket.gethostname(),
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Timezone": params.get("session_timezone") or self.engine.timezone,
        }
        try:
            body = self._read_body()
            if url.path == "/ping" or (url.path == "/" and self.command == "GET" and "query" not in params):
                self._send(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
                return
            if url.path != "/":
                self._send(
                    404, f"There is no handle {url.path}\n".encode(), {"Content-Type": "text/plain; charset=UTF-8"}
                )
                return
            self._authenticate(params)
            if params.get("compress") == "1" or params.get("decompress") == "1":
                raise ClickHouseHTTPError(
                    48,
                    "Code: 48. DB::Exception: Native compress/decompress is not supported by chhttp_server. "
                    "(NOT_IMPLEMENTED)",
                )
            body = decode_body(body, self.headers.get("Content-Encoding", ""))
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                body = self._read_form(content_type, body, params)
            query = params.get("query", "")
            sql = (query.encode() + b"\n" if query else b"") + body
            if not sql.strip():
                raise ClickHouseHTTPError(62, "Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)")
            outcome = self.engine.execute(sql, params)
        except Exception as error:  # noqa: BLE001 - every failure must become a ClickHouse-style HTTP error
            ex = error if isinstance(error, ClickHouseHTTPError) else ClickHouseHTTPError.from_engine(error)
            headers["X-ClickHouse-Exception-Code"] = str(ex.code)
            headers["Content-Type"] = "text/plain; charset=UTF-8"
            text = f"{_VERSION_TRAILER.sub('', ex.text)} (version {self.engine.version} (official build))\n"
            self._send(ex.status, text.encode(), headers)
            return
        headers["X-ClickHouse-Summary"] = json.dumps(outcome.summary, separators=(",", ":"))
        headers["Content-Type"] = _content_type(outcome.fmt)
        if outcome.fmt is not None:
            headers["X-ClickHouse-Format"] = outcome.fmt
        payload = outcome.body
        accept = self.headers.get("Accept-Encoding", "")
        if accept and params.get("enable_http_compression", "1") not in ("0", "false"):
            payload, encoding = encode_body(payload, accept)
            if encoding:
                headers["Content-Encoding"] = encoding
        self._send(200, payload, headers)

    @staticmethod
    def _read_form(content_type: str, body: bytes, params: dict[str, str]) -> bytes:
        """multipart/form-data (clickhouse-connect's form_encode_query_params, or long bind values)."""
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts():  # type: ignore[attr-defined]
            if part.get_filename():
                raise ClickHouseHTTPError(
                    48, "Code: 48. DB::Exception: External data is not supported by chhttp_server. (NOT_IMPLEMENTED)"
                )
            name = part.get_param("name", header="content-disposition")
            params[str(name)] = (part.get_payload(decode=True) or b"").decode()
        return b""


def _exit_with_parent(parent_pid: int) -> None:
    """A server orphaned by a killed test run would live forever; stop once re-parented."""
    while os.getppid() == parent_pid:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(
    path: Path, host: str, port: int, user: str, password: str, verbose: bool = False, parent_pid: int = 0
) -> None:
    """Run the server until SIGTERM/SIGINT; prints ``READY <port>`` once listening."""
    path.mkdir(parents=True, exist_ok=True)
    engine = Engine(path)
    handler = type(
        "BoundHandler", (Handler,), {"engine": engine, "user": user, "password": password, "verbose": verbose}
    )
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True

    def _stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    if parent_pid:
        threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    print(f"READY {httpd.server_address[1]}", flush=True)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nobody reads the pipe after READY
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        engine.close()


def start_server(
    data_dir: Path, *, port: int = 0, timeout: float = 60.0, password: str = "", verbose: bool = False
) -> tuple[subprocess.Popen[str], int]:
    """Launch the server in a subprocess on ``data_dir`` and wait for READY; returns (process, port)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--path", str(data_dir), "--port", str(port)]
    cmd += ["--password", password, "--parent-pid", str(os.getpid())] + (["--verbose"] if verbose else [])
    # the engine caches inline protobuf schemas under its working directory: keep that beside the data
    cwd = Path(data_dir).resolve().parent
    cwd.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=cwd)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                stop_server(proc)
                raise TimeoutError(f"chhttp_server did not become ready within {timeout}s")
            line = proc.stdout.readline()
            if not line:
                code = proc.wait()
                raise RuntimeError(f"chhttp_server exited with code {code} before READY")
            if line.startswith("READY "):
                proc.stdout.close()
                return proc, int(line.split()[1])


def stop_server(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Terminate a server started by :func:`start_server` (SIGTERM, then SIGKILL after ``timeout``)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


stop = stop_server


@contextmanager
def running_server(data_dir: Path, **kwargs: Any) -> Iterator[int]:
    """``with running_server(path) as port:`` - start_server/stop_server as a context manager."""
    proc, port = start_server(data_dir, **kwargs)
    try:
        yield port
    finally:
        stop_server(proc)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--path", type=Path, required=True, help="chDB data directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--user", default="default")
    parser.add_argument("--password", default="")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--parent-pid", type=int, default=0, help="exit when this process is no longer the parent")
    args = parser.parse_args(argv)
    serve(args.path, args.host, args.port, args.user, args.password, args.verbose, args.parent_pid)


if __name__ == "__main__":
    main()

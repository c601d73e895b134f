"""OTLP/HTTP receiver (`/v1/traces`, `/v1/metrics`, `/v1/logs`), protobuf or JSON, gzip or not.

Every failure answers with the status the OTLP spec names and a google.rpc.Status body in the
request's encoding; nothing of a rejected request is written.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from ..tenancy import ApiKeys, Unauthorized
from .batcher import CommitFailed, Overloaded, ShuttingDown
from .otlp import DecodeFailed, Signal, decode, response_bytes, status_bytes
from .receiver import Receiver

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# google.rpc.Code values used in Status bodies
_INVALID_ARGUMENT, _RESOURCE_EXHAUSTED, _UNAUTHENTICATED, _UNAVAILABLE = 3, 8, 16, 14


class _TooLarge(Exception):
    pass


class _BadEncoding(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped, refusing more than `limit` bytes either way."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(f"body of {declared} bytes exceeds the limit of {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge(f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise _BadEncoding(f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    return _inflate(body, encoding, limit)


def _inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """Decompress every member of a gzip (or a deflate) body, never past `limit` bytes."""
    out: list[bytes] = []
    size = 0
    data = body
    while True:
        inflater = zlib.decompressobj(wbits=47 if encoding == "gzip" else 15)
        try:
            chunk = inflater.decompress(data, limit + 1 - size)
        except zlib.error as exc:
            raise DecodeFailed(f"invalid {encoding} body: {exc}") from exc
        size += len(chunk)
        out.append(chunk)
        if size > limit or inflater.unconsumed_tail:
            raise _TooLarge(f"decompressed body exceeds the limit of {limit} bytes")
        if not inflater.eof:
            raise DecodeFailed(f"truncated {encoding} body")
        data = inflater.unused_data
        if encoding != "gzip" or not data:
            return b"".join(out)
        if not data.startswith(b"\x1f\x8b"):
            raise DecodeFailed("invalid gzip body: trailing bytes after the last member")


def _content_kind(request: Request) -> str | None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in (PROTOBUF, "application/protobuf", "application/vnd.google.protobuf"):
        return PROTOBUF
    if ctype == JSON:
        return JSON
    return None


def otlp_http_app(
    receiver: Receiver,
    keys: ApiKeys,
    *,
    max_body: int,
    extra_routes: list[Route] | None = None,
) -> Starlette:
    """The ASGI app of the OTLP/HTTP port."""

    def endpoint(signal: Signal) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            kind = _content_kind(request)
            as_json = kind == JSON

            def fail(
                status: int, code: int, message: str, result: str, headers: dict[str, str] | None = None
            ) -> Response:
                receiver.reject_or_ok(signal, "http", result)
                return Response(
                    status_bytes(code, message, as_json),
                    status_code=status,
                    media_type=JSON if as_json else PROTOBUF,
                    headers=headers,
                )

            try:
                tenant = keys.resolve(request.headers.get("authorization"), request.headers.get("x-ollystack-api-key"))
            except Unauthorized as exc:
                return fail(401, _UNAUTHENTICATED, str(exc), "unauthorized")
            if kind is None:
                ctype = request.headers.get("content-type", "")
                return fail(
                    415, _INVALID_ARGUMENT,
                    f"unsupported Content-Type {ctype!r}; use {PROTOBUF} or {JSON}", "unsupported_media_type",
                )  # fmt: skip
            with receiver.batcher.arriving():
                try:
                    body = await read_body(request, max_body)
                    msg = await decode(signal, body, as_json)
                except _TooLarge as exc:
                    return fail(413, _INVALID_ARGUMENT, str(exc), "too_large")
                except _BadEncoding as exc:
                    return fail(415, _INVALID_ARGUMENT, str(exc), "unsupported_encoding")
                except DecodeFailed as exc:
                    return fail(400, _INVALID_ARGUMENT, str(exc), "malformed")
                except ClientDisconnect:
                    receiver.reject_or_ok(signal, "http", "client_disconnected")
                    return Response(status_code=400)
            try:
                checked = await receiver.accept(signal, tenant, msg, "http")
            except Overloaded as exc:
                retry = str(max(1, round(exc.retry_after)))
                return fail(429, _RESOURCE_EXHAUSTED, str(exc), "overloaded", {"Retry-After": retry})
            except ShuttingDown as exc:
                return fail(503, _UNAVAILABLE, str(exc), "shutting_down", {"Retry-After": "5"})
            except CommitFailed as exc:
                if not exc.retryable:
                    return fail(400, _INVALID_ARGUMENT, f"the store refused the data: {exc}", "store_refused")
                return fail(503, _UNAVAILABLE, f"store unavailable: {exc}", "store_error", {"Retry-After": "2"})
            if checked.accepted == 0 and checked.rejected:  # counted by the receiver already
                return Response(
                    status_bytes(_INVALID_ARGUMENT, checked.error_message, as_json),
                    status_code=400,
                    media_type=JSON if as_json else PROTOBUF,
                )
            return Response(response_bytes(signal, checked, as_json), media_type=JSON if as_json else PROTOBUF)

        return handle

    routes = [
        Route(f"/v1/{signal}", endpoint(signal), methods=["POST"])  # type: ignore[arg-type]
        for signal in ("traces", "metrics", "logs")
    ]
    return Starlette(routes=routes + list(extra_routes or []))

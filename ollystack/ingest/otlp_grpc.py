"""OTLP/gRPC receiver: the three Export services on one grpc.aio server.

Requests arrive as raw bytes (no generated servicer), so decoding, validation and errors are
the same code as the HTTP receiver's. Overload answers RESOURCE_EXHAUSTED with a RetryInfo
detail, which the OTLP exporters honour.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2, status_pb2

from ..tenancy import ApiKeys, Unauthorized
from .batcher import CommitFailed, Overloaded, ShuttingDown
from .otlp import DecodeFailed, Signal, decode, response_bytes
from .receiver import Receiver

SERVICES: dict[Signal, str] = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
}


def _identity(b: bytes) -> bytes:
    return b


async def _abort(
    context: grpc.aio.ServicerContext, code: grpc.StatusCode, message: str, retry_after: float | None = None
) -> None:
    if retry_after is not None:
        info = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=max(1, round(retry_after))))
        status = status_pb2.Status(code=code.value[0], message=message)
        status.details.add().Pack(info)
        context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    await context.abort(code, message)


def _handler(
    signal: Signal, receiver: Receiver, keys: ApiKeys, max_body: int
) -> Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]:
    async def export(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        meta = {k.lower(): v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
        try:
            tenant = keys.resolve(meta.get("authorization"), meta.get("x-ollystack-api-key"))
        except Unauthorized as exc:
            receiver.reject_or_ok(signal, "grpc", "unauthorized")
            await _abort(context, grpc.StatusCode.UNAUTHENTICATED, str(exc))
        if len(request) > max_body:
            receiver.reject_or_ok(signal, "grpc", "too_large")
            await _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"message exceeds {max_body} bytes")
        with receiver.batcher.arriving():
            try:
                msg = await decode(signal, request, as_json=False)
            except DecodeFailed as exc:
                receiver.reject_or_ok(signal, "grpc", "malformed")
                await _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        try:
            checked = await receiver.accept(signal, tenant, msg, "grpc")
        except Overloaded as exc:
            receiver.reject_or_ok(signal, "grpc", "overloaded")
            await _abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc), exc.retry_after)
        except ShuttingDown as exc:
            receiver.reject_or_ok(signal, "grpc", "shutting_down")
            await _abort(context, grpc.StatusCode.UNAVAILABLE, str(exc), 5)
        except CommitFailed as exc:
            receiver.reject_or_ok(signal, "grpc", "store_error")
            if not exc.retryable:
                await _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"the store refused the data: {exc}")
            await _abort(context, grpc.StatusCode.UNAVAILABLE, f"store unavailable: {exc}", 2)
        if checked.accepted == 0 and checked.rejected:
            await _abort(context, grpc.StatusCode.INVALID_ARGUMENT, checked.error_message)
        return response_bytes(signal, checked, as_json=False)

    return export


def otlp_grpc_server(receiver: Receiver, keys: ApiKeys, *, max_body: int) -> grpc.aio.Server:
    """A grpc.aio server with the OTLP services registered; the caller binds and starts it."""
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", max_body),
            ("grpc.max_send_message_length", 4 * 1024 * 1024),
        ]
    )
    for signal, service in SERVICES.items():
        handler = grpc.unary_unary_rpc_method_handler(
            _handler(signal, receiver, keys, max_body),
            request_deserializer=_identity,
            response_serializer=_identity,
        )
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {"Export": handler}),))
    return server


__all__ = ["SERVICES", "otlp_grpc_server"]

"""Decode, validate and answer OTLP export requests (protobuf or the OTLP JSON encoding).

Python only parses and checks; the engine decodes the bytes into rows (see store.otlp_schema).
Invalid items are dropped one by one and reported as partial success, as the spec asks.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from ..store.otlp_frames import REQUEST_TYPES, frame

Signal = Literal["traces", "logs", "metrics"]
SIGNALS: tuple[Signal, ...] = ("traces", "logs", "metrics")
RESPONSE_TYPES: dict[str, type[Message]] = {
    "traces": ExportTraceServiceResponse,
    "logs": ExportLogsServiceResponse,
    "metrics": ExportMetricsServiceResponse,
}
REJECTED_FIELD = {"traces": "rejected_spans", "logs": "rejected_log_records", "metrics": "rejected_data_points"}
#: JSON keys whose values OTLP/JSON encodes as hex instead of protobuf-JSON's base64
_HEX_KEYS = frozenset({"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"})
#: user data: a key called traceId inside attributes or a log body stays as it is
_USER_DATA_KEYS = frozenset({"attributes", "filteredAttributes", "filtered_attributes", "body"})


#: requests larger than this are decoded and checked in a worker thread, off the event loop
OFFLOAD_BYTES = 1 << 20


async def decode(signal: Signal, body: bytes, as_json: bool) -> Message:
    """Decode a request body; large ones in a worker thread so other requests are not stalled."""
    fn = decode_json if as_json else decode_protobuf
    if len(body) > OFFLOAD_BYTES:
        return await asyncio.to_thread(fn, signal, body)
    return fn(signal, body)


class DecodeFailed(ValueError):
    """The body is not a valid OTLP export request; the message says where."""


@dataclass(frozen=True)
class Checked:
    """A request ready to store: frames per staging table and what partial success must say."""

    payloads: dict[str, bytes]
    accepted: int
    rejected: int
    error_message: str


def decode_protobuf(signal: Signal, body: bytes) -> Message:
    msg = REQUEST_TYPES[signal]()
    try:
        msg.ParseFromString(body)
    except (DecodeError, RuntimeError, ValueError, RecursionError) as exc:
        raise DecodeFailed(f"invalid protobuf {msg.DESCRIPTOR.name}: {exc}") from exc
    return msg


def _hex_to_b64(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise DecodeFailed(f"{path}: expected a hex string, got {type(value).__name__}")
    try:
        return base64.b64encode(bytes.fromhex(value)).decode()
    except ValueError as exc:
        raise DecodeFailed(f"{path}: {value!r} is not hex") from exc


MAX_JSON_DEPTH = 64


def _fix_ids(root: Any) -> None:
    """Rewrite OTLP/JSON hex ids into the base64 protobuf-JSON expects, in place.

    Iterative, with a depth limit, so a hostile document cannot exhaust the interpreter's stack.
    User data (attributes, log bodies) may hold any keys: it is measured, never rewritten.
    """
    stack: list[tuple[Any, str, int, bool]] = [(root, "$", 0, False)]
    while stack:
        node, path, depth, user_data = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise DecodeFailed(f"{path}: nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _HEX_KEYS and not user_data:
                    node[key] = _hex_to_b64(value, f"{path}.{key}")
                elif isinstance(value, dict | list):
                    stack.append((value, f"{path}.{key}", depth + 1, user_data or key in _USER_DATA_KEYS))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, dict | list):
                    stack.append((item, f"{path}[{i}]", depth + 1, user_data))


def decode_json(signal: Signal, body: bytes) -> Message:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise DecodeFailed(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DecodeFailed("invalid OTLP/JSON: the top level must be an object")
    _fix_ids(data)
    msg = REQUEST_TYPES[signal]()
    try:
        json_format.ParseDict(data, msg, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise DecodeFailed(f"invalid OTLP/JSON {msg.DESCRIPTOR.name}: {exc}") from exc
    return msg


def check(signal: Signal, msg: Message, tenant: str, not_before: int = 0) -> Checked:
    """Drop invalid items, count the rest, and frame them for the store's staging tables."""
    framed = frame(signal, msg, tenant, not_before)
    return Checked(framed.payloads(), framed.accepted, framed.rejected, "; ".join(framed.reasons))


def response_bytes(signal: Signal, checked: Checked | None, as_json: bool) -> bytes:
    """The Export*ServiceResponse, with partial_success only when something was rejected."""
    resp = RESPONSE_TYPES[signal]()
    if checked is not None and checked.rejected:
        setattr(resp.partial_success, REJECTED_FIELD[signal], checked.rejected)
        resp.partial_success.error_message = checked.error_message
    if as_json:
        return json_format.MessageToJson(resp, indent=None).encode()
    return resp.SerializeToString()


def status_bytes(code: int, message: str, as_json: bool) -> bytes:
    """A google.rpc.Status body, as OTLP/HTTP asks for failed requests."""
    status = status_pb2.Status(code=code, message=message)
    if as_json:
        return orjson.dumps({"code": code, "message": message})
    return status.SerializeToString()

"""The protobuf schema and column shapes that let ClickHouse itself decode OTLP.

Ingest hands ClickHouse the exporter's own protobuf bytes (`FORMAT ProtobufSingle`) into a Null
table; materialized views flatten them into the telemetry tables. Decoding in the engine is
several times faster than building rows in Python and keeps the GIL free for the receivers.

The schema text is generated from opentelemetry-proto's descriptors, so field numbers cannot
drift from the OTLP definition; each wrapper message adds the tenant as an extra field that
the service appends to the request bytes (protobuf concatenation: the last value wins).
"""

from __future__ import annotations

from functools import cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

TENANT_FIELD = 1000
#: how deep arrays / key-value lists inside attribute values and log bodies are kept
ATTR_DEPTH = 1
BODY_DEPTH = 2

WRAPPERS = {
    "traces": ("OllyTraces", ExportTraceServiceRequest.DESCRIPTOR),
    "logs": ("OllyLogs", ExportLogsServiceRequest.DESCRIPTOR),
    "metrics": ("OllyMetrics", ExportMetricsServiceRequest.DESCRIPTOR),
}

_SCALAR = {
    FieldDescriptor.TYPE_DOUBLE: "double", FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_INT64: "int64", FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32", FieldDescriptor.TYPE_FIXED64: "fixed64",
    FieldDescriptor.TYPE_FIXED32: "fixed32", FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string", FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_UINT32: "uint32", FieldDescriptor.TYPE_SFIXED32: "sfixed32",
    FieldDescriptor.TYPE_SFIXED64: "sfixed64", FieldDescriptor.TYPE_SINT32: "sint32",
    FieldDescriptor.TYPE_SINT64: "sint64", FieldDescriptor.TYPE_ENUM: "int32",
}  # fmt: skip


def _name(desc: Descriptor) -> str:
    return desc.full_name.replace(".", "_")


def _field_type(field: FieldDescriptor) -> str:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _name(field.message_type)
    return _SCALAR[field.type]


def _message_text(desc: Descriptor) -> str:
    lines = [f"message {_name(desc)} {{"]
    oneofs: dict[str, list[str]] = {}
    for field in desc.fields:
        oneof = field.containing_oneof
        decl = f"{_field_type(field)} {field.name} = {field.number};"
        if oneof is not None and not _synthetic(oneof):
            oneofs.setdefault(oneof.name, []).append(decl)
        elif field.is_repeated:
            lines.append(f"  repeated {decl}")
        elif oneof is not None:
            lines.append(f"  optional {decl}")
        else:
            lines.append(f"  {decl}")
    for name, decls in oneofs.items():
        lines.append(f"  oneof {name} {{ {' '.join(decls)} }}")
    lines.append("}")
    return "\n".join(lines)


def _synthetic(oneof: object) -> bool:
    """proto3 `optional` fields live in a one-field oneof whose name starts with `_`."""
    fields = getattr(oneof, "fields", [])
    return len(fields) == 1 and getattr(oneof, "name", "").startswith("_")


def _collect(desc: Descriptor, seen: dict[str, Descriptor]) -> None:
    if desc.full_name in seen:
        return
    seen[desc.full_name] = desc
    for field in desc.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            _collect(field.message_type, seen)


@cache
def schema_text(signal: str) -> str:
    """A proto3 file with the OTLP messages one signal's export request reaches, and its wrapper.

    One file per signal keeps the schema the engine compiles on every insert small.
    """
    wrapper, desc = WRAPPERS[signal]
    inner = desc.fields[0]
    seen: dict[str, Descriptor] = {}
    _collect(inner.message_type, seen)
    parts = ['syntax = "proto3";']
    parts += [_message_text(d) for d in seen.values()]
    parts.append(
        f"message {wrapper} {{\n  repeated {_name(inner.message_type)} {inner.name} = {inner.number};\n"
        f"  string ollystack_tenant = {TENANT_FIELD};\n}}"
    )
    return "\n".join(parts) + "\n"


def insert_settings(signal: str) -> dict[str, object]:
    """Settings for the `INSERT ... FORMAT ProtobufSingle` of one signal's staging table."""
    return {
        "format_schema_source": "string",
        "format_schema": schema_text(signal),
        "format_schema_message_name": WRAPPERS[signal][0],
        "input_format_protobuf_oneof_presence": 1,
    }


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tenant_suffix(tenant: str) -> bytes:
    """Bytes that, appended to a request, set the wrapper's tenant field (the last one wins)."""
    raw = tenant.encode()
    return _varint((TENANT_FIELD << 3) | 2) + _varint(len(raw)) + raw


# -- ClickHouse column shapes and expressions, used by the DDL placeholders ------------------
#
# AnyValue scalars are read straight into String columns (the engine formats the numbers), and
# the oneof presence enum indexes an array of the candidates: `[s, b, i, d, arr, kv, bytes][k]`.
# That keeps the views' expressions small, which matters: the engine analyses them on every
# insert, and that analysis is most of a small insert's cost.

_ANY_ENUM = (
    "value Enum8('none' = 0, 'string_value' = 1, 'bool_value' = 2, 'int_value' = 3, "
    "'double_value' = 4, 'array_value' = 5, 'kvlist_value' = 6, 'bytes_value' = 7)"
)
_ANY_SCALARS = "string_value String, bool_value String, int_value String, double_value String, bytes_value String"


def anyvalue_type(depth: int) -> str:
    """Tuple type for an AnyValue, keeping `depth` levels of arrays / key-value lists."""
    inner = f"{_ANY_ENUM}, {_ANY_SCALARS}"
    if depth > 0:
        child = anyvalue_type(depth - 1)
        inner += (
            f", array_value Tuple(values Array({child})),"
            f" kvlist_value Tuple(values Array(Tuple(key String, value {child})))"
        )
    return f"Tuple({inner})"


def kv_type(depth: int = ATTR_DEPTH) -> str:
    return f"Array(Tuple(key String, value {anyvalue_type(depth)}))"


def _pick(v: str, array_sql: str, kvlist_sql: str) -> str:
    return (
        f"[{v}.string_value, {v}.bool_value, {v}.int_value, {v}.double_value, {array_sql}, {kvlist_sql}, "
        f"base64Encode({v}.bytes_value)][toUInt8({v}.value)]"
    )


def _json(v: str, depth: int) -> str:
    """SQL rendering an AnyValue as JSON: strings quoted, numbers and booleans bare."""
    text = anyvalue_string(v, depth)
    quoted = f"{v}.value IN ('string_value', 'bytes_value') OR {v}.double_value IN ('inf', '-inf', 'nan')"
    empty = "('none', 'array_value', 'kvlist_value')" if depth == 0 else "('none')"
    return f"multiIf({quoted}, toJSONString({text}), {v}.value IN {empty}, 'null', {text})"


def anyvalue_string(v: str, depth: int) -> str:
    """SQL for the string the Collector exporter stores for an AnyValue (maps/arrays as JSON)."""
    if depth == 0:
        return _pick(v, "''", "''")
    x, kv = f"x{depth}", f"kv{depth}"
    array_sql = (
        f"concat('[', arrayStringConcat(arrayMap({x} -> {_json(x, depth - 1)}, {v}.array_value.values), ','), ']')"
    )
    kvlist_sql = (
        f"concat('{{', arrayStringConcat(arrayMap({kv} -> concat(toJSONString({kv}.key), ':', "
        f"{_json(f'{kv}.value', depth - 1)}), {v}.kvlist_value.values), ','), '}}')"
    )
    return _pick(v, array_sql, kvlist_sql)


def attrs_map(expr: str, depth: int = ATTR_DEPTH) -> str:
    """SQL turning repeated KeyValue into Map(LowCardinality(String), String)."""
    return (
        f"CAST(mapFromArrays({expr}.key, arrayMap(a -> {anyvalue_string('a', depth)}, {expr}.value)), "
        "'Map(LowCardinality(String), String)')"
    )


def _exemplar_type() -> str:
    return (
        f"Array(Tuple(filtered_attributes {kv_type()}, time_unix_nano UInt64, "
        "value Enum8('none' = 0, 'as_double' = 3, 'as_int' = 6), as_double Float64, as_int Int64, "
        "span_id String, trace_id String))"
    )


def _point_head() -> str:
    return f"attributes {kv_type()}, start_time_unix_nano UInt64, time_unix_nano UInt64"


#: named column types for the staging tables (`{{TYPE:NAME}}` in the DDL files)
TYPES: dict[str, str] = {
    "KV": kv_type(),
    "BODY": anyvalue_type(BODY_DEPTH),
    "NUMBER_POINTS": (
        f"Array(Tuple({_point_head()}, value Enum8('none' = 0, 'as_double' = 4, 'as_int' = 6), "
        f"as_double Float64, as_int Int64, exemplars {_exemplar_type()}, flags UInt32))"
    ),
    "HISTOGRAM_POINTS": (
        f"Array(Tuple({_point_head()}, count UInt64, sum Float64, bucket_counts Array(UInt64), "
        f"explicit_bounds Array(Float64), exemplars {_exemplar_type()}, flags UInt32, min Float64, max Float64))"
    ),
    "EXP_HISTOGRAM_POINTS": (
        f"Array(Tuple({_point_head()}, count UInt64, sum Float64, scale Int32, zero_count UInt64, "
        "positive Tuple(offset Int32, bucket_counts Array(UInt64)), "
        "negative Tuple(offset Int32, bucket_counts Array(UInt64)), "
        f"flags UInt32, exemplars {_exemplar_type()}, min Float64, max Float64))"
    ),
    "SUMMARY_POINTS": (
        f"Array(Tuple({_point_head()}, count UInt64, sum Float64, "
        "quantile_values Array(Tuple(quantile Float64, value Float64)), flags UInt32))"
    ),
    "METRIC_DATA": (
        "Enum8('none' = 0, 'gauge' = 5, 'sum' = 7, 'histogram' = 9, 'exponential_histogram' = 10, 'summary' = 11)"
    ),
}


def ts(expr: str) -> str:
    return f"fromUnixTimestamp64Nano(toInt64({expr}))"


def hexid(expr: str) -> str:
    return f"lower(hex({expr}))"


def _exemplar_value(dp: str) -> str:
    value = "if(e.value = 'as_int', toFloat64(e.as_int), e.as_double)"
    return f"arrayMap(e -> {value}, {dp}.exemplars) AS `Exemplars.Value`"


def exemplar_columns(dp: str) -> str:
    """The five `Exemplars.*` columns of a metric point, as SELECT expressions."""
    return ",\n    ".join(
        [
            f"arrayMap(e -> {attrs_map('e.filtered_attributes')}, {dp}.exemplars) AS `Exemplars.FilteredAttributes`",
            f"arrayMap(e -> {ts('e.time_unix_nano')}, {dp}.exemplars) AS `Exemplars.TimeUnix`",
            _exemplar_value(dp),
            f"arrayMap(e -> {hexid('e.span_id')}, {dp}.exemplars) AS `Exemplars.SpanId`",
            f"arrayMap(e -> {hexid('e.trace_id')}, {dp}.exemplars) AS `Exemplars.TraceId`",
        ]
    )


def placeholder(key: str, arg: str) -> str | None:
    """Expand an OTLP placeholder of the DDL files; None when `key` is not one of ours."""
    if key == "TYPE":
        return TYPES[arg]
    if key == "ATTRS":
        return attrs_map(arg)
    if key == "BODY_STRING":
        return anyvalue_string(arg, BODY_DEPTH)
    if key == "TS":
        return ts(arg)
    if key == "HEX":
        return hexid(arg)
    if key == "EXEMPLARS":
        return exemplar_columns(arg)
    return None

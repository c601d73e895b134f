"""The protobuf frames and column shapes that let ClickHouse itself decode OTLP.

Ingest re-frames each span, log record or metric point as one small protobuf message that holds
the item's own bytes next to its resource's and scope's bytes (no re-encoding: sub-messages are
copied as they came) plus the tenant, and inserts a batch of frames with `FORMAT Protobuf` into a
Null staging table. The staging tables' columns are flat (`span_attributes_key`, …): ClickHouse
maps nested fields to them by name, so the materialized views that write the telemetry tables
stay small. That matters because the engine analyses those views on every insert, and that
analysis — not the rows — is most of what a small insert costs.

The schema text is generated from opentelemetry-proto's descriptors, so field numbers cannot
drift from the OTLP definition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    ExponentialHistogramDataPoint,
    HistogramDataPoint,
    NumberDataPoint,
    SummaryDataPoint,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import Span

# -- frames -------------------------------------------------------------------------------------
#
# Every frame: 1 resource, 2 scope, 3 tenant, 4 resource schema url, 5 scope schema url, then the
# item. Metric frames add the metric's name, description, unit and (for sums and histograms)
# temporality and monotonicity.
F_RESOURCE, F_SCOPE, F_TENANT, F_RESOURCE_URL, F_SCOPE_URL = 1, 2, 3, 4, 5
F_ITEM = 6
F_METRIC_NAME, F_METRIC_DESCRIPTION, F_METRIC_UNIT, F_TEMPORALITY, F_MONOTONIC = 7, 8, 9, 10, 11

#: staging table -> (frame message name, item field name, item message descriptor)
FRAMES: dict[str, tuple[str, str, Descriptor]] = {
    "spans": ("SpanFrame", "span", Span.DESCRIPTOR),
    "logs": ("LogFrame", "log", LogRecord.DESCRIPTOR),
    "gauge": ("GaugeFrame", "point", NumberDataPoint.DESCRIPTOR),
    "sum": ("SumFrame", "point", NumberDataPoint.DESCRIPTOR),
    "histogram": ("HistogramFrame", "point", HistogramDataPoint.DESCRIPTOR),
    "exponential_histogram": ("ExpHistogramFrame", "point", ExponentialHistogramDataPoint.DESCRIPTOR),
    "summary": ("SummaryFrame", "point", SummaryDataPoint.DESCRIPTOR),
}
METRIC_STAGES = ("gauge", "sum", "histogram", "exponential_histogram", "summary")


def staging_table(stage: str) -> str:
    return f"otlp_{stage}_in"


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


def _synthetic(oneof: object) -> bool:
    """proto3 `optional` fields live in a one-field oneof whose name starts with `_`."""
    return len(getattr(oneof, "fields", [])) == 1 and getattr(oneof, "name", "").startswith("_")


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


def _collect(desc: Descriptor, seen: dict[str, Descriptor]) -> None:
    if desc.full_name in seen:
        return
    seen[desc.full_name] = desc
    for field in desc.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            _collect(field.message_type, seen)


@cache
def schema_text(stage: str) -> str:
    """A proto3 file holding one stage's frame message and every OTLP message it reaches."""
    frame, item_name, item = FRAMES[stage]
    seen: dict[str, Descriptor] = {}
    for desc in (Resource.DESCRIPTOR, InstrumentationScope.DESCRIPTOR, item):
        _collect(desc, seen)
    fields = [
        f"  {_name(Resource.DESCRIPTOR)} resource = {F_RESOURCE};",
        f"  {_name(InstrumentationScope.DESCRIPTOR)} scope = {F_SCOPE};",
        f"  string tenant = {F_TENANT};",
        f"  string resource_schema_url = {F_RESOURCE_URL};",
        f"  string scope_schema_url = {F_SCOPE_URL};",
        f"  {_name(item)} {item_name} = {F_ITEM};",
    ]
    if stage in METRIC_STAGES:
        fields += [
            f"  string metric_name = {F_METRIC_NAME};",
            f"  string metric_description = {F_METRIC_DESCRIPTION};",
            f"  string metric_unit = {F_METRIC_UNIT};",
            f"  int32 metric_temporality = {F_TEMPORALITY};",
            f"  bool metric_monotonic = {F_MONOTONIC};",
        ]
    parts = ['syntax = "proto3";', *(_message_text(d) for d in seen.values())]
    parts.append(f"message {frame} {{\n" + "\n".join(fields) + "\n}")
    return "\n".join(parts) + "\n"


def schema_file_name(stage: str) -> str:
    """File name for one stage's schema; the content hash keeps old files from being reused."""
    digest = hashlib.sha256(schema_text(stage).encode()).hexdigest()[:12]
    return f"ollystack_{stage}_{digest}.proto"


def insert_settings(stage: str, schema_file: str | None = None, clustered: bool = False) -> dict[str, object]:
    """Settings for the `INSERT … FORMAT Protobuf` of one stage's frames.

    `schema_file` is an absolute path to the schema on the engine's machine (embedded store);
    without it the schema travels inline (`format_schema_source='string'`).
    """
    settings: dict[str, object] = {
        "input_format_protobuf_oneof_presence": 1,
        # arrays and maps rendered as JSON keep '/' searchable, as the Collector stores them
        "output_format_json_escape_forward_slashes": 0,
        # a replay of old data may span many daily partitions: store it rather than refuse it
        "throw_on_max_partitions_per_insert_block": 0,
    }
    if clustered:
        # the views write Distributed tables: acknowledge only once the shards hold the rows
        settings["distributed_foreground_insert"] = 1
    frame_message = FRAMES[stage][0]
    if schema_file:
        settings["format_schema"] = f"{schema_file}:{frame_message}"
    else:
        settings["format_schema_source"] = "string"
        settings["format_schema"] = schema_text(stage)
        settings["format_schema_message_name"] = frame_message
    return settings


_VARINT_CACHE = [bytes([n]) for n in range(128)]


def varint(n: int) -> bytes:
    if n < 128:
        return _VARINT_CACHE[n]
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_bytes(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value & 0xFFFFFFFFFFFFFFFF)


def delimited(message: bytes) -> bytes:
    """One message of a `FORMAT Protobuf` stream (length-prefixed)."""
    return varint(len(message)) + message


# -- ClickHouse column shapes and expressions, used by the DDL placeholders ------------------
#
# AnyValue scalars are read straight into String columns (the engine formats the numbers) and
# the oneof presence enum indexes the candidates: `[s, b, i, d, array, kvlist, bytes][k]`.

_ANY_ENUM = (
    "Enum8('none' = 0, 'string_value' = 1, 'bool_value' = 2, 'int_value' = 3, "
    "'double_value' = 4, 'array_value' = 5, 'kvlist_value' = 6, 'bytes_value' = 7)"
)
_SCALARS = ("string_value", "bool_value", "int_value", "double_value", "bytes_value")
_SCALAR_TUPLE = f"Tuple(value {_ANY_ENUM}, {', '.join(f'{s} String' for s in _SCALARS)})"
_KV_SCALAR = f"Array(Tuple(key String, value {_SCALAR_TUPLE}))"
_MAP = "Map(LowCardinality(String), String)"


def kv_columns(prefix: str) -> str:
    """Flat columns for a repeated KeyValue field `prefix` (arrays and maps one level deep)."""
    cols = [f"{prefix}_key Array(String)", f"{prefix}_value_value Array({_ANY_ENUM})"]
    cols += [f"{prefix}_value_{s} Array(String)" for s in _SCALARS]
    cols += [
        f"{prefix}_value_array_value_values Array(Array({_SCALAR_TUPLE}))",
        f"{prefix}_value_kvlist_value_values Array({_KV_SCALAR})",
    ]
    return ",\n    ".join(cols)


#: an AnyValue that may itself hold an array or map of scalars (values inside a log body)
_NESTED_TUPLE = (
    f"Tuple(value {_ANY_ENUM}, {', '.join(f'{s} String' for s in _SCALARS)}, "
    f"array_value Tuple(values Array({_SCALAR_TUPLE})), kvlist_value Tuple(values {_KV_SCALAR}))"
)


def body_columns(prefix: str) -> str:
    """Flat columns for a single AnyValue field (a log body): maps and arrays two levels deep."""
    cols = [f"{prefix}_value {_ANY_ENUM}"]
    cols += [f"{prefix}_{s} String" for s in _SCALARS]
    cols += [
        f"{prefix}_array_value_values Array({_NESTED_TUPLE})",
        f"{prefix}_kvlist_value_values Array(Tuple(key String, value {_NESTED_TUPLE}))",
    ]
    return ",\n    ".join(cols)


def _pick(k: str, s: str, b: str, i: str, d: str, y: str, array_sql: str, kvlist_sql: str) -> str:
    return f"[{s}, {b}, {i}, {d}, {array_sql}, {kvlist_sql}, base64Encode({y})][toUInt8({k})]"


def _scalar_json(v: str) -> str:
    """A scalar AnyValue as JSON: strings and bytes quoted, numbers and booleans bare, else null."""
    dbl = f"if({v}.double_value IN ('inf', '-inf', 'nan'), concat('\"', {v}.double_value, '\"'), {v}.double_value)"
    return (
        f"['null', toJSONString({v}.string_value), {v}.bool_value, {v}.int_value, {dbl}, 'null', 'null', "
        f"concat('\"', base64Encode({v}.bytes_value), '\"')][toUInt8({v}.value) + 1]"
    )


def _array_json(arr: str, item_json: Callable[[str], str] = _scalar_json, var: str = "x") -> str:
    return f"concat('[', arrayStringConcat(arrayMap({var} -> {item_json(var)}, {arr}), ','), ']')"


def _kvlist_json(kvs: str, item_json: Callable[[str], str] = _scalar_json, var: str = "x") -> str:
    pair = f"concat(toJSONString({var}.key), ':', {item_json(var + '.value')})"
    return f"concat('{{', arrayStringConcat(arrayMap({var} -> {pair}, {kvs}), ','), '}}')"


def _nested_json(v: str) -> str:
    """JSON of a value inside a log body, which may be an array or map of scalars itself."""
    return (
        f"multiIf({v}.value = 'array_value', {_array_json(f'{v}.array_value.values', var='y')}, "
        f"{v}.value = 'kvlist_value', {_kvlist_json(f'{v}.kvlist_value.values', var='y')}, {_scalar_json(v)})"
    )


_KV_FIELDS = (
    "value_value", "value_string_value", "value_bool_value", "value_int_value", "value_double_value",
    "value_bytes_value", "value_array_value_values", "value_kvlist_value_values",
)  # fmt: skip


def attr_values(prefixes: str) -> str:
    """SQL: the value strings of several flat KeyValue fields at once, concatenated in order.

    One lambda for all of a row's attribute lists: the engine analyses a view's expressions on
    every insert, and each lambda costs milliseconds there. `attrs_at` slices the result.
    """
    names = [p.strip() for p in prefixes.split(",")]

    def column(f: str) -> str:
        cols = [f"{p}_{f}" for p in names]
        return cols[0] if len(cols) == 1 else f"arrayConcat({', '.join(cols)})"

    value = _pick("k", "s", "b", "i", "d", "y", _array_json("av"), _kvlist_json("kv"))
    return f"arrayMap((k, s, b, i, d, y, av, kv) -> {value}, {', '.join(column(f) for f in _KV_FIELDS)})"


def _slice(values: str, prefix: str, before: list[str], length_of: Callable[[str], str]) -> str:
    offset = " + ".join(["1", *(length_of(p) for p in before)])
    return f"arraySlice({values}, {offset}, {length_of(prefix)})"


def attrs_at(arg: str) -> str:
    """SQL `values,prefix[,earlier prefixes…]`: the Map of one flat KeyValue field out of `attr_values`."""
    values, prefix, *before = (x.strip() for x in arg.split(","))
    sliced = _slice(values, prefix, before, lambda p: f"length({p}_key)")
    return f"mapFromArrays({prefix}_key, {sliced})"


def tuple_attr_lists(columns: str) -> str:
    """SQL: Maps for several Array(Array(Tuple(key, value))) columns (events', links' attributes) at
    once, concatenated in order; `slice_at` splits them again."""
    names = [c.strip() for c in columns.split(",")]
    source = names[0] if len(names) == 1 else f"arrayConcat({', '.join(names)})"
    value = _pick(
        "a.value", "a.string_value", "a.bool_value", "a.int_value", "a.double_value", "a.bytes_value",
        _array_json("a.array_value.values", var="y"), _kvlist_json("a.kvlist_value.values", var="y"),
    )  # fmt: skip
    return f"arrayMap(e -> mapFromArrays(e.key, arrayMap(a -> {value}, e.value)), {source})"


def slice_at(arg: str) -> str:
    """SQL `values,column[,earlier columns…]`: one column's part of `tuple_attr_lists`."""
    values, column, *before = (x.strip() for x in arg.split(","))
    return _slice(values, column, before, lambda c: f"length({c})")


def tuple_attrs_map(kvs: str) -> str:
    """SQL: one Array(Tuple(key, value)) (scope attributes) -> Map."""
    return f"arrayElement({tuple_attr_lists(f'[{kvs}]')}, 1)"


def body_string(prefix: str) -> str:
    """SQL: a flat AnyValue (log body) -> the string the exporter stores (maps/arrays as JSON)."""
    return _pick(
        f"{prefix}_value", f"{prefix}_string_value", f"{prefix}_bool_value", f"{prefix}_int_value",
        f"{prefix}_double_value", f"{prefix}_bytes_value",
        _array_json(f"{prefix}_array_value_values", _nested_json),
        _kvlist_json(f"{prefix}_kvlist_value_values", _nested_json),
    )  # fmt: skip


def kv_tuples_type() -> str:
    """Array(Tuple(key, value)) with values that may be arrays or maps of scalars."""
    return f"Array(Tuple(key String, value {_NESTED_TUPLE}))"


def exemplar_columns() -> str:
    """Flat exemplar columns of a metric point frame."""
    return ",\n    ".join(
        [
            f"point_exemplars_filtered_attributes Array({kv_tuples_type()})",
            "point_exemplars_time_unix_nano Array(UInt64)",
            "point_exemplars_value Array(Enum8('none' = 0, 'as_double' = 3, 'as_int' = 6))",
            "point_exemplars_as_double Array(Float64)",
            "point_exemplars_as_int Array(Int64)",
            "point_exemplars_span_id Array(String)",
            "point_exemplars_trace_id Array(String)",
        ]
    )


def exemplar_select() -> str:
    """The five `Exemplars.*` columns of a metric row, as SELECT expressions."""
    attrs = tuple_attr_lists("point_exemplars_filtered_attributes")
    times = f"arrayMap(t -> {ts('t')}, point_exemplars_time_unix_nano)"
    values = (
        "arrayMap((k, d, i) -> if(k = 'as_int', toFloat64(i), d), "
        "point_exemplars_value, point_exemplars_as_double, point_exemplars_as_int)"
    )
    return ",\n    ".join(
        [
            f"{attrs} AS `Exemplars.FilteredAttributes`",
            f"{times} AS `Exemplars.TimeUnix`",
            f"{values} AS `Exemplars.Value`",
            "arrayMap(x -> lower(hex(x)), point_exemplars_span_id) AS `Exemplars.SpanId`",
            "arrayMap(x -> lower(hex(x)), point_exemplars_trace_id) AS `Exemplars.TraceId`",
        ]
    )


def ts(expr: str) -> str:
    return f"fromUnixTimestamp64Nano(toInt64({expr}))"


def placeholder(key: str, arg: str) -> str | None:
    """Expand an OTLP placeholder of the DDL files; None when `key` is not one of ours."""
    expansions = {
        "KV_COLUMNS": lambda: kv_columns(arg),
        "BODY_COLUMNS": lambda: body_columns(arg),
        "KV_TUPLES": kv_tuples_type,
        "EXEMPLAR_COLUMNS": exemplar_columns,
        "EXEMPLARS": exemplar_select,
        "ATTR_VALUES": lambda: attr_values(arg),
        "ATTRS_AT": lambda: attrs_at(arg),
        "TUPLE_ATTR_LISTS": lambda: tuple_attr_lists(arg),
        "SLICE_AT": lambda: slice_at(arg),
        "TUPLE_ATTRS": lambda: tuple_attrs_map(arg),
        "BODY_STRING": lambda: body_string(arg),
        "TS": lambda: ts(arg),
        "HEX": lambda: f"lower(hex({arg}))",
    }
    make = expansions.get(key)
    return make() if make else None

-- Spans, column for column the OpenTelemetry Collector ClickHouse exporter's otel_traces,
-- with a leading TenantId so every read can be tenant-scoped by the primary key.
CREATE TABLE IF NOT EXISTS {{LOCAL:otel_traces}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(Timestamp)
ORDER BY (TenantId, ServiceName, SpanName, toDateTime(Timestamp))
{{TTL:traces:toDateTime(Timestamp)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_traces:cityHash64(TraceId)}};

-- Trace id -> time range, so a trace lookup reads only the partitions that hold it.
CREATE TABLE IF NOT EXISTS {{LOCAL:otel_traces_trace_id_ts}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = {{ENGINE:AggregatingMergeTree()}}
PARTITION BY toStartOfWeek(Start)
ORDER BY (TenantId, TraceId)
{{TTL:traces:Start}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_traces_trace_id_ts:cityHash64(TraceId)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otel_traces_trace_id_ts_mv}} {{ON_CLUSTER}}
TO {{LOCAL:otel_traces_trace_id_ts}}
AS SELECT
    TenantId,
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM {{LOCAL:otel_traces}}
WHERE TraceId != ''
GROUP BY TenantId, TraceId;

-- OTLP ingest: the service inserts one protobuf frame per span (the span's own bytes beside its
-- resource's and scope's, plus the tenant) with FORMAT Protobuf; the Null table keeps nothing and
-- the view below writes otel_traces inside the engine.
CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_spans_in}} {{ON_CLUSTER}} (
    tenant String,
    resource_schema_url String,
    scope_schema_url String,
    {{KV_COLUMNS:resource_attributes}},
    scope_name String,
    scope_version String,
    span_trace_id String,
    span_span_id String,
    span_trace_state String,
    span_parent_span_id String,
    span_name String,
    span_kind Int32,
    span_start_time_unix_nano UInt64,
    span_end_time_unix_nano UInt64,
    {{KV_COLUMNS:span_attributes}},
    span_events_time_unix_nano Array(UInt64),
    span_events_name Array(String),
    span_events_attributes Array({{KV_TUPLES}}),
    span_links_trace_id Array(String),
    span_links_span_id Array(String),
    span_links_trace_state Array(String),
    span_links_attributes Array({{KV_TUPLES}}),
    span_status_message String,
    span_status_code Int32
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_spans_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_traces}}
AS SELECT
    tenant AS TenantId,
    {{TS:span_start_time_unix_nano}} AS Timestamp,
    {{HEX:span_trace_id}} AS TraceId,
    {{HEX:span_span_id}} AS SpanId,
    {{HEX:span_parent_span_id}} AS ParentSpanId,
    span_trace_state AS TraceState,
    span_name AS SpanName,
    transform(span_kind, [0, 1, 2, 3, 4, 5],
              ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'], 'Unspecified') AS SpanKind,
    res['service.name'] AS ServiceName,
    res AS ResourceAttributes,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    {{ATTRS_AT:attr_values,span_attributes,resource_attributes}} AS SpanAttributes,
    if(span_end_time_unix_nano > span_start_time_unix_nano,
       span_end_time_unix_nano - span_start_time_unix_nano, 0) AS Duration,
    transform(span_status_code, [0, 1, 2], ['Unset', 'Ok', 'Error'], 'Unset') AS StatusCode,
    span_status_message AS StatusMessage,
    arrayMap(t -> {{TS:t}}, span_events_time_unix_nano) AS `Events.Timestamp`,
    span_events_name AS `Events.Name`,
    {{SLICE_AT:nested_attrs,span_events_attributes}} AS `Events.Attributes`,
    arrayMap(x -> {{HEX:x}}, span_links_trace_id) AS `Links.TraceId`,
    arrayMap(x -> {{HEX:x}}, span_links_span_id) AS `Links.SpanId`,
    span_links_trace_state AS `Links.TraceState`,
    {{SLICE_AT:nested_attrs,span_links_attributes,span_events_attributes}} AS `Links.Attributes`
FROM (
    -- every attribute list of a row converted by one expression each: cheaper for the engine to
    -- analyse, which it does on every insert
    SELECT *,
        {{ATTR_VALUES:resource_attributes,span_attributes}} AS attr_values,
        {{ATTRS_AT:attr_values,resource_attributes}} AS res,
        {{TUPLE_ATTR_LISTS:span_events_attributes,span_links_attributes}} AS nested_attrs
    FROM {{LOCAL:otlp_spans_in}}
);

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

-- OTLP/protobuf ingest: the service inserts the exporter's own bytes here (FORMAT
-- ProtobufSingle); the Null table keeps nothing and the view below flattens spans into
-- otel_traces inside the engine.
CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_traces_in}} {{ON_CLUSTER}} (
    resource_spans Array(Tuple(
        resource Tuple(attributes {{TYPE:KV}}),
        schema_url String,
        scope_spans Array(Tuple(
            scope Tuple(name String, version String),
            spans Array(Tuple(
                trace_id String, span_id String, trace_state String, parent_span_id String,
                name String, kind Int32, start_time_unix_nano UInt64, end_time_unix_nano UInt64,
                attributes {{TYPE:KV}},
                events Array(Tuple(time_unix_nano UInt64, name String, attributes {{TYPE:KV}})),
                links Array(Tuple(trace_id String, span_id String, trace_state String, attributes {{TYPE:KV}})),
                status Tuple(message String, code Int32)
            ))
        ))
    )),
    ollystack_tenant String
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_traces_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_traces}}
AS SELECT
    ollystack_tenant AS TenantId,
    {{TS:span.start_time_unix_nano}} AS Timestamp,
    {{HEX:span.trace_id}} AS TraceId,
    {{HEX:span.span_id}} AS SpanId,
    {{HEX:span.parent_span_id}} AS ParentSpanId,
    span.trace_state AS TraceState,
    span.name AS SpanName,
    transform(span.kind, [0, 1, 2, 3, 4, 5],
              ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'], 'Unspecified') AS SpanKind,
    res_attrs['service.name'] AS ServiceName,
    res_attrs AS ResourceAttributes,
    ss.scope.name AS ScopeName,
    ss.scope.version AS ScopeVersion,
    {{ATTRS:span.attributes}} AS SpanAttributes,
    if(span.end_time_unix_nano > span.start_time_unix_nano,
       span.end_time_unix_nano - span.start_time_unix_nano, 0) AS Duration,
    transform(span.status.code, [0, 1, 2], ['Unset', 'Ok', 'Error'], 'Unset') AS StatusCode,
    span.status.message AS StatusMessage,
    arrayMap(e -> {{TS:e.time_unix_nano}}, span.events) AS `Events.Timestamp`,
    arrayMap(e -> e.name, span.events) AS `Events.Name`,
    arrayMap(e -> {{ATTRS:e.attributes}}, span.events) AS `Events.Attributes`,
    arrayMap(l -> {{HEX:l.trace_id}}, span.links) AS `Links.TraceId`,
    arrayMap(l -> {{HEX:l.span_id}}, span.links) AS `Links.SpanId`,
    arrayMap(l -> l.trace_state, span.links) AS `Links.TraceState`,
    arrayMap(l -> {{ATTRS:l.attributes}}, span.links) AS `Links.Attributes`
FROM (
    SELECT ollystack_tenant, rs, {{ATTRS:rs.resource.attributes}} AS res_attrs
    FROM {{LOCAL:otlp_traces_in}}
    ARRAY JOIN resource_spans AS rs
)
ARRAY JOIN rs.scope_spans AS ss
ARRAY JOIN ss.spans AS span;

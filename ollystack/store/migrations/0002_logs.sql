-- Log records, as the Collector exporter's otel_logs, plus a leading TenantId.
CREATE TABLE IF NOT EXISTS {{LOCAL:otel_logs}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8,
    INDEX idx_body_ngrambf Body TYPE ngrambf_v1(4, 32768, 3, 0) GRANULARITY 1
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (TenantId, ServiceName, TimestampTime)
ORDER BY (TenantId, ServiceName, TimestampTime, Timestamp)
{{TTL:logs:TimestampTime}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_logs:rand()}};

-- OTLP ingest for logs: one protobuf frame per log record (see 0001_traces.sql).
CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_logs_in}} {{ON_CLUSTER}} (
    tenant String,
    resource_schema_url String,
    scope_schema_url String,
    {{KV_COLUMNS:resource_attributes}},
    scope_name String,
    scope_version String,
    scope_attributes {{KV_TUPLES}},
    log_time_unix_nano UInt64,
    log_observed_time_unix_nano UInt64,
    log_severity_number Int32,
    log_severity_text String,
    {{BODY_COLUMNS:log_body}},
    {{KV_COLUMNS:log_attributes}},
    log_flags UInt32,
    log_trace_id String,
    log_span_id String,
    log_event_name String
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_logs_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_logs}}
AS SELECT
    tenant AS TenantId,
    {{TS:if(log_time_unix_nano = 0, log_observed_time_unix_nano, log_time_unix_nano)}} AS Timestamp,
    {{HEX:log_trace_id}} AS TraceId,
    {{HEX:log_span_id}} AS SpanId,
    toUInt8(bitAnd(log_flags, 255)) AS TraceFlags,
    log_severity_text AS SeverityText,
    toUInt8(if(log_severity_number BETWEEN 0 AND 255, log_severity_number, 0)) AS SeverityNumber,
    res['service.name'] AS ServiceName,
    {{BODY_STRING:log_body}} AS Body,
    resource_schema_url AS ResourceSchemaUrl,
    res AS ResourceAttributes,
    scope_schema_url AS ScopeSchemaUrl,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    {{TUPLE_ATTRS:scope_attributes}} AS ScopeAttributes,
    {{ATTRS_AT:attr_values,log_attributes,resource_attributes}} AS LogAttributes,
    log_event_name AS EventName
FROM (
    SELECT *,
        {{ATTR_VALUES:resource_attributes,log_attributes}} AS attr_values,
        {{ATTRS_AT:attr_values,resource_attributes}} AS res
    FROM {{LOCAL:otlp_logs_in}}
);

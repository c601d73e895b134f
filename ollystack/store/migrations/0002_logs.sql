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

-- OTLP/protobuf ingest for logs (see 0001 for how the staging table works).
CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_logs_in}} {{ON_CLUSTER}} (
    resource_logs Array(Tuple(
        resource Tuple(attributes {{TYPE:KV}}),
        schema_url String,
        scope_logs Array(Tuple(
            scope Tuple(name String, version String, attributes {{TYPE:KV}}),
            schema_url String,
            log_records Array(Tuple(
                time_unix_nano UInt64, observed_time_unix_nano UInt64, severity_number Int32,
                severity_text String, body {{TYPE:BODY}}, attributes {{TYPE:KV}}, flags UInt32,
                trace_id String, span_id String, event_name String
            ))
        ))
    )),
    ollystack_tenant String
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_logs_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_logs}}
AS SELECT
    ollystack_tenant AS TenantId,
    {{TS:if(rec.time_unix_nano = 0, rec.observed_time_unix_nano, rec.time_unix_nano)}} AS Timestamp,
    {{HEX:rec.trace_id}} AS TraceId,
    {{HEX:rec.span_id}} AS SpanId,
    toUInt8(bitAnd(rec.flags, 255)) AS TraceFlags,
    rec.severity_text AS SeverityText,
    toUInt8(if(rec.severity_number BETWEEN 0 AND 255, rec.severity_number, 0)) AS SeverityNumber,
    res_attrs['service.name'] AS ServiceName,
    {{BODY_STRING:rec.body}} AS Body,
    rl.schema_url AS ResourceSchemaUrl,
    res_attrs AS ResourceAttributes,
    sl.schema_url AS ScopeSchemaUrl,
    sl.scope.name AS ScopeName,
    sl.scope.version AS ScopeVersion,
    {{ATTRS:sl.scope.attributes}} AS ScopeAttributes,
    {{ATTRS:rec.attributes}} AS LogAttributes,
    rec.event_name AS EventName
FROM (
    SELECT ollystack_tenant, rl, {{ATTRS:rl.resource.attributes}} AS res_attrs
    FROM {{LOCAL:otlp_logs_in}}
    ARRAY JOIN resource_logs AS rl
)
ARRAY JOIN rl.scope_logs AS sl
ARRAY JOIN sl.log_records AS rec;

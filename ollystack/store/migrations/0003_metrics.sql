-- Metric points, one table per OTLP point type, as the Collector exporter's otel_metrics_*,
-- plus a leading TenantId.

CREATE TABLE IF NOT EXISTS {{LOCAL:otel_metrics_gauge}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{TTL:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_metrics_gauge:rand()}};

CREATE TABLE IF NOT EXISTS {{LOCAL:otel_metrics_sum}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{TTL:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_metrics_sum:rand()}};

CREATE TABLE IF NOT EXISTS {{LOCAL:otel_metrics_histogram}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{TTL:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_metrics_histogram:rand()}};

CREATE TABLE IF NOT EXISTS {{LOCAL:otel_metrics_exponential_histogram}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ZeroCount UInt64 CODEC(ZSTD(1)),
    PositiveOffset Int32 CODEC(ZSTD(1)),
    PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    NegativeOffset Int32 CODEC(ZSTD(1)),
    NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    Exemplars Nested (
        FilteredAttributes Map(LowCardinality(String), String),
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{TTL:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_metrics_exponential_histogram:rand()}};

CREATE TABLE IF NOT EXISTS {{LOCAL:otel_metrics_summary}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    ValueAtQuantiles Nested (
        Quantile Float64,
        Value Float64
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(TimeUnix)
ORDER BY (TenantId, ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{TTL:metrics:toDateTime(TimeUnix)}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{DISTRIBUTED:otel_metrics_summary:rand()}};

-- OTLP/protobuf ingest for metrics: one staging table, one view per point type (see 0001).
CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_metrics_in}} {{ON_CLUSTER}} (
    resource_metrics Array(Tuple(
        resource Tuple(attributes {{TYPE:KV}}),
        schema_url String,
        scope_metrics Array(Tuple(
            scope Tuple(name String, version String, attributes {{TYPE:KV}}, dropped_attributes_count UInt32),
            schema_url String,
            metrics Array(Tuple(
                name String, description String, unit String,
                data {{TYPE:METRIC_DATA}},
                gauge Tuple(data_points {{TYPE:NUMBER_POINTS}}),
                sum Tuple(data_points {{TYPE:NUMBER_POINTS}}, aggregation_temporality Int32, is_monotonic Bool),
                histogram Tuple(data_points {{TYPE:HISTOGRAM_POINTS}}, aggregation_temporality Int32),
                exponential_histogram Tuple(data_points {{TYPE:EXP_HISTOGRAM_POINTS}}, aggregation_temporality Int32),
                summary Tuple(data_points {{TYPE:SUMMARY_POINTS}})
            ))
        ))
    )),
    ollystack_tenant String
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_metrics_gauge_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_gauge}}
AS SELECT
    ollystack_tenant AS TenantId,
    res_attrs AS ResourceAttributes,
    rm.schema_url AS ResourceSchemaUrl,
    sm.scope.name AS ScopeName,
    sm.scope.version AS ScopeVersion,
    {{ATTRS:sm.scope.attributes}} AS ScopeAttributes,
    sm.scope.dropped_attributes_count AS ScopeDroppedAttrCount,
    sm.schema_url AS ScopeSchemaUrl,
    res_attrs['service.name'] AS ServiceName,
    m.name AS MetricName,
    m.description AS MetricDescription,
    m.unit AS MetricUnit,
    {{ATTRS:dp.attributes}} AS Attributes,
    {{TS:dp.start_time_unix_nano}} AS StartTimeUnix,
    {{TS:dp.time_unix_nano}} AS TimeUnix,
    if(dp.value = 'as_int', toFloat64(dp.as_int), dp.as_double) AS Value,
    dp.flags AS Flags,
    {{EXEMPLARS:dp}}
FROM (
    SELECT ollystack_tenant, rm, {{ATTRS:rm.resource.attributes}} AS res_attrs
    FROM {{LOCAL:otlp_metrics_in}}
    ARRAY JOIN resource_metrics AS rm
)
ARRAY JOIN rm.scope_metrics AS sm
ARRAY JOIN sm.metrics AS m
ARRAY JOIN m.gauge.data_points AS dp;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_metrics_sum_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_sum}}
AS SELECT
    ollystack_tenant AS TenantId,
    res_attrs AS ResourceAttributes,
    rm.schema_url AS ResourceSchemaUrl,
    sm.scope.name AS ScopeName,
    sm.scope.version AS ScopeVersion,
    {{ATTRS:sm.scope.attributes}} AS ScopeAttributes,
    sm.scope.dropped_attributes_count AS ScopeDroppedAttrCount,
    sm.schema_url AS ScopeSchemaUrl,
    res_attrs['service.name'] AS ServiceName,
    m.name AS MetricName,
    m.description AS MetricDescription,
    m.unit AS MetricUnit,
    {{ATTRS:dp.attributes}} AS Attributes,
    {{TS:dp.start_time_unix_nano}} AS StartTimeUnix,
    {{TS:dp.time_unix_nano}} AS TimeUnix,
    if(dp.value = 'as_int', toFloat64(dp.as_int), dp.as_double) AS Value,
    dp.flags AS Flags,
    {{EXEMPLARS:dp}},
    m.sum.aggregation_temporality AS AggregationTemporality,
    m.sum.is_monotonic AS IsMonotonic
FROM (
    SELECT ollystack_tenant, rm, {{ATTRS:rm.resource.attributes}} AS res_attrs
    FROM {{LOCAL:otlp_metrics_in}}
    ARRAY JOIN resource_metrics AS rm
)
ARRAY JOIN rm.scope_metrics AS sm
ARRAY JOIN sm.metrics AS m
ARRAY JOIN m.sum.data_points AS dp;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_metrics_histogram_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_histogram}}
AS SELECT
    ollystack_tenant AS TenantId,
    res_attrs AS ResourceAttributes,
    rm.schema_url AS ResourceSchemaUrl,
    sm.scope.name AS ScopeName,
    sm.scope.version AS ScopeVersion,
    {{ATTRS:sm.scope.attributes}} AS ScopeAttributes,
    sm.scope.dropped_attributes_count AS ScopeDroppedAttrCount,
    sm.schema_url AS ScopeSchemaUrl,
    res_attrs['service.name'] AS ServiceName,
    m.name AS MetricName,
    m.description AS MetricDescription,
    m.unit AS MetricUnit,
    {{ATTRS:dp.attributes}} AS Attributes,
    {{TS:dp.start_time_unix_nano}} AS StartTimeUnix,
    {{TS:dp.time_unix_nano}} AS TimeUnix,
    dp.count AS Count,
    dp.sum AS Sum,
    dp.bucket_counts AS BucketCounts,
    dp.explicit_bounds AS ExplicitBounds,
    {{EXEMPLARS:dp}},
    dp.flags AS Flags,
    dp.min AS Min,
    dp.max AS Max,
    m.histogram.aggregation_temporality AS AggregationTemporality
FROM (
    SELECT ollystack_tenant, rm, {{ATTRS:rm.resource.attributes}} AS res_attrs
    FROM {{LOCAL:otlp_metrics_in}}
    ARRAY JOIN resource_metrics AS rm
)
ARRAY JOIN rm.scope_metrics AS sm
ARRAY JOIN sm.metrics AS m
ARRAY JOIN m.histogram.data_points AS dp;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_metrics_exponential_histogram_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_exponential_histogram}}
AS SELECT
    ollystack_tenant AS TenantId,
    res_attrs AS ResourceAttributes,
    rm.schema_url AS ResourceSchemaUrl,
    sm.scope.name AS ScopeName,
    sm.scope.version AS ScopeVersion,
    {{ATTRS:sm.scope.attributes}} AS ScopeAttributes,
    sm.scope.dropped_attributes_count AS ScopeDroppedAttrCount,
    sm.schema_url AS ScopeSchemaUrl,
    res_attrs['service.name'] AS ServiceName,
    m.name AS MetricName,
    m.description AS MetricDescription,
    m.unit AS MetricUnit,
    {{ATTRS:dp.attributes}} AS Attributes,
    {{TS:dp.start_time_unix_nano}} AS StartTimeUnix,
    {{TS:dp.time_unix_nano}} AS TimeUnix,
    dp.count AS Count,
    dp.sum AS Sum,
    dp.scale AS Scale,
    dp.zero_count AS ZeroCount,
    dp.positive.offset AS PositiveOffset,
    dp.positive.bucket_counts AS PositiveBucketCounts,
    dp.negative.offset AS NegativeOffset,
    dp.negative.bucket_counts AS NegativeBucketCounts,
    {{EXEMPLARS:dp}},
    dp.flags AS Flags,
    dp.min AS Min,
    dp.max AS Max,
    m.exponential_histogram.aggregation_temporality AS AggregationTemporality
FROM (
    SELECT ollystack_tenant, rm, {{ATTRS:rm.resource.attributes}} AS res_attrs
    FROM {{LOCAL:otlp_metrics_in}}
    ARRAY JOIN resource_metrics AS rm
)
ARRAY JOIN rm.scope_metrics AS sm
ARRAY JOIN sm.metrics AS m
ARRAY JOIN m.exponential_histogram.data_points AS dp;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_metrics_summary_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_summary}}
AS SELECT
    ollystack_tenant AS TenantId,
    res_attrs AS ResourceAttributes,
    rm.schema_url AS ResourceSchemaUrl,
    sm.scope.name AS ScopeName,
    sm.scope.version AS ScopeVersion,
    {{ATTRS:sm.scope.attributes}} AS ScopeAttributes,
    sm.scope.dropped_attributes_count AS ScopeDroppedAttrCount,
    sm.schema_url AS ScopeSchemaUrl,
    res_attrs['service.name'] AS ServiceName,
    m.name AS MetricName,
    m.description AS MetricDescription,
    m.unit AS MetricUnit,
    {{ATTRS:dp.attributes}} AS Attributes,
    {{TS:dp.start_time_unix_nano}} AS StartTimeUnix,
    {{TS:dp.time_unix_nano}} AS TimeUnix,
    dp.count AS Count,
    dp.sum AS Sum,
    arrayMap(q -> q.quantile, dp.quantile_values) AS `ValueAtQuantiles.Quantile`,
    arrayMap(q -> q.value, dp.quantile_values) AS `ValueAtQuantiles.Value`,
    dp.flags AS Flags
FROM (
    SELECT ollystack_tenant, rm, {{ATTRS:rm.resource.attributes}} AS res_attrs
    FROM {{LOCAL:otlp_metrics_in}}
    ARRAY JOIN resource_metrics AS rm
)
ARRAY JOIN rm.scope_metrics AS sm
ARRAY JOIN sm.metrics AS m
ARRAY JOIN m.summary.data_points AS dp;

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

-- OTLP ingest for metrics: one protobuf frame per data point, one staging table and view per
-- point type (see 0001_traces.sql).

CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_gauge_in}} {{ON_CLUSTER}} (
    tenant String,
    resource_schema_url String,
    scope_schema_url String,
    {{KV_COLUMNS:resource_attributes}},
    scope_name String,
    scope_version String,
    scope_attributes {{KV_TUPLES}},
    scope_dropped_attributes_count UInt32,
    metric_name String,
    metric_description String,
    metric_unit String,
    metric_temporality Int32,
    metric_monotonic Bool,
    {{KV_COLUMNS:point_attributes}},
    point_start_time_unix_nano UInt64,
    point_time_unix_nano UInt64,
    point_flags UInt32,
    point_value Enum8('none' = 0, 'as_double' = 4, 'as_int' = 6),
    point_as_double Float64,
    point_as_int Int64,
    {{EXEMPLAR_COLUMNS}}
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_gauge_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_gauge}}
AS SELECT
    tenant AS TenantId,
    res AS ResourceAttributes,
    resource_schema_url AS ResourceSchemaUrl,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    {{TUPLE_ATTRS:scope_attributes}} AS ScopeAttributes,
    scope_dropped_attributes_count AS ScopeDroppedAttrCount,
    scope_schema_url AS ScopeSchemaUrl,
    res['service.name'] AS ServiceName,
    metric_name AS MetricName,
    metric_description AS MetricDescription,
    metric_unit AS MetricUnit,
    {{ATTRS_AT:attr_values,point_attributes,resource_attributes}} AS Attributes,
    {{TS:point_start_time_unix_nano}} AS StartTimeUnix,
    {{TS:point_time_unix_nano}} AS TimeUnix,
    if(point_value = 'as_int', toFloat64(point_as_int), point_as_double) AS Value,
    point_flags AS Flags,
    {{EXEMPLARS}}
FROM (
    SELECT *,
        {{ATTR_VALUES:resource_attributes,point_attributes}} AS attr_values,
        {{ATTRS_AT:attr_values,resource_attributes}} AS res
    FROM {{LOCAL:otlp_gauge_in}}
);

CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_sum_in}} {{ON_CLUSTER}} (
    tenant String,
    resource_schema_url String,
    scope_schema_url String,
    {{KV_COLUMNS:resource_attributes}},
    scope_name String,
    scope_version String,
    scope_attributes {{KV_TUPLES}},
    scope_dropped_attributes_count UInt32,
    metric_name String,
    metric_description String,
    metric_unit String,
    metric_temporality Int32,
    metric_monotonic Bool,
    {{KV_COLUMNS:point_attributes}},
    point_start_time_unix_nano UInt64,
    point_time_unix_nano UInt64,
    point_flags UInt32,
    point_value Enum8('none' = 0, 'as_double' = 4, 'as_int' = 6),
    point_as_double Float64,
    point_as_int Int64,
    {{EXEMPLAR_COLUMNS}}
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_sum_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_sum}}
AS SELECT
    tenant AS TenantId,
    res AS ResourceAttributes,
    resource_schema_url AS ResourceSchemaUrl,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    {{TUPLE_ATTRS:scope_attributes}} AS ScopeAttributes,
    scope_dropped_attributes_count AS ScopeDroppedAttrCount,
    scope_schema_url AS ScopeSchemaUrl,
    res['service.name'] AS ServiceName,
    metric_name AS MetricName,
    metric_description AS MetricDescription,
    metric_unit AS MetricUnit,
    {{ATTRS_AT:attr_values,point_attributes,resource_attributes}} AS Attributes,
    {{TS:point_start_time_unix_nano}} AS StartTimeUnix,
    {{TS:point_time_unix_nano}} AS TimeUnix,
    if(point_value = 'as_int', toFloat64(point_as_int), point_as_double) AS Value,
    point_flags AS Flags,
    {{EXEMPLARS}},
    metric_temporality AS AggregationTemporality,
    metric_monotonic AS IsMonotonic
FROM (
    SELECT *,
        {{ATTR_VALUES:resource_attributes,point_attributes}} AS attr_values,
        {{ATTRS_AT:attr_values,resource_attributes}} AS res
    FROM {{LOCAL:otlp_sum_in}}
);

CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_histogram_in}} {{ON_CLUSTER}} (
    tenant String,
    resource_schema_url String,
    scope_schema_url String,
    {{KV_COLUMNS:resource_attributes}},
    scope_name String,
    scope_version String,
    scope_attributes {{KV_TUPLES}},
    scope_dropped_attributes_count UInt32,
    metric_name String,
    metric_description String,
    metric_unit String,
    metric_temporality Int32,
    metric_monotonic Bool,
    {{KV_COLUMNS:point_attributes}},
    point_start_time_unix_nano UInt64,
    point_time_unix_nano UInt64,
    point_flags UInt32,
    point_count UInt64,
    point_sum Float64,
    point_bucket_counts Array(UInt64),
    point_explicit_bounds Array(Float64),
    point_min Float64,
    point_max Float64,
    {{EXEMPLAR_COLUMNS}}
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_histogram_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_histogram}}
AS SELECT
    tenant AS TenantId,
    res AS ResourceAttributes,
    resource_schema_url AS ResourceSchemaUrl,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    {{TUPLE_ATTRS:scope_attributes}} AS ScopeAttributes,
    scope_dropped_attributes_count AS ScopeDroppedAttrCount,
    scope_schema_url AS ScopeSchemaUrl,
    res['service.name'] AS ServiceName,
    metric_name AS MetricName,
    metric_description AS MetricDescription,
    metric_unit AS MetricUnit,
    {{ATTRS_AT:attr_values,point_attributes,resource_attributes}} AS Attributes,
    {{TS:point_start_time_unix_nano}} AS StartTimeUnix,
    {{TS:point_time_unix_nano}} AS TimeUnix,
    point_count AS Count,
    point_sum AS Sum,
    point_bucket_counts AS BucketCounts,
    point_explicit_bounds AS ExplicitBounds,
    {{EXEMPLARS}},
    point_flags AS Flags,
    point_min AS Min,
    point_max AS Max,
    metric_temporality AS AggregationTemporality
FROM (
    SELECT *,
        {{ATTR_VALUES:resource_attributes,point_attributes}} AS attr_values,
        {{ATTRS_AT:attr_values,resource_attributes}} AS res
    FROM {{LOCAL:otlp_histogram_in}}
);

CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_exponential_histogram_in}} {{ON_CLUSTER}} (
    tenant String,
    resource_schema_url String,
    scope_schema_url String,
    {{KV_COLUMNS:resource_attributes}},
    scope_name String,
    scope_version String,
    scope_attributes {{KV_TUPLES}},
    scope_dropped_attributes_count UInt32,
    metric_name String,
    metric_description String,
    metric_unit String,
    metric_temporality Int32,
    metric_monotonic Bool,
    {{KV_COLUMNS:point_attributes}},
    point_start_time_unix_nano UInt64,
    point_time_unix_nano UInt64,
    point_flags UInt32,
    point_count UInt64,
    point_sum Float64,
    point_scale Int32,
    point_zero_count UInt64,
    point_positive_offset Int32,
    point_positive_bucket_counts Array(UInt64),
    point_negative_offset Int32,
    point_negative_bucket_counts Array(UInt64),
    point_min Float64,
    point_max Float64,
    {{EXEMPLAR_COLUMNS}}
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_exponential_histogram_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_exponential_histogram}}
AS SELECT
    tenant AS TenantId,
    res AS ResourceAttributes,
    resource_schema_url AS ResourceSchemaUrl,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    {{TUPLE_ATTRS:scope_attributes}} AS ScopeAttributes,
    scope_dropped_attributes_count AS ScopeDroppedAttrCount,
    scope_schema_url AS ScopeSchemaUrl,
    res['service.name'] AS ServiceName,
    metric_name AS MetricName,
    metric_description AS MetricDescription,
    metric_unit AS MetricUnit,
    {{ATTRS_AT:attr_values,point_attributes,resource_attributes}} AS Attributes,
    {{TS:point_start_time_unix_nano}} AS StartTimeUnix,
    {{TS:point_time_unix_nano}} AS TimeUnix,
    point_count AS Count,
    point_sum AS Sum,
    point_scale AS Scale,
    point_zero_count AS ZeroCount,
    point_positive_offset AS PositiveOffset,
    point_positive_bucket_counts AS PositiveBucketCounts,
    point_negative_offset AS NegativeOffset,
    point_negative_bucket_counts AS NegativeBucketCounts,
    {{EXEMPLARS}},
    point_flags AS Flags,
    point_min AS Min,
    point_max AS Max,
    metric_temporality AS AggregationTemporality
FROM (
    SELECT *,
        {{ATTR_VALUES:resource_attributes,point_attributes}} AS attr_values,
        {{ATTRS_AT:attr_values,resource_attributes}} AS res
    FROM {{LOCAL:otlp_exponential_histogram_in}}
);

CREATE TABLE IF NOT EXISTS {{LOCAL:otlp_summary_in}} {{ON_CLUSTER}} (
    tenant String,
    resource_schema_url String,
    scope_schema_url String,
    {{KV_COLUMNS:resource_attributes}},
    scope_name String,
    scope_version String,
    scope_attributes {{KV_TUPLES}},
    scope_dropped_attributes_count UInt32,
    metric_name String,
    metric_description String,
    metric_unit String,
    metric_temporality Int32,
    metric_monotonic Bool,
    {{KV_COLUMNS:point_attributes}},
    point_start_time_unix_nano UInt64,
    point_time_unix_nano UInt64,
    point_flags UInt32,
    point_count UInt64,
    point_sum Float64,
    point_quantile_values_quantile Array(Float64),
    point_quantile_values_value Array(Float64)
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{LOCAL:otlp_summary_mv}} {{ON_CLUSTER}}
TO {{TABLE:otel_metrics_summary}}
AS SELECT
    tenant AS TenantId,
    res AS ResourceAttributes,
    resource_schema_url AS ResourceSchemaUrl,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    {{TUPLE_ATTRS:scope_attributes}} AS ScopeAttributes,
    scope_dropped_attributes_count AS ScopeDroppedAttrCount,
    scope_schema_url AS ScopeSchemaUrl,
    res['service.name'] AS ServiceName,
    metric_name AS MetricName,
    metric_description AS MetricDescription,
    metric_unit AS MetricUnit,
    {{ATTRS_AT:attr_values,point_attributes,resource_attributes}} AS Attributes,
    {{TS:point_start_time_unix_nano}} AS StartTimeUnix,
    {{TS:point_time_unix_nano}} AS TimeUnix,
    point_count AS Count,
    point_sum AS Sum,
    point_quantile_values_quantile AS `ValueAtQuantiles.Quantile`,
    point_quantile_values_value AS `ValueAtQuantiles.Value`,
    point_flags AS Flags
FROM (
    SELECT *,
        {{ATTR_VALUES:resource_attributes,point_attributes}} AS attr_values,
        {{ATTRS_AT:attr_values,resource_attributes}} AS res
    FROM {{LOCAL:otlp_summary_in}}
);

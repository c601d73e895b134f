-- Service map (see ollystack/topology). Calls per minute between services, and from services to
-- databases, caches, queues and external APIs, derived from spans by the topology updater in
-- closed chunks of time (a bounded self-join on ParentSpanId and on span links). Counts add up;
-- latency is a t-digest state, so any window's percentiles merge from the minutes it covers.
-- When late spans change an hour's span count, that hour's rows are deleted and derived again.
CREATE TABLE IF NOT EXISTS {{LOCAL:topology_edge_minutes}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Source LowCardinality(String),            -- the calling service
    Target LowCardinality(String),            -- a service, or a database/cache/queue/API name
    EdgeKind LowCardinality(String),          -- sync, async, database, cache, messaging, external
    TargetKind LowCardinality(String),        -- service, database, cache, queue, external
    Calls SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    Latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64),  -- milliseconds
    SampleTrace SimpleAggregateFunction(any, String),
    ErrorTrace SimpleAggregateFunction(max, String),   -- '' when no call failed
    SlowTrace AggregateFunction(argMax, String, UInt64)
) ENGINE = {{ENGINE:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Minute, Source, Target, EdgeKind, TargetKind)
TTL Minute + toIntervalDay(90);

{{DISTRIBUTED:topology_edge_minutes:cityHash64(TenantId)}};

-- Requests each service served per operation and minute (server and consumer spans, and trace
-- roots of any kind: Roots counts the requests that entered the system there).
CREATE TABLE IF NOT EXISTS {{LOCAL:topology_node_minutes}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Service LowCardinality(String),
    Operation LowCardinality(String),         -- the span name
    SpanKind LowCardinality(String),
    Requests SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    Roots SimpleAggregateFunction(sum, UInt64),
    Latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64),
    SampleTrace SimpleAggregateFunction(any, String),
    ErrorTrace SimpleAggregateFunction(max, String),
    SlowTrace AggregateFunction(argMax, String, UInt64)
) ENGINE = {{ENGINE:AggregatingMergeTree()}}
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Minute, Service, Operation, SpanKind)
TTL Minute + toIntervalDay(90);

{{DISTRIBUTED:topology_node_minutes:cityHash64(TenantId)}};

-- How far the updater has derived the map (one row per tenant; the newest UpdatedAt wins).
CREATE TABLE IF NOT EXISTS {{LOCAL:topology_watermarks}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    MeasuredFrom DateTime,
    MeasuredTo DateTime,
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
ORDER BY TenantId;

{{DISTRIBUTED:topology_watermarks:cityHash64(TenantId)}};

-- Spans per hour that the derived rows were computed from: a different count later means spans
-- arrived late (a backfill, a retrying Collector) and the hour is derived again.
CREATE TABLE IF NOT EXISTS {{LOCAL:topology_span_counts}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    Hour DateTime,
    Spans UInt64,
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
PARTITION BY toYYYYMM(Hour)
ORDER BY (TenantId, Hour)
TTL Hour + toIntervalDay(90);

{{DISTRIBUTED:topology_span_counts:cityHash64(TenantId)}};

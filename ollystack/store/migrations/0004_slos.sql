-- SLOs (see ollystack/slo). Definitions are versioned rows: the newest UpdatedAt wins.
CREATE TABLE IF NOT EXISTS {{LOCAL:slos}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    SLOId UUID,
    Name String,
    Description String,
    ServiceName LowCardinality(String),
    SLIType LowCardinality(String),           -- latency, error_rate, availability
    SLIQuery String,                          -- the SLI as JSON: source, filters, threshold
    SLIThreshold Float64,                     -- latency threshold (ms) or bucket bound; 0 for ratios
    SLIOperator LowCardinality(String),       -- lte for latency, '' for ratios
    TargetPercentage Float64,
    WindowDays UInt16,
    WindowType LowCardinality(String),        -- rolling, calendar
    BurnRateThresholds Array(Float64),
    AlertChannels Array(String),
    Spec String,                              -- the whole definition as JSON
    SLIHash UInt64,                           -- which measurements belong to this definition
    Origin String,                            -- file path, 'cli', 'chat' or 'api'
    Deleted UInt8 DEFAULT 0,
    CreatedAt DateTime64(3),
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
ORDER BY (TenantId, SLOId);

{{DISTRIBUTED:slos:cityHash64(TenantId)}};

-- Good/total per SLO and minute, maintained incrementally by the evaluator. A minute is written
-- again while late data may still arrive; the newest write wins. SLIHash ties rows to the SLI
-- definition that produced them, so an edited SLI is measured afresh.
CREATE TABLE IF NOT EXISTS {{LOCAL:slo_measurements}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    SLOId UUID,
    SLIHash UInt64,
    Timestamp DateTime CODEC(Delta(4), ZSTD(1)),
    TotalCount UInt64,
    GoodCount UInt64,
    BadCount UInt64,
    SLIValue Float64,                         -- the minute's SLI: good ratio, or the latency quantile (ms)
    IsGood UInt8,                             -- timeslice verdict for period-based budgeting
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
PARTITION BY toYYYYMM(Timestamp)
ORDER BY (TenantId, SLOId, SLIHash, Timestamp)
TTL Timestamp + toIntervalDay(400);

{{DISTRIBUTED:slo_measurements:cityHash64(SLOId)}};

-- How far each SLI has been measured (the incremental evaluator's watermark).
CREATE TABLE IF NOT EXISTS {{LOCAL:slo_watermarks}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    SLOId UUID,
    SLIHash UInt64,
    MeasuredFrom DateTime,
    MeasuredTo DateTime,
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
ORDER BY (TenantId, SLOId, SLIHash);

{{DISTRIBUTED:slo_watermarks:cityHash64(SLOId)}};

-- Burn-rate alert transitions (append-only): firing, resolved, no_data.
CREATE TABLE IF NOT EXISTS {{LOCAL:slo_alert_events}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    SLOId UUID,
    SLOName String,
    Severity LowCardinality(String),
    LongWindowSeconds UInt32,
    ShortWindowSeconds UInt32,
    BurnRateThreshold Float64,
    State LowCardinality(String),
    At DateTime64(3),
    LongBurnRate Float64,
    ShortBurnRate Float64
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toYYYYMM(At)
ORDER BY (TenantId, SLOId, At);

{{DISTRIBUTED:slo_alert_events:cityHash64(SLOId)}};

-- Signals from detectors and SLO alerts; the incidents capability turns them into incidents.
CREATE TABLE IF NOT EXISTS {{LOCAL:signals}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    SignalId UUID,
    Source LowCardinality(String),            -- slo, metric_anomaly, log_pattern, ...
    Kind LowCardinality(String),              -- e.g. slo_burn_rate
    State LowCardinality(String),             -- firing, resolved
    Service LowCardinality(String),
    Series String,                            -- what was watched: an SLO name, a metric series
    Title String,
    Severity LowCardinality(String),          -- critical, high, warning, info
    Score Float64,
    Start DateTime64(3),
    At DateTime64(3),
    Evidence String,                          -- JSON: the numbers behind the signal
    Query String,                             -- SQL that reproduces them
    DedupKey String
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toYYYYMM(At)
ORDER BY (TenantId, At, Service);

{{DISTRIBUTED:signals:cityHash64(TenantId)}};

-- Synthetic check runs (written by the synthetics runners; an availability SLI can read them).
CREATE TABLE IF NOT EXISTS {{LOCAL:synthetics_runs}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    RunId UUID,
    CanaryId UUID,
    CanaryName LowCardinality(String),
    Timestamp DateTime64(3),
    Success UInt8,
    Duration Float64,
    Region LowCardinality(String),
    Steps Nested(Name String, Duration Float64, Success UInt8, Screenshot String),
    ErrorMessage String,
    ErrorStack String,
    TraceId String
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(Timestamp)
ORDER BY (TenantId, CanaryName, Timestamp);

{{DISTRIBUTED:synthetics_runs:cityHash64(CanaryName)}};


-- Log patterns (see ollystack/detect/logindex.py). Templates mined from otel_logs bodies, one
-- miner per tenant and service. A row is rewritten when the template is new or generalises, and
-- otherwise at most every few minutes of data, so Count and LastSeen may lag by that much; the
-- newest UpdatedAt wins. FirstSeen restarts when a template comes back after 14 days unseen.
CREATE TABLE IF NOT EXISTS {{LOCAL:log_templates}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    ServiceName LowCardinality(String),
    TemplateId String,                        -- stable fingerprint of the template's first form
    Template String,                          -- tokens with <*> where values vary
    FirstSeen DateTime64(3),
    LastSeen DateTime64(3),
    Count UInt64,                             -- lines since FirstSeen
    ErrorCount UInt64,                        -- of them with SeverityNumber >= 17 (ERROR and above)
    MaxSeverity UInt8,                        -- highest SeverityNumber seen
    Sample String,                            -- a line of the template (its first line, truncated)
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
ORDER BY (TenantId, ServiceName, TemplateId)
TTL toDateTime(LastSeen) + toIntervalDay(90);

{{DISTRIBUTED:log_templates:cityHash64(ServiceName)}};

-- Lines per template and minute. Each minute is written once, after the lateness margin (the
-- indexer's watermark says how far); rows past the watermark left by a crash are deleted before
-- indexing resumes, so plain MergeTree suffices and readers need no FINAL.
CREATE TABLE IF NOT EXISTS {{LOCAL:log_pattern_minutes}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    ServiceName LowCardinality(String),
    TemplateId String,
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Count UInt32,
    ErrorCount UInt32
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toDate(Minute)
ORDER BY (TenantId, ServiceName, Minute, TemplateId)
TTL Minute + toIntervalDay(60);

{{DISTRIBUTED:log_pattern_minutes:cityHash64(ServiceName)}};

-- The miners' state, so pattern ids survive a restart: one row per service (State is the
-- miner's JSON, written when its templates change; Since is when the service was first indexed)
-- and one per tenant with ServiceName '' whose Watermark is how far otel_logs has been indexed.
CREATE TABLE IF NOT EXISTS {{LOCAL:log_miner_state}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    ServiceName LowCardinality(String),
    State String,
    Since DateTime,
    Watermark DateTime,
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
ORDER BY (TenantId, ServiceName);

{{DISTRIBUTED:log_miner_state:cityHash64(TenantId)}};

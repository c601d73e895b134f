-- Rows per source key (service, metric, check) and minute when their SLIs were last measured:
-- spans that arrive for a minute already measured (backfills, retries) change the raw count, and
-- the evaluator measures that hour again.
CREATE TABLE IF NOT EXISTS {{LOCAL:slo_source_counts}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    Source LowCardinality(String),
    Key String,
    Minute DateTime,
    Rows UInt64,
    UpdatedAt DateTime64(3)
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
PARTITION BY toYYYYMM(Minute)
ORDER BY (TenantId, Source, Key, Minute)
TTL Minute + toIntervalDay(60);

{{DISTRIBUTED:slo_source_counts:cityHash64(Key)}};

-- Suppression windows for detectors (planned work): signals of matching series are not raised.
CREATE TABLE IF NOT EXISTS {{LOCAL:detector_suppressions}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    SuppressionId UUID,
    Pattern String,                           -- fnmatch over `service/name:measure`
    Start DateTime64(3),
    End DateTime64(3),
    Reason String,
    CreatedBy String,
    CreatedAt DateTime64(3)
) ENGINE = {{ENGINE:MergeTree()}}
ORDER BY (TenantId, End, SuppressionId);

{{DISTRIBUTED:detector_suppressions:cityHash64(TenantId)}};

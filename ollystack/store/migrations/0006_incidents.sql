-- Incidents (see ollystack/incidents). Each change writes a new version of the row; the newest
-- UpdatedAt wins, so readers use FINAL. Members holds the latest state of every member signal
-- (JSON), which auto-resolve and dedup need after a restart.
CREATE TABLE IF NOT EXISTS {{LOCAL:incidents}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    IncidentId UUID,
    Title String,
    Severity LowCardinality(String),          -- critical, high, warning, info
    Status LowCardinality(String),            -- open, acknowledged, mitigated, resolved
    Services Array(String),                   -- in the order they joined
    Roles Map(String, String),                -- service -> role (suspected cause, affected, ...)
    OpenedAt DateTime64(3),
    UpdatedAt DateTime64(3),
    ResolvedAt Nullable(DateTime64(3)),
    ResolvedBy String,                        -- a person, or '' when it resolved on its own
    AcknowledgedBy String,
    AcknowledgedAt Nullable(DateTime64(3)),
    Flapping UInt8,
    ReopenCount UInt32,
    ReopenedAt Array(DateTime64(3)),          -- when it reopened (flapping is counted from these)
    DedupKeys Array(String),                  -- member signals' dedup keys
    Members String,                           -- JSON: member signal key -> latest state
    Channel String                            -- the notifier's channel reference
) ENGINE = {{ENGINE:ReplacingMergeTree(UpdatedAt)}}
ORDER BY (TenantId, IncidentId);

{{DISTRIBUTED:incidents:cityHash64(IncidentId)}};

-- The timeline of each incident (append-only): signals, deploys, messages, actions, status changes.
CREATE TABLE IF NOT EXISTS {{LOCAL:incident_events}} {{ON_CLUSTER}} (
    TenantId LowCardinality(String) DEFAULT 'default',
    IncidentId UUID,
    EventId UUID,
    At DateTime64(3),
    Seq UInt64,                               -- write order, for events of the same millisecond
    Kind LowCardinality(String),              -- signal, deploy, message, action, status
    Text String,
    Data String                               -- JSON
) ENGINE = {{ENGINE:MergeTree()}}
PARTITION BY toYYYYMM(At)
ORDER BY (TenantId, IncidentId, At);

{{DISTRIBUTED:incident_events:cityHash64(IncidentId)}};

-- The four canonical event tables: the envelope (same columns in each) and the kind's body.
-- Columns match src/events/schema.ts; test/integration/store-schema.test.ts fails when they drift.

-- Authentication (OCSF 3002): logins, logouts, MFA
CREATE TABLE IF NOT EXISTS auth_events
(
    event_id String,
    time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    observed_time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    tenant LowCardinality(String),
    source LowCardinality(String),
    emitter_id LowCardinality(String),
    emitter_seq Nullable(UInt64),
    correlation_id String CODEC(ZSTD(1)),
    session_id String CODEC(ZSTD(1)),
    principal_id String,
    principal_type LowCardinality(String),
    device_id String CODEC(ZSTD(1)),
    src_ip String CODEC(ZSTD(1)),
    user_agent LowCardinality(String),
    geo_country LowCardinality(String),
    asn UInt32,
    app LowCardinality(String),
    ocsf_class_uid UInt16,
    ocsf_activity_id UInt8,
    outcome Enum8('success' = 1, 'failure' = 2, 'error' = 3),
    auth_method LowCardinality(String),
    mfa Nullable(Bool),
    idp LowCardinality(String),
    latency_ms Nullable(Float64),
    failure_reason String CODEC(ZSTD(1)),
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_src_ip src_ip TYPE bloom_filter(0.01) GRANULARITY 4
)
-- ReplacingMergeTree on the full sort key: a redelivered event (same deterministic
-- event_id, time and principal) collapses into one row; queries use FINAL to count
-- correctly before merges. See docs/ARCHITECTURE.md, "Exactly once in the store".
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, principal_id, time, event_id)
TTL toDate(time) + toIntervalDay({retention_days:UInt32});

-- Authorize Session (OCSF 3003): policy decisions
CREATE TABLE IF NOT EXISTS policy_events
(
    event_id String,
    time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    observed_time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    tenant LowCardinality(String),
    source LowCardinality(String),
    emitter_id LowCardinality(String),
    emitter_seq Nullable(UInt64),
    correlation_id String CODEC(ZSTD(1)),
    session_id String CODEC(ZSTD(1)),
    principal_id String,
    principal_type LowCardinality(String),
    device_id String CODEC(ZSTD(1)),
    src_ip String CODEC(ZSTD(1)),
    user_agent LowCardinality(String),
    geo_country LowCardinality(String),
    asn UInt32,
    app LowCardinality(String),
    ocsf_class_uid UInt16,
    ocsf_activity_id UInt8,
    decision Enum8('allow' = 1, 'deny' = 2, 'error' = 3),
    policy_id LowCardinality(String),
    policy_version LowCardinality(String),
    rule LowCardinality(String),
    action LowCardinality(String),
    eval_latency_ms Nullable(Float64),
    reasons Array(String) CODEC(ZSTD(1)),
    enforcement_point LowCardinality(String),
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_src_ip src_ip TYPE bloom_filter(0.01) GRANULARITY 4
)
-- ReplacingMergeTree on the full sort key: a redelivered event (same deterministic
-- event_id, time and principal) collapses into one row; queries use FINAL to count
-- correctly before merges. See docs/ARCHITECTURE.md, "Exactly once in the store".
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, principal_id, time, event_id)
TTL toDate(time) + toIntervalDay({retention_days:UInt32});

-- Device Config State (OCSF 5002): device posture reports
CREATE TABLE IF NOT EXISTS posture_events
(
    event_id String,
    time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    observed_time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    tenant LowCardinality(String),
    source LowCardinality(String),
    emitter_id LowCardinality(String),
    emitter_seq Nullable(UInt64),
    correlation_id String CODEC(ZSTD(1)),
    session_id String CODEC(ZSTD(1)),
    principal_id String,
    principal_type LowCardinality(String),
    device_id String CODEC(ZSTD(1)),
    src_ip String CODEC(ZSTD(1)),
    user_agent LowCardinality(String),
    geo_country LowCardinality(String),
    asn UInt32,
    app LowCardinality(String),
    ocsf_class_uid UInt16,
    ocsf_activity_id UInt8,
    compliant Bool,
    checks Array(Tuple(name LowCardinality(String), passed Bool)),
    agent_version LowCardinality(String),
    os LowCardinality(String),
    posture_score Nullable(Float32),
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_src_ip src_ip TYPE bloom_filter(0.01) GRANULARITY 4
)
-- ReplacingMergeTree on the full sort key: a redelivered event (same deterministic
-- event_id, time and principal) collapses into one row; queries use FINAL to count
-- correctly before merges. See docs/ARCHITECTURE.md, "Exactly once in the store".
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, principal_id, time, event_id)
TTL toDate(time) + toIntervalDay({retention_days:UInt32});

-- Authentication (OCSF 3002) token activities: issue, refresh, revoke, use, introspect, exchange
CREATE TABLE IF NOT EXISTS token_events
(
    event_id String,
    time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    observed_time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    tenant LowCardinality(String),
    source LowCardinality(String),
    emitter_id LowCardinality(String),
    emitter_seq Nullable(UInt64),
    correlation_id String CODEC(ZSTD(1)),
    session_id String CODEC(ZSTD(1)),
    principal_id String,
    principal_type LowCardinality(String),
    device_id String CODEC(ZSTD(1)),
    src_ip String CODEC(ZSTD(1)),
    user_agent LowCardinality(String),
    geo_country LowCardinality(String),
    asn UInt32,
    app LowCardinality(String),
    ocsf_class_uid UInt16,
    ocsf_activity_id UInt8,
    activity Enum8('issue' = 1, 'refresh' = 2, 'revoke' = 3, 'use' = 4, 'introspect' = 5, 'exchange' = 6),
    token_id String,
    token_type LowCardinality(String),
    issued_at Nullable(DateTime64(3, 'UTC')),
    expires_at Nullable(DateTime64(3, 'UTC')),
    client_id LowCardinality(String),
    audience LowCardinality(String),
    scopes Array(LowCardinality(String)),
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_src_ip src_ip TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_token_id token_id TYPE bloom_filter(0.01) GRANULARITY 4
)
-- ReplacingMergeTree on the full sort key: a redelivered event (same deterministic
-- event_id, time and principal) collapses into one row; queries use FINAL to count
-- correctly before merges. See docs/ARCHITECTURE.md, "Exactly once in the store".
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, principal_id, time, event_id)
TTL toDate(time) + toIntervalDay({retention_days:UInt32});

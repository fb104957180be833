-- The uses of tokens more than an hour after their issue, for the analyst's table of the
-- longest-lived tokens in use (the guide's M6; sql/dashboards/longest_lived_tokens.sql). Short-
-- lived tokens, the guide's goal, never reach it, so a day of it is a few rows where a day of
-- token uses is millions: read from `events`, the panel took seconds at 10 M events. An hour is
-- the default ZTNA_TOKEN_AGE_LIMIT_SECONDS; the Prometheus counter follows the configured limit.
-- Fingerprints only, and no principal: a trail by token_id says who. A redelivered use is the
-- same row (its event_id).
CREATE TABLE IF NOT EXISTS long_lived_token_uses
(
    time DateTime64(3, 'UTC'),
    tenant LowCardinality(String),
    token_id String CODEC(ZSTD(1)),
    token_type LowCardinality(String),
    client_id LowCardinality(String),
    age_seconds Float64,
    lifetime_seconds Nullable(Float64),
    event_id String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, toStartOfHour(time), token_id, event_id)
TTL toDate(time) + toIntervalDay({retention_days:UInt32});

CREATE MATERIALIZED VIEW IF NOT EXISTS long_lived_token_uses_mv TO long_lived_token_uses AS
SELECT time, tenant, token_id, token_type, client_id,
       (toUnixTimestamp64Milli(time) - toUnixTimestamp64Milli(assumeNotNull(issued_at))) / 1000 AS age_seconds,
       (toUnixTimestamp64Milli(expires_at) - toUnixTimestamp64Milli(issued_at)) / 1000 AS lifetime_seconds,
       event_id
FROM events
WHERE kind = 'token' AND activity = 'use' AND issued_at IS NOT NULL
  AND toUnixTimestamp64Milli(time) - toUnixTimestamp64Milli(assumeNotNull(issued_at)) > 3600000;

INSERT INTO long_lived_token_uses
SELECT time, tenant, token_id, token_type, client_id,
       (toUnixTimestamp64Milli(time) - toUnixTimestamp64Milli(assumeNotNull(issued_at))) / 1000 AS age_seconds,
       (toUnixTimestamp64Milli(expires_at) - toUnixTimestamp64Milli(issued_at)) / 1000 AS lifetime_seconds,
       event_id
FROM events
WHERE kind = 'token' AND activity = 'use' AND issued_at IS NOT NULL
  AND toUnixTimestamp64Milli(time) - toUnixTimestamp64Milli(assumeNotNull(issued_at)) > 3600000;

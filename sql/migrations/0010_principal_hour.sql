-- The principals that signed in, per tenant and hour, for the analyst's principal picker
-- (sql/dashboards/principals.sql): a week of sign-ins is read as a few thousand rows instead
-- of every event's principal. A redelivered row, or the backfill run again, is the same row.
CREATE TABLE IF NOT EXISTS principal_hour
(
    hour DateTime('UTC'),
    tenant LowCardinality(String),
    principal_id String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, principal_id)
TTL toDate(hour) + toIntervalDay({retention_days:UInt32});

CREATE MATERIALIZED VIEW IF NOT EXISTS principal_hour_mv TO principal_hour AS
SELECT DISTINCT toStartOfHour(time) AS hour, tenant, principal_id
FROM events WHERE kind = 'auth' AND principal_id != '';

INSERT INTO principal_hour
SELECT DISTINCT toStartOfHour(time) AS hour, tenant, principal_id
FROM events WHERE kind = 'auth' AND principal_id != '';

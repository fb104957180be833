-- The apps each principal was allowed into, per tenant and day (the guide's F10, over-privilege:
-- sql/queries/access_unused.sql, access_rare.sql): a quarter of decisions reads as a few rows per
-- principal and app instead of every decision. A redelivered decision, or the backfill run again,
-- is the same row. Allow decisions only: a decision is a request the principal made, so an allow
-- is both proof the policy let them in and a use of that access.
CREATE TABLE IF NOT EXISTS principal_app_day
(
    day Date,
    tenant LowCardinality(String),
    principal_id String CODEC(ZSTD(1)),
    app LowCardinality(String) CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, principal_id, app)
TTL toDate(day) + toIntervalDay({retention_days:UInt32});

CREATE MATERIALIZED VIEW IF NOT EXISTS principal_app_day_mv TO principal_app_day AS
SELECT DISTINCT toDate(time) AS day, tenant, principal_id, app
FROM events WHERE kind = 'policy' AND decision = 'allow' AND principal_id != '' AND app != '';

INSERT INTO principal_app_day
SELECT DISTINCT toDate(time) AS day, tenant, principal_id, app
FROM events WHERE kind = 'policy' AND decision = 'allow' AND principal_id != '' AND app != '';

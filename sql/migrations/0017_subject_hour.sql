-- Where a session, token, source IP or device was seen: per tenant and value, the hours and the
-- principals of its events (docs/ARCHITECTURE.md, "Trails and sessions"). The trail and the
-- session timeline look a subject up here first, then read `events` by its sort key (tenant,
-- hour, principal) in those runs only: one or two granules per hour the subject was seen in.
-- The bloom filters on `events` still narrow those runs, but alone they passed every granule
-- group whose filter gave a false positive: ~1 % of every granule group in the range, which is
-- most of what a session, token or IP look-up read at 10 M events.
-- The principal is a subject too, so that a principal's trail can tell cheaply whether any event
-- without a principal ('') in its range could be related to it (usually none is): without this,
-- reading where such events would sort cost a granule per hour and part.
-- Correlation ids are not here: nearly every event has its own, so this table would hold a row
-- per event for them. A redelivered event, or the backfill run again, writes the same row.
CREATE TABLE IF NOT EXISTS subject_hour
(
    tenant LowCardinality(String),
    subject Enum8('session_id' = 1, 'token_id' = 2, 'src_ip' = 3, 'device_id' = 4, 'principal_id' = 5),
    value String CODEC(ZSTD(1)),
    hour DateTime('UTC') CODEC(Delta, ZSTD(1)),
    principal_id String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, subject, value, hour, principal_id)
TTL toDate(hour) + toIntervalDay({retention_days:UInt32})
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS subject_hour_mv TO subject_hour AS
SELECT DISTINCT tenant, subject, value, toStartOfHour(time) AS hour, principal_id
FROM events
ARRAY JOIN ['session_id', 'token_id', 'src_ip', 'device_id', 'principal_id'] AS subject,
           [session_id, token_id, src_ip, device_id, principal_id] AS value
WHERE value != '' OR subject = 'principal_id';

INSERT INTO subject_hour
SELECT DISTINCT tenant, subject, value, toStartOfHour(time) AS hour, principal_id
FROM events
ARRAY JOIN ['session_id', 'token_id', 'src_ip', 'device_id', 'principal_id'] AS subject,
           [session_id, token_id, src_ip, device_id, principal_id] AS value
WHERE value != '' OR subject = 'principal_id';

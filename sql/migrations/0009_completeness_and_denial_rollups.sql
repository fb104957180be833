-- Rollups written at insert for the queries that read whole ranges (docs/ARCHITECTURE.md,
-- "SLIs"): telemetry completeness and denials. Every state is a set or a maximum, so a
-- redelivered row, or this whole migration run again after a crash, changes nothing.

-- Per emitter and minute: the sequence numbers seen (a roaring bitmap: consecutive numbers
-- take a few bytes per run), the last row's number in (time, seq) order, and whether any
-- number is at or below 10 (the restart threshold, `restartMaxSeq`): only such a row can
-- start a new segment, so sql/queries/telemetry_completeness.sql reads the raw rows of
-- those minutes, and of the range's two partial minutes, and takes every other minute whole.
CREATE TABLE IF NOT EXISTS emitter_minute
(
    minute DateTime('UTC'),
    tenant LowCardinality(String),
    emitter_id LowCardinality(String),
    seqs AggregateFunction(groupBitmap, UInt64),
    last_seq AggregateFunction(argMax, UInt64, Tuple(DateTime64(3, 'UTC'), UInt64)),
    low_seq SimpleAggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (tenant, minute, emitter_id)
TTL toDate(minute) + toIntervalDay({retention_days:UInt32});

CREATE MATERIALIZED VIEW IF NOT EXISTS emitter_minute_mv TO emitter_minute AS
SELECT toStartOfMinute(time) AS minute, tenant, emitter_id,
       groupBitmapState(assumeNotNull(emitter_seq)) AS seqs,
       argMaxState(assumeNotNull(emitter_seq), (time, assumeNotNull(emitter_seq))) AS last_seq,
       max(toUInt8(assumeNotNull(emitter_seq) <= 10)) AS low_seq
FROM events WHERE emitter_seq IS NOT NULL GROUP BY minute, tenant, emitter_id;

-- Per minute, tenant, app, principal and policy: the 64-bit hashes of the denied decisions'
-- ids (exact distinct counts, as in sli_minute). Denials are a small share of the decisions,
-- so the risk summary and the denial panels read this instead of a week of decisions.
CREATE TABLE IF NOT EXISTS denial_minute
(
    minute DateTime('UTC'),
    tenant LowCardinality(String),
    app LowCardinality(String),
    principal_id String CODEC(ZSTD(1)),
    policy_id LowCardinality(String),
    policy_version LowCardinality(String),
    denied AggregateFunction(uniqExact, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (tenant, minute, app, principal_id, policy_id, policy_version)
TTL toDate(minute) + toIntervalDay({retention_days:UInt32});

CREATE MATERIALIZED VIEW IF NOT EXISTS denial_minute_mv TO denial_minute AS
SELECT toStartOfMinute(time) AS minute, tenant, app, principal_id, policy_id, policy_version,
       uniqExactState(sipHash64(event_id)) AS denied
FROM events WHERE kind = 'policy' AND decision = 'deny'
GROUP BY minute, tenant, app, principal_id, policy_id, policy_version;

-- The events already stored. Events that arrive while this runs may be counted by the views
-- and again here: the states are sets, so they count once.
INSERT INTO emitter_minute
SELECT toStartOfMinute(time) AS minute, tenant, emitter_id,
       groupBitmapState(assumeNotNull(emitter_seq)) AS seqs,
       argMaxState(assumeNotNull(emitter_seq), (time, assumeNotNull(emitter_seq))) AS last_seq,
       max(toUInt8(assumeNotNull(emitter_seq) <= 10)) AS low_seq
FROM events WHERE emitter_seq IS NOT NULL GROUP BY minute, tenant, emitter_id;

INSERT INTO denial_minute
SELECT toStartOfMinute(time) AS minute, tenant, app, principal_id, policy_id, policy_version,
       uniqExactState(sipHash64(event_id)) AS denied
FROM events WHERE kind = 'policy' AND decision = 'deny'
GROUP BY minute, tenant, app, principal_id, policy_id, policy_version;

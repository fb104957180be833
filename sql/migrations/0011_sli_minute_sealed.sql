-- Closed minutes of sli_minute sealed into plain counts (docs/ARCHITECTURE.md, "SLIs"). A
-- minute's sets of event ids are what keeps a redelivered event from counting twice, but a week
-- of them is ~100 MB to merge at 10 M events; once a minute is closed its counts no longer
-- change, unless a late or backfilled event lands in it. sql/queries/sli_seal.sql seals the
-- minutes that closed since its last pass and re-seals those with rows inserted since then,
-- which `inserted` (the time a view wrote the row) tells it without reading a set.
-- Rows written before this migration hold 0, on disk (a default left to be computed on read
-- would follow the later DEFAULT, "now" at every read): the first pass seals their minutes, and
-- only rows written since then can make a pass re-seal one.
ALTER TABLE sli_minute ADD COLUMN IF NOT EXISTS inserted SimpleAggregateFunction(max, DateTime('UTC')) DEFAULT toDateTime(0, 'UTC');

ALTER TABLE sli_minute MATERIALIZE COLUMN inserted SETTINGS mutations_sync = 2;

ALTER TABLE sli_minute MODIFY COLUMN inserted DEFAULT now();

-- One row per (sli, tenant, app, minute) and seal: a re-seal writes the minute again with the
-- later `sealed_through` (the newest `inserted` it counted), which replaces the earlier one.
CREATE TABLE IF NOT EXISTS sli_minute_sealed
(
    minute DateTime('UTC'),
    sli LowCardinality(String),
    tenant LowCardinality(String),
    app LowCardinality(String),
    good UInt64,
    valid UInt64,
    sealed_through DateTime('UTC')
)
ENGINE = ReplacingMergeTree(sealed_through)
PARTITION BY toYYYYMM(minute)
ORDER BY (sli, tenant, app, minute)
TTL toDate(minute) + toIntervalDay({retention_days:UInt32});

-- Good and valid events per SLI, tenant, app and minute in [from, to): sealed counts up to the
-- last sealed minute, the sets' counts after it. Every query of SLI counts reads this.
CREATE VIEW IF NOT EXISTS sli_minute_counts AS
WITH (SELECT max(minute) + 60 FROM sli_minute_sealed) AS sealed_before
SELECT sli, tenant, app, minute, good AS good_events, valid AS valid_events
FROM sli_minute_sealed FINAL
WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < least({to:DateTime64(3, 'UTC')}, sealed_before)
UNION ALL
SELECT sli, tenant, app, minute, toUInt64(uniqExactMerge(valid) - uniqExactIfMerge(bad)) AS good_events, uniqExactMerge(valid) AS valid_events
FROM sli_minute
WHERE minute >= greatest(toStartOfMinute({from:DateTime64(3, 'UTC')}), sealed_before) AND minute < {to:DateTime64(3, 'UTC')}
GROUP BY sli, tenant, app, minute;

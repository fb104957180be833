-- Closed minutes of denial_minute sealed into plain counts, as 0011 does for sli_minute: the
-- risk summary's riskiest subjects and the denial panels read weeks of these rows, and merging
-- their sets of event-id hashes was most of the summary's time at 10 M events.
-- sql/queries/denial_seal.sql seals and re-seals them, in the same pass as the SLI minutes.
ALTER TABLE denial_minute ADD COLUMN IF NOT EXISTS inserted SimpleAggregateFunction(max, DateTime('UTC')) DEFAULT toDateTime(0, 'UTC');

ALTER TABLE denial_minute MATERIALIZE COLUMN inserted SETTINGS mutations_sync = 2;

ALTER TABLE denial_minute MODIFY COLUMN inserted DEFAULT now();

CREATE TABLE IF NOT EXISTS denial_minute_sealed
(
    minute DateTime('UTC'),
    tenant LowCardinality(String),
    app LowCardinality(String),
    principal_id String CODEC(ZSTD(1)),
    policy_id LowCardinality(String),
    policy_version LowCardinality(String),
    denied UInt64,
    sealed_through DateTime('UTC')
)
ENGINE = ReplacingMergeTree(sealed_through)
PARTITION BY toYYYYMM(minute)
ORDER BY (tenant, minute, app, principal_id, policy_id, policy_version)
TTL toDate(minute) + toIntervalDay({retention_days:UInt32});

-- Denied decisions per tenant, minute, app, principal and policy in [from, to): sealed counts up
-- to the newest sealed minute, the sets' counts after it. Every query of denial counts reads this.
CREATE VIEW IF NOT EXISTS denial_minute_counts AS
WITH (SELECT max(minute) + 60 FROM denial_minute_sealed) AS sealed_before
SELECT tenant, minute, app, principal_id, policy_id, policy_version, denied AS denials
FROM denial_minute_sealed FINAL
WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < least({to:DateTime64(3, 'UTC')}, sealed_before)
UNION ALL
SELECT tenant, minute, app, principal_id, policy_id, policy_version, uniqExactMerge(denied) AS denials
FROM denial_minute
WHERE minute >= greatest(toStartOfMinute({from:DateTime64(3, 'UTC')}), sealed_before) AND minute < {to:DateTime64(3, 'UTC')}
GROUP BY tenant, minute, app, principal_id, policy_id, policy_version;

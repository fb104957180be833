-- The anomalies already raised in the scoring window [from, to): a replica that gains keyed
-- partitions marks them as raised in the scorers' rebuilt state (a burst's cooldown, a
-- credential's reported reasons), so that it does not raise them again; those joined to an
-- incident are in its evidence (`related`), and marked too.
SELECT anomaly_id, type, tenant, key, toUnixTimestamp64Milli(time) AS ms, evidence
FROM anomalies FINAL
WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
ORDER BY time

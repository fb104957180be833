-- Anomalies raised by the scorers (token replay, denial bursts), each with its evidence.
-- anomaly_id is derived from the triggering event, so a replay after a restart is stored once.
CREATE TABLE IF NOT EXISTS anomalies
(
    anomaly_id String,
    time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    detected_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    type LowCardinality(String),
    kind LowCardinality(String),
    score UInt8,
    severity LowCardinality(String),
    tenant LowCardinality(String),
    key String,
    evidence String CODEC(ZSTD(3)),
    INDEX idx_key key TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, type, time, anomaly_id)
TTL toDate(time) + toIntervalDay({retention_days:UInt32});

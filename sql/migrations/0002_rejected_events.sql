-- Dead letters: every record that could not be normalized, with its raw bytes and the reason.
-- raw_base64 holds the exact bytes (a record may not even be UTF-8); `raw` decodes them for reading.
CREATE TABLE IF NOT EXISTS rejected_events
(
    reject_id String,
    received_time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    door LowCardinality(String),
    topic LowCardinality(String),
    partition Nullable(Int32),
    offset Nullable(Int64),
    line Nullable(UInt64),
    reason String CODEC(ZSTD(1)),
    raw_size UInt32,
    raw_base64 String CODEC(ZSTD(3)),
    raw String ALIAS base64Decode(raw_base64)
)
-- reject_id is derived from where the record came from (topic, partition, offset or line) and
-- its bytes, so a redelivered reject collapses into one row like a redelivered event.
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(received_time)
ORDER BY (reject_id)
TTL toDate(received_time) + toIntervalDay({retention_days:UInt32});

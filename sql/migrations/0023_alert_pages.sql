-- SLO pages and other alerts Alertmanager delivered to POST /api/v1/alerts (the guide's M9:
-- incidents are anomalies and pages). One row per alert and start: `page_id` is derived from
-- Alertmanager's fingerprint of its labels and its start, so a repeated or resolved
-- notification replaces the row (the latest received wins) instead of adding one. `key` is what
-- it pages about (`slo:<slo>`, `emitter:<emitter>`, else `alert:<alertname>`), the key an
-- incident groups by. The summary is redacted of secrets before it is stored.
CREATE TABLE IF NOT EXISTS alert_pages
(
    tenant LowCardinality(String),
    page_id String,
    starts_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    ends_at Nullable(DateTime64(3, 'UTC')),
    received_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    status LowCardinality(String),
    alertname LowCardinality(String),
    severity LowCardinality(String),
    key String,
    summary String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(starts_at)
ORDER BY (tenant, starts_at, page_id)
TTL toDate(starts_at) + toIntervalDay({retention_days:UInt32});

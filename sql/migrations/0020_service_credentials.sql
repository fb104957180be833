-- Ephemeral credential rotation (the guide's M7). `credential_id` is the id of the credential a
-- service principal or workload identity signed in with or was issued: Entra's key id or
-- certificate thumbprint, a Teleport certificate's id; an id, never the secret.
ALTER TABLE events ADD COLUMN IF NOT EXISTS credential_id String CODEC(ZSTD(1)) AFTER app;

-- Each service credential seen: when it was first and last seen, and when it was issued and
-- expires where an issue event says so (a certificate's issue; a sign-in says neither). One row
-- per tenant, principal and credential once merged (min and max: a redelivered event changes
-- nothing), so the analyst's list and the executive's count read a few rows per service principal
-- where its sign-ins are thousands a day. Service principals only (principal_type 'service'),
-- which are not people. A credential unseen for the retention period is dropped with its row, so
-- first_seen is no older than the data the store holds: an age measured from it is a lower bound.
CREATE TABLE IF NOT EXISTS service_credentials
(
    tenant LowCardinality(String),
    principal_id String CODEC(ZSTD(1)),
    credential_id String CODEC(ZSTD(1)),
    source SimpleAggregateFunction(any, LowCardinality(String)),
    first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    issued_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    expires_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC')))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant, principal_id, credential_id)
TTL toDate(last_seen) + toIntervalDay({retention_days:UInt32});

CREATE MATERIALIZED VIEW IF NOT EXISTS service_credentials_mv TO service_credentials AS
SELECT tenant, principal_id, credential_id, any(source) AS source, min(time) AS first_seen, max(time) AS last_seen,
       minIf(issued_at, kind = 'token' AND activity IN ('issue', 'refresh')) AS issued_at,
       maxIf(expires_at, kind = 'token' AND activity IN ('issue', 'refresh')) AS expires_at
FROM events
WHERE principal_type = 'service' AND credential_id != '' AND principal_id != ''
GROUP BY tenant, principal_id, credential_id;

INSERT INTO service_credentials
SELECT tenant, principal_id, credential_id, any(source) AS source, min(time) AS first_seen, max(time) AS last_seen,
       minIf(issued_at, kind = 'token' AND activity IN ('issue', 'refresh')) AS issued_at,
       maxIf(expires_at, kind = 'token' AND activity IN ('issue', 'refresh')) AS expires_at
FROM events
WHERE principal_type = 'service' AND credential_id != '' AND principal_id != ''
GROUP BY tenant, principal_id, credential_id;

-- Service credentials (the guide's M7) seen in [from, to) by the tenants given, from migration
-- 0020's rollup: per credential, since when it has existed (its issue time where an issue event
-- gave one, else when it was first seen: then a lower bound), its age when last seen before {to}
-- (the time since its principal rotated it, for the principal's current credential: the one it
-- used last), and whether it breaks the policy's {max_age_ms}: used while older than that, or
-- issued for longer than that. {overdue} = 1 lists only those. Overdue first, then oldest first;
-- paged by offset.
SELECT tenant, principal_id, credential_id, source, first_seen, last_seen, issued_at, expires_at,
       if(issued_at IS NULL, 'first_seen', 'issued') AS age_basis,
       greatest(toInt64(0), toUnixTimestamp64Milli(seen_until) - toUnixTimestamp64Milli(since)) AS age_ms,
       if(issued_at IS NULL OR expires_at IS NULL, NULL,
          toUnixTimestamp64Milli(assumeNotNull(expires_at)) - toUnixTimestamp64Milli(assumeNotNull(issued_at))) AS lifetime_ms,
       seen_until = max(seen_until) OVER (PARTITION BY tenant, principal_id) AS current,
       multiIf(age_ms > {max_age_ms:UInt64}, 'used past the maximum age',
               lifetime_ms > {max_age_ms:UInt64}, 'issued for longer than the maximum age', '') AS overdue_reason
FROM (
    SELECT tenant, principal_id, credential_id, any(source) AS source, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
           min(issued_at) AS issued_at, max(expires_at) AS expires_at,
           coalesce(issued_at, first_seen) AS since, least(last_seen, {to:DateTime64(3, 'UTC')}) AS seen_until
    FROM service_credentials
    WHERE ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    GROUP BY tenant, principal_id, credential_id
    HAVING last_seen >= {from:DateTime64(3, 'UTC')} AND first_seen < {to:DateTime64(3, 'UTC')}
)
WHERE NOT {overdue:UInt8} OR overdue_reason != ''
ORDER BY overdue_reason = '', age_ms DESC, tenant, principal_id, credential_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}

-- The tokens in use that live longest (the guide's M6), from the uses more than an hour after
-- issue (migration 0016: short-lived tokens never appear) in [from, to) by the tenants given:
-- per token, by its fingerprint only (token_id is a jti or a keyed HMAC, never the token), its
-- oldest age at a use in the range, the lifetime it was issued for, its uses and its last use.
-- {min_age_seconds} (an hour or more) keeps the older ones. Oldest first; paged by offset.
SELECT tenant, token_id, argMax(token_type, time) AS token_type, argMax(client_id, time) AS client_id,
       max(age_seconds) AS max_age_seconds, max(lifetime_seconds) AS lifetime_seconds,
       count() AS uses, max(time) AS last_used
FROM long_lived_token_uses FINAL
WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
GROUP BY tenant, token_id
HAVING max_age_seconds >= {min_age_seconds:UInt32}
ORDER BY max_age_seconds DESC, tenant, token_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}

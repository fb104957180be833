-- The tokens in use that live longest (the guide's M6): per token, by its fingerprint only (token_id
-- is a jti or a keyed HMAC, never the token), its oldest age at a use in the range, the lifetime it
-- was issued for, its uses and who used it. Only the range's hours are read.
SELECT tenant, token_id, argMax(token_type, time) AS token_type, argMax(client_id, time) AS client_id,
       argMax(principal_id, time) AS principal_id,
       max(toUnixTimestamp64Milli(time) - toUnixTimestamp64Milli(issued_at)) / 1000 AS max_age_seconds,
       max(toUnixTimestamp64Milli(expires_at) - toUnixTimestamp64Milli(issued_at)) / 1000 AS lifetime_seconds,
       count() AS uses, max(time) AS last_used
FROM events FINAL
WHERE kind = 'token'
  AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND activity = 'use' AND issued_at IS NOT NULL
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY tenant, token_id
ORDER BY max_age_seconds DESC, tenant, token_id
LIMIT 20

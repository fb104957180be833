-- The newest denials with who, what, which policy and why.
SELECT time, tenant, principal_id, app, policy_id, policy_version, rule, arrayStringConcat(reasons, '; ') AS reasons, src_ip, device_id
FROM events FINAL
WHERE kind = 'policy'
  AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND decision = 'deny'
  AND ({tenant:String} = '' OR tenant = {tenant:String})
ORDER BY time DESC
LIMIT 200

-- Denials over time, by app.
SELECT {bucket:DateTime} AS bucket, app, count() AS denials
FROM policy_events FINAL
WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND decision = 'deny'
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY bucket, app
ORDER BY bucket, app

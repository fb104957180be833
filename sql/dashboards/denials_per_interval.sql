-- Denials over time, by app.
SELECT {bucket:DateTime} AS bucket, app, count() AS denials
FROM events FINAL
WHERE kind = 'policy'
  AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND decision = 'deny'
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY bucket, app
ORDER BY bucket, app

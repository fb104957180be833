-- Principals seen in the range, for the analyst's principal picker (no FINAL: a redelivered
-- copy names the same principal).
SELECT DISTINCT principal_id
FROM events
WHERE kind = 'auth'
  AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND principal_id != ''
  AND ({tenant:String} = '' OR tenant = {tenant:String})
ORDER BY principal_id
LIMIT 1000

-- Policy decisions and denials per day in [from, to), every day present (WITH FILL).
SELECT toDate(time) AS day, countIf(decision = 'deny') AS denials, count() AS decisions
FROM events FINAL
WHERE kind = 'policy'
  AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY day
ORDER BY day WITH FILL FROM toDate({from:DateTime64(3, 'UTC')}) TO toDate({to:DateTime64(3, 'UTC')}) + 1
SETTINGS max_execution_time = 30

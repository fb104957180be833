-- What is denied most: {subject} is an expression over policy_events (app, or policy@version).
SELECT {subject:Identifier} AS subject, count() AS denials, uniqExact(principal_id) AS principals
FROM events FINAL
WHERE kind = 'policy'
  AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND decision = 'deny'
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY subject
ORDER BY denials DESC, subject
LIMIT 10

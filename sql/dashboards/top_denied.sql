-- What is denied most: {subject} is an expression over policy_events (app, or policy@version).
SELECT {subject:Identifier} AS subject, count() AS denials, uniqExact(principal_id) AS principals
FROM policy_events FINAL
WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND decision = 'deny'
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY subject
ORDER BY denials DESC, subject
LIMIT 10

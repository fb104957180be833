-- What is denied most, from the per-minute denial rollup (whole minutes): {subject} is an
-- expression over its columns (app, or policy@version).
SELECT {subject:Identifier} AS subject, uniqExactMerge(denied) AS denials, uniqExact(principal_id) AS principals
FROM denial_minute
WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY subject
ORDER BY denials DESC, subject
LIMIT 10

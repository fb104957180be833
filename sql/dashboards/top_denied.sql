-- What is denied most, from the per-minute denial counts (whole minutes): {subject} is an
-- expression over its columns (app, or policy@version).
SELECT {subject:Identifier} AS subject, sum(denials) AS denials, uniqExact(principal_id) AS principals
FROM denial_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
WHERE {tenant:String} = '' OR tenant = {tenant:String}
GROUP BY subject
ORDER BY denials DESC, subject
LIMIT 10

-- Principals that signed in during the range's hours (whole hours), for the analyst's
-- principal picker, from the per-hour rollup (principal_hour, migration 0010).
SELECT DISTINCT principal_id
FROM principal_hour
WHERE hour BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
  AND ({tenant:String} = '' OR tenant = {tenant:String})
ORDER BY principal_id
LIMIT 1000

-- Good and valid events per SLI over [from, to), from the per-minute rollups.
-- An empty tenant means all tenants.
SELECT sli, uniqExactIfMerge(good) AS good, uniqExactMerge(valid) AS valid
FROM sli_minute
WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')})
  AND minute < {to:DateTime64(3, 'UTC')}
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY sli
ORDER BY sli

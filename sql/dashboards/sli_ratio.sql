-- One SLI (good / valid) over the dashboard's time range, from the per-minute rollups.
SELECT (uniqExactMerge(valid) - uniqExactIfMerge(bad)) / uniqExactMerge(valid) AS value
FROM sli_minute
WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
  AND sli = {sli:String}
  AND ({tenant:String} = '' OR tenant = {tenant:String})

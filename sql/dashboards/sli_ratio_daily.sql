-- The SLIs an executive follows, per day, from the per-minute rollups (one series per SLI).
SELECT toStartOfDay(minute) AS day, sli, (uniqExactMerge(valid) - uniqExactIfMerge(bad)) / uniqExactMerge(valid) AS value
FROM sli_minute
WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
  AND sli IN ('auth_availability', 'auth_success', 'posture_compliance')
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY day, sli
ORDER BY day, sli

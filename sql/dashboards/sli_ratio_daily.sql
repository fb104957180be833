-- The SLIs an executive follows, per day, from the per-minute rollups (one series per SLI).
-- Each minute's sets are counted on their own and the counts summed (an event lies in one minute).
SELECT toStartOfDay(minute) AS day, sli, (sum(valid_events) - sum(bad_events)) / sum(valid_events) AS value
FROM
(
    SELECT minute, sli, uniqExactMerge(valid) AS valid_events, uniqExactIfMerge(bad) AS bad_events
    FROM sli_minute
    WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
      AND sli IN ('auth_availability', 'auth_success', 'posture_compliance')
      AND ({tenant:String} = '' OR tenant = {tenant:String})
    GROUP BY sli, tenant, app, minute
)
GROUP BY day, sli
ORDER BY day, sli

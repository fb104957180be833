-- Good and valid events per SLI over [from, to), from the per-minute rollups (good = valid − bad).
-- An empty tenant means all tenants.
SELECT sli, valid_events - bad_events AS good, valid_events AS valid
FROM
(
    SELECT sli, uniqExactMerge(valid) AS valid_events, uniqExactIfMerge(bad) AS bad_events
    FROM sli_minute
    WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')})
      AND minute < {to:DateTime64(3, 'UTC')}
      AND ({tenant:String} = '' OR tenant = {tenant:String})
    GROUP BY sli
)
ORDER BY sli

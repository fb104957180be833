-- One SLI (good / valid) over the dashboard's time range, from the per-minute rollups. Each
-- minute's sets are counted on their own and the counts summed (an event lies in one minute):
-- many small sets instead of one of the whole range's events.
SELECT (sum(valid_events) - sum(bad_events)) / sum(valid_events) AS value
FROM
(
    SELECT uniqExactMerge(valid) AS valid_events, uniqExactIfMerge(bad) AS bad_events
    FROM sli_minute
    WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
      AND sli = {sli:String}
      AND ({tenant:String} = '' OR tenant = {tenant:String})
    GROUP BY tenant, app, minute
)

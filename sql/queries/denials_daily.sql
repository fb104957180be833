-- Policy decisions and denials per day in [from, to), every day present (WITH FILL), from the
-- per-minute rollups in whole minutes, like the SLIs: denials from denial_minute, decisions
-- from the policy engine availability SLI's per-minute counts, whose valid events are every
-- decision. Each minute's set is counted on its own and the minutes summed (an event lies in
-- one minute): small sets instead of one of a week's decisions.
SELECT day, sum(denied_events) AS denials, sum(decision_events) AS decisions
FROM
(
    SELECT toDate(minute) AS day, uniqExactMerge(denied) AS denied_events, 0 AS decision_events
    FROM denial_minute
    WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
      AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    GROUP BY day
    UNION ALL
    SELECT toDate(minute) AS day, 0 AS denied_events, valid_events AS decision_events
    FROM sli_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
    WHERE sli = 'policy_engine_availability'
      AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
)
GROUP BY day
ORDER BY day WITH FILL FROM toDate({from:DateTime64(3, 'UTC')}) TO toDate({to:DateTime64(3, 'UTC')}) + 1
SETTINGS max_execution_time = 30

-- Policy decisions and denials per day in [from, to), every day present (WITH FILL), from the
-- per-minute counts in whole minutes, like the SLIs: denials from denial_minute_counts,
-- decisions from the policy engine availability SLI's, whose valid events are every decision
-- (an event lies in one minute, so the minutes' counts add up).
SELECT day, sum(denied_events) AS denials, sum(decision_events) AS decisions
FROM
(
    SELECT toDate(minute) AS day, denials AS denied_events, 0 AS decision_events
    FROM denial_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
    WHERE ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    UNION ALL
    SELECT toDate(minute) AS day, 0 AS denied_events, valid_events AS decision_events
    FROM sli_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
    WHERE sli = 'policy_engine_availability'
      AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
)
GROUP BY day
ORDER BY day WITH FILL FROM toDate({from:DateTime64(3, 'UTC')}) TO toDate({to:DateTime64(3, 'UTC')}) + 1
SETTINGS max_execution_time = 30

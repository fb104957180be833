-- The access trail in [from, to): events of every kind that match the subject filters (an
-- empty filter matches anything); decision and outcome narrow it to policy and auth events with
-- that result. Keyset pagination on (time, kind, event_id): pages neither repeat nor skip a row
-- while new rows arrive. With `related`, sql/queries/trail_related.sql adds the linked events.
--
-- Reads only the granules it needs: the sort key (tenant, hour, principal) for a principal or
-- a page of a time range; for a session, token, IP or device, first `subject_hour` (migration
-- 0017) for the hours and principals it was seen with, then the sort key in those runs only
-- (`runs`: with several of them given, the runs where all were seen). No FINAL: a
-- redelivered copy is the same row, next to the original in this order, and the caller
-- (src/api/trails/paging.ts) keeps one. So the engine can pick the page by the sort columns
-- alone and read the other columns for the page's rows only (lazy materialization).
WITH
    ({session_id:String} != '' OR {token_id:String} != '' OR {src_ip:String} != '' OR {device:String} != '') AS by_subject,
    runs AS (
        SELECT tenant, hour, principal_id
        FROM subject_hour
        WHERE ((subject = 'session_id' AND value = {session_id:String}) OR (subject = 'token_id' AND value = {token_id:String})
               OR (subject = 'src_ip' AND value = {src_ip:String}) OR (subject = 'device_id' AND value = {device:String}))
          AND hour BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND ({principal:String} = '' OR principal_id = {principal:String})
        GROUP BY tenant, hour, principal_id
        HAVING uniqExact(subject) = ({session_id:String} != '') + ({token_id:String} != '') + ({src_ip:String} != '') + ({device:String} != '')
    )
SELECT toString(kind) AS kind, time, event_id, tenant, source, principal_id, device_id, src_ip, geo_country, user_agent, app,
       session_id, correlation_id, toString(outcome) AS outcome, auth_method, idp, failure_reason,
       toString(decision) AS decision, policy_id, policy_version, rule, reasons, eval_latency_ms,
       toString(activity) AS activity, token_id, compliant,
       arrayMap(c -> c.name, arrayFilter(c -> NOT c.passed, checks)) AS failed_checks,
       false AS related
FROM events
WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
  AND (NOT by_subject OR (tenant, toStartOfHour(time), principal_id) IN runs)
  AND ({principal:String} = '' OR principal_id = {principal:String})
  AND ({device:String} = '' OR device_id = {device:String})
  AND ({app:String} = '' OR app = {app:String})
  AND ({session_id:String} = '' OR session_id = {session_id:String})
  AND ({token_id:String} = '' OR token_id = {token_id:String})
  AND ({src_ip:String} = '' OR src_ip = {src_ip:String})
  AND (({decision:String} = '' AND {outcome:String} = '')
       OR ({decision:String} != '' AND toString(decision) = {decision:String})
       OR ({outcome:String} != '' AND toString(outcome) = {outcome:String}))
  AND (time, toString(kind), event_id) > ({after_time:DateTime64(3, 'UTC')}, {after_kind:String}, {after_id:String})
ORDER BY time, kind, event_id
LIMIT {limit:UInt32}
SETTINGS max_execution_time = 30, query_plan_max_limit_for_lazy_materialization = 10000

-- The access trail in [from, to): events of every kind that match the subject filters (an
-- empty filter matches anything) and, when related = 1, the events that share a session or
-- correlation id with them (a token's trail shows the login that issued it and the decisions
-- it was used for). decision and outcome narrow the trail to policy and auth events with that
-- result. Keyset pagination on (time, kind, event_id): pages neither repeat nor skip a row
-- while new rows arrive.
WITH
    in_range AS (
        SELECT *,
               ({principal:String} = '' OR principal_id = {principal:String})
               AND ({device:String} = '' OR device_id = {device:String})
               AND ({app:String} = '' OR app = {app:String})
               AND ({session_id:String} = '' OR session_id = {session_id:String})
               AND ({token_id:String} = '' OR token_id = {token_id:String})
               AND ({src_ip:String} = '' OR src_ip = {src_ip:String}) AS direct
        FROM access_events
        WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({tenant:String} = '' OR tenant = {tenant:String})
    ),
    linked_sessions AS (SELECT DISTINCT session_id FROM in_range WHERE direct AND session_id != ''),
    linked_correlations AS (SELECT DISTINCT correlation_id FROM in_range WHERE direct AND correlation_id != '')
SELECT kind, time, event_id, tenant, source, principal_id, device_id, src_ip, geo_country, user_agent, app,
       session_id, correlation_id, outcome, auth_method, idp, failure_reason,
       decision, policy_id, policy_version, rule, reasons, eval_latency_ms,
       activity, token_id, compliant, failed_checks,
       NOT direct AS related
FROM in_range
WHERE (direct OR ({related:Bool} AND (session_id IN linked_sessions OR correlation_id IN linked_correlations)))
  AND (({decision:String} = '' AND {outcome:String} = '')
       OR ({decision:String} != '' AND decision = {decision:String})
       OR ({outcome:String} != '' AND outcome = {outcome:String}))
  AND (time, kind, event_id) > ({after_time:DateTime64(3, 'UTC')}, {after_kind:String}, {after_id:String})
ORDER BY time, kind, event_id
LIMIT {limit:UInt32}
SETTINGS max_execution_time = 30

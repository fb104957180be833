-- The access trail in [from, to): events of every kind that match the subject filters (an
-- empty filter matches anything) and, when related = 1, the events of the same principals (or
-- of none) that share a session or correlation id with them (a token's trail shows the login that issued it and the decisions
-- it was used for). decision and outcome narrow the trail to policy and auth events with that
-- result. Keyset pagination on (time, kind, event_id): pages neither repeat nor skip a row
-- while new rows arrive.
--
-- Each part reads only the granules it needs: `direct` by the sort key (tenant, hour,
-- principal) or a bloom filter (session, token, IP, device), `linked` by the sort key again,
-- for the direct rows' principals (a principal's day holds thousands of correlation ids: a
-- bloom filter would pass every granule for them). The parts are kept apart, not OR-ed in one
-- WHERE, because an OR across columns stops the engine from skipping granules. Without any
-- subject filter nothing is linked (every row is direct already).
-- No FINAL: a redelivered copy is the same row, so LIMIT 1 BY on the page's own key collapses
-- it (and keeps an event that is both direct and linked once, as direct) at the cost of
-- sorting only the rows read, not of merging every granule of the range.
WITH
    direct AS (
        SELECT *
        FROM events
        WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({tenant:String} = '' OR tenant = {tenant:String})
          AND ({principal:String} = '' OR principal_id = {principal:String})
          AND ({device:String} = '' OR device_id = {device:String})
          AND ({app:String} = '' OR app = {app:String})
          AND ({session_id:String} = '' OR session_id = {session_id:String})
          AND ({token_id:String} = '' OR token_id = {token_id:String})
          AND ({src_ip:String} = '' OR src_ip = {src_ip:String})
    ),
    ({related:Bool} AND ({principal:String} != '' OR {device:String} != '' OR {app:String} != ''
        OR {session_id:String} != '' OR {token_id:String} != '' OR {src_ip:String} != '')) AS linking,
    linked AS (
        SELECT *
        FROM events
        WHERE (linking)
          AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({tenant:String} = '' OR tenant = {tenant:String})
          AND (tenant, principal_id) IN (SELECT tenant, principal_id FROM direct WHERE (linking) UNION DISTINCT SELECT tenant, '' FROM direct WHERE (linking))
          AND (session_id IN (SELECT session_id FROM direct WHERE (linking) AND session_id != '')
               OR correlation_id IN (SELECT correlation_id FROM direct WHERE (linking) AND correlation_id != ''))
    )
SELECT toString(kind) AS kind, time, event_id, tenant, source, principal_id, device_id, src_ip, geo_country, user_agent, app,
       session_id, correlation_id, toString(outcome) AS outcome, auth_method, idp, failure_reason,
       toString(decision) AS decision, policy_id, policy_version, rule, reasons, eval_latency_ms,
       toString(activity) AS activity, token_id, compliant,
       arrayMap(c -> c.name, arrayFilter(c -> NOT c.passed, checks)) AS failed_checks,
       related
FROM
(
    SELECT *, false AS related FROM direct
    UNION ALL
    SELECT *, true FROM linked
)
WHERE (({decision:String} = '' AND {outcome:String} = '')
       OR ({decision:String} != '' AND toString(decision) = {decision:String})
       OR ({outcome:String} != '' AND toString(outcome) = {outcome:String}))
  AND (time, toString(kind), event_id) > ({after_time:DateTime64(3, 'UTC')}, {after_kind:String}, {after_id:String})
ORDER BY time, kind, event_id, related
LIMIT 1 BY time, kind, event_id
LIMIT {limit:UInt32}
SETTINGS max_execution_time = 30

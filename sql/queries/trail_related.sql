-- The access trail with its related events: what sql/queries/trail.sql matches (`direct`), and
-- the events of the same principals, or of none, that share a session or correlation id with
-- those (a token's trail shows the login that issued it and the decisions it was used for).
-- Same parameters, order and keyset as trail.sql; `linked` leaves out what `direct` holds, and
-- the caller keeps one of a redelivered event's copies.
--
-- Each part reads only the granules it needs. `direct` as in trail.sql; `links`, what the direct
-- rows link by, runs once as a scalar subquery before the engine picks granules, so `linked`
-- reads by the sort key (those principals' hours) instead of testing thousands of correlation
-- ids against a bloom filter, which would pass every granule. The parts are kept apart, not
-- OR-ed in one WHERE: an OR across columns stops the engine from skipping granules.
WITH
    (({principal:String} = '' OR principal_id = {principal:String})
        AND ({device:String} = '' OR device_id = {device:String})
        AND ({app:String} = '' OR app = {app:String})
        AND ({session_id:String} = '' OR session_id = {session_id:String})
        AND ({token_id:String} = '' OR token_id = {token_id:String})
        AND ({src_ip:String} = '' OR src_ip = {src_ip:String})) AS matches,
    ({principal:String} != '' AND {device:String} = '' AND {app:String} = '' AND {session_id:String} = ''
        AND {token_id:String} = '' AND {src_ip:String} = '') AS principal_only,
    direct AS (
        SELECT *
        FROM events
        WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND matches
    ),
    (
        SELECT (groupUniqArray((tenant, principal_id)), groupUniqArrayIf(session_id, session_id != ''),
                groupUniqArrayIf(correlation_id, correlation_id != ''))
        FROM direct
    ) AS links,
    linked AS (
        SELECT *
        FROM events
        WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          -- The matched principals' rows, unless a principal is the only subject (then every row
          -- of theirs matched already), and the rows without a principal.
          AND (tenant, principal_id) IN (
              SELECT arrayJoin(arrayConcat(arrayFilter(p -> NOT principal_only, links.1), arrayMap(t -> (t.1, ''), links.1))))
          AND (session_id IN (SELECT arrayJoin(links.2)) OR correlation_id IN (SELECT arrayJoin(links.3)))
          AND NOT matches
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
LIMIT {limit:UInt32}
SETTINGS max_execution_time = 30

-- The access trail with its related events: what sql/queries/trail.sql matches (`direct`), and
-- the events of the same principals, or of none, that share a session or correlation id with
-- those (a token's trail shows the login that issued it and the decisions it was used for).
-- Same parameters, order and keyset as trail.sql; the linked parts leave out what `direct`
-- holds, and the caller keeps one of an event's copies (a redelivered one, or one linked both
-- by its session and by its correlation id: the copies sort next to each other).
--
-- Each part reads only the granules it needs. `direct` as in trail.sql. `links`, what the direct
-- rows link by, runs once as a scalar subquery before the engine picks granules. Then:
-- - `by_session`: the linked sessions' hours and principals from `subject_hour` (migration
--   0017), read by the sort key in those runs only;
-- - `by_correlation`: the linked principals' rows by the sort key, narrowed by the bloom filter
--   on correlation_id (few ids for a session, token or IP; nearly every event has its own, so
--   they are not in `subject_hour`).
-- A principal's own trail links only events without a principal, which are rare: `unattributed`
-- asks `subject_hour` whether the range has any before gathering the principal's links, and
-- `by_session` alone reads them (by session or correlation) where it does.
-- The parts are kept apart, not OR-ed in one WHERE: an OR across columns stops the engine from
-- skipping granules.
WITH
    (({principal:String} = '' OR principal_id = {principal:String})
        AND ({device:String} = '' OR device_id = {device:String})
        AND ({app:String} = '' OR app = {app:String})
        AND ({session_id:String} = '' OR session_id = {session_id:String})
        AND ({token_id:String} = '' OR token_id = {token_id:String})
        AND ({src_ip:String} = '' OR src_ip = {src_ip:String})) AS matches,
    ({principal:String} != '' AND {device:String} = '' AND {app:String} = '' AND {session_id:String} = ''
        AND {token_id:String} = '' AND {src_ip:String} = '') AS principal_only,
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
    ),
    -- Whether any event without a principal lies in the range: only those can be related to a
    -- principal's own trail, and usually there are none, so its links need not be gathered.
    (
        SELECT count() > 0
        FROM subject_hour
        WHERE subject = 'principal_id' AND value = ''
          AND hour BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    ) AS unattributed,
    direct AS (
        SELECT *
        FROM events
        WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND (NOT by_subject OR (tenant, toStartOfHour(time), principal_id) IN runs)
          AND matches
    ),
    (
        SELECT (arrayConcat(if(principal_only, [], groupUniqArray((tenant, principal_id))), arrayMap(t -> (t, ''), groupUniqArray(tenant))),
                groupUniqArrayIf(session_id, session_id != ''), groupUniqArrayIf(correlation_id, correlation_id != ''))
        FROM direct
        WHERE NOT principal_only OR unattributed
    ) AS links,
    -- The hours and principals of the linked sessions; for a principal's own trail, those of the
    -- events without a principal.
    session_runs AS (
        SELECT tenant, hour, principal_id
        FROM subject_hour
        WHERE ((NOT principal_only AND subject = 'session_id' AND value IN (SELECT arrayJoin(links.2)))
               OR (principal_only AND subject = 'principal_id' AND value = ''))
          AND hour BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    ),
    by_session AS (
        SELECT *
        FROM events
        WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND (tenant, toStartOfHour(time), principal_id) IN session_runs
          AND (tenant, principal_id) IN (SELECT arrayJoin(links.1))
          AND (session_id IN (SELECT arrayJoin(links.2))
               OR principal_only AND correlation_id IN (SELECT arrayJoin(links.3)))
          AND NOT matches
    ),
    by_correlation AS (
        SELECT *
        FROM events
        WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND NOT principal_only
          AND (tenant, principal_id) IN (SELECT arrayJoin(links.1))
          AND correlation_id IN (SELECT arrayJoin(links.3))
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
    SELECT *, true FROM by_session
    UNION ALL
    SELECT *, true FROM by_correlation
)
WHERE (({decision:String} = '' AND {outcome:String} = '')
       OR ({decision:String} != '' AND toString(decision) = {decision:String})
       OR ({outcome:String} != '' AND toString(outcome) = {outcome:String}))
  AND (time, toString(kind), event_id) > ({after_time:DateTime64(3, 'UTC')}, {after_kind:String}, {after_id:String})
ORDER BY time, kind, event_id, related
LIMIT {limit:UInt32}
SETTINGS max_execution_time = 30

-- One session's events in [from, to), in time order. Each event carries its device's posture
-- at that moment: the latest posture report of the device at or before the event (ASOF JOIN),
-- looked up to a day before the range so a session that starts on a fresh report still has one.
-- The session's rows are read by the sort key in the hours and principals `subject_hour`
-- (migration 0017) saw it with, the posture reports in those of the session's own devices (the
-- bloom filters narrow each run); LIMIT 1 BY collapses redelivered copies.
WITH
    session_runs AS (
        SELECT tenant, hour, principal_id
        FROM subject_hour
        WHERE subject = 'session_id' AND value = {session_id:String}
          AND hour BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    ),
    session AS (
        SELECT toString(kind) AS kind, time, event_id, tenant, source, principal_id, device_id, src_ip, geo_country, app,
               correlation_id, toString(outcome) AS outcome, auth_method, idp, failure_reason,
               toString(decision) AS decision, policy_id, policy_version, rule, reasons, eval_latency_ms,
               toString(activity) AS activity, token_id
        FROM events
        WHERE session_id = {session_id:String}
          AND (tenant, toStartOfHour(time), principal_id) IN session_runs
          AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
          AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
        ORDER BY time, kind, event_id
        LIMIT 1 BY time, kind, event_id
        LIMIT {limit:UInt32}
    )
SELECT s.kind AS kind, s.time AS time, s.event_id AS event_id, s.tenant AS tenant, s.source AS source,
       s.principal_id AS principal_id, s.device_id AS device_id, s.src_ip AS src_ip, s.geo_country AS geo_country,
       s.app AS app, s.correlation_id AS correlation_id,
       s.outcome AS outcome, s.auth_method AS auth_method, s.idp AS idp, s.failure_reason AS failure_reason,
       s.decision AS decision, s.policy_id AS policy_id, s.policy_version AS policy_version, s.rule AS rule,
       s.reasons AS reasons, s.eval_latency_ms AS eval_latency_ms, s.activity AS activity, s.token_id AS token_id,
       p.time AS posture_time, p.compliant AS posture_compliant, p.failed_checks AS posture_failed_checks,
       p.posture_score AS posture_score
FROM session AS s
ASOF LEFT JOIN
(
    SELECT DISTINCT tenant, device_id, time, assumeNotNull(compliant) AS compliant,
           arrayMap(c -> c.name, arrayFilter(c -> NOT c.passed, checks)) AS failed_checks, posture_score
    FROM events
    WHERE kind = 'posture'
      AND (tenant, device_id) IN (SELECT tenant, device_id FROM session WHERE device_id != '')
      AND (tenant, toStartOfHour(time), principal_id) IN (
          SELECT tenant, hour, principal_id
          FROM subject_hour
          WHERE subject = 'device_id' AND (tenant, value) IN (SELECT tenant, device_id FROM session WHERE device_id != '')
            AND hour BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')} - INTERVAL 1 DAY) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND))
      AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')} - INTERVAL 1 DAY) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
      AND time >= {from:DateTime64(3, 'UTC')} - INTERVAL 1 DAY AND time < {to:DateTime64(3, 'UTC')}
) AS p
ON s.tenant = p.tenant AND s.device_id = p.device_id AND s.time >= p.time
ORDER BY time, kind, event_id
SETTINGS join_use_nulls = 1, max_execution_time = 30

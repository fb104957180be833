-- access_events: the four kinds as one stream with common columns, for trails, session
-- timelines and the analyst dashboard. A plain view: filters on it are pushed down into
-- each table (and its sort key); FINAL keeps a redelivered event to one row.
-- Columns a kind does not have are empty ('' / NULL / []).
CREATE VIEW IF NOT EXISTS access_events AS
SELECT 'auth' AS kind, time, event_id, tenant, source, emitter_id, principal_id, principal_type, device_id, src_ip,
       user_agent, geo_country, app, session_id, correlation_id,
       toString(outcome) AS outcome, auth_method, idp, failure_reason,
       '' AS decision, '' AS policy_id, '' AS policy_version, '' AS rule, CAST([] AS Array(String)) AS reasons, CAST(NULL AS Nullable(Float64)) AS eval_latency_ms,
       '' AS activity, '' AS token_id,
       CAST(NULL AS Nullable(Bool)) AS compliant, CAST([] AS Array(String)) AS failed_checks
FROM auth_events FINAL
UNION ALL
SELECT 'policy', time, event_id, tenant, source, emitter_id, principal_id, principal_type, device_id, src_ip,
       user_agent, geo_country, app, session_id, correlation_id,
       '', '', '', '',
       toString(decision), policy_id, policy_version, rule, reasons, eval_latency_ms,
       '', '',
       NULL, []
FROM policy_events FINAL
UNION ALL
SELECT 'posture', time, event_id, tenant, source, emitter_id, principal_id, principal_type, device_id, src_ip,
       user_agent, geo_country, app, session_id, correlation_id,
       '', '', '', '',
       '', '', '', '', [], NULL,
       '', '',
       compliant, arrayMap(c -> c.name, arrayFilter(c -> NOT c.passed, checks))
FROM posture_events FINAL
UNION ALL
SELECT 'token', time, event_id, tenant, source, emitter_id, principal_id, principal_type, device_id, src_ip,
       user_agent, geo_country, app, session_id, correlation_id,
       '', '', '', '',
       '', '', '', '', [], NULL,
       toString(activity), token_id,
       NULL, []
FROM token_events FINAL;

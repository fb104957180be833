-- The events a replica's scorers replay to rebuild their state when it gains keyed partitions:
-- the scoring window [from, to), in time order, with only the columns the scorers read. Every
-- replica reads the window and keeps the keys that hash to its gained partitions (the routing is
-- kafkajs' murmur2, which ClickHouse does not compute). Deduplicated by event_id like every read.
-- The columns are the keyed form's (src/detect/keyed.ts, KEYED_FIELDS): a rebuilt replica must
-- judge as the live one (a denial for posture alone is no attack; a push is told by its reason).
-- With {credentials_only} = 1, only tokens' lifecycle (issue, refresh, exchange, revoke): what
-- token replay remembers of a token for a day, read from before the scoring window.
SELECT event_id, toString(kind) AS kind, time, tenant, emitter_id, emitter_seq, session_id, principal_id, device_id, src_ip,
       geo_country, user_agent, app, toString(outcome) AS outcome, auth_method, mfa, toString(decision) AS decision, policy_id,
       policy_version, reasons, toString(activity) AS activity, token_id, expires_at, failure_reason, compliant, checks, agent_version
FROM events FINAL
WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - toIntervalMillisecond(1))
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND (NOT {credentials_only:UInt8} OR (kind = 'token' AND activity IN ('issue', 'refresh', 'exchange', 'revoke')))
ORDER BY time, event_id

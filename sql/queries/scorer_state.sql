-- The events a replica's scorers replay to rebuild their state when it gains keyed partitions:
-- the scoring window [from, to), in time order, with only the columns the scorers read. Every
-- replica reads the window and keeps the keys that hash to its gained partitions (the routing is
-- kafkajs' murmur2, which ClickHouse does not compute). Deduplicated by event_id like every read.
SELECT event_id, kind, time, tenant, emitter_id, emitter_seq, session_id, principal_id, device_id, src_ip,
       geo_country, user_agent, app, outcome, auth_method, mfa, decision, policy_id, policy_version, activity,
       token_id, expires_at
FROM events FINAL
WHERE toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - toIntervalMillisecond(1))
  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
ORDER BY time, event_id

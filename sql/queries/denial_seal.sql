-- One pass of sealing denial_minute (sql/migrations/0015_denial_minute_sealed.sql), by the rule
-- of sql/queries/sli_seal.sql: minutes closed since the last pass, and sealed minutes written to
-- since the newest row the last pass counted (that second included).
INSERT INTO denial_minute_sealed (minute, tenant, app, principal_id, policy_id, policy_version, denied, sealed_through)
WITH (SELECT (max(minute) + 60, max(sealed_through)) FROM denial_minute_sealed) AS last_pass
SELECT minute, tenant, app, principal_id, policy_id, policy_version, uniqExactMerge(denied) AS denials, max(inserted) AS through
FROM denial_minute
WHERE minute < {horizon:DateTime('UTC')}
  AND (minute >= last_pass.1
       OR (tenant, minute, app, principal_id, policy_id, policy_version) IN (
           SELECT tenant, minute, app, principal_id, policy_id, policy_version FROM denial_minute
           WHERE minute < last_pass.1 AND inserted >= last_pass.2 AND inserted > 0))
GROUP BY minute, tenant, app, principal_id, policy_id, policy_version

-- The riskiest principals or apps in [from, to): {dimension} is principal_id or app (checked
-- by the caller). A subject's risk is the highest score of an anomaly whose evidence names it,
-- then how many anomalies name it, then how many of its requests were denied (from the
-- per-minute denial counts, denial_minute_counts: whole minutes, like the SLIs).
WITH
    anomalous AS (
        SELECT JSONExtractString(e, {dimension:String}) AS subject, max(score) AS max_score, uniqExact(anomaly_id) AS anomalies
        FROM anomalies FINAL
        ARRAY JOIN JSONExtractArrayRaw(evidence, 'events') AS e
        WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
        GROUP BY subject
        HAVING subject != ''
    ),
    denied AS (
        SELECT {dimension:Identifier} AS subject, sum(denials) AS denials
        FROM denial_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
        WHERE ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
        GROUP BY subject
        HAVING subject != ''
    )
SELECT subject, max_score, anomalies, denials
FROM anomalous FULL OUTER JOIN denied USING (subject)
ORDER BY max_score DESC, anomalies DESC, denials DESC, subject
LIMIT {limit:UInt32}
SETTINGS max_execution_time = 30

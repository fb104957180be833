-- Anomalies by id, oldest first, among the tenants given.
SELECT anomaly_id, time, detected_at, type, kind, score, severity, tenant, key, evidence
FROM anomalies FINAL
WHERE anomaly_id IN {ids:Array(String)}
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
ORDER BY time, anomaly_id

-- Anomalies in [from, to), newest first, filtered by type and minimum score (empty type: all).
SELECT anomaly_id, time, detected_at, type, kind, score, severity, tenant, key, evidence
FROM anomalies FINAL
WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND ({type:String} = '' OR type = {type:String})
  AND score >= {min_score:UInt8}
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
ORDER BY time DESC, anomaly_id
LIMIT {limit:UInt32}

-- Anomalies in [from, to) by severity and type.
SELECT severity, type, count() AS anomalies
FROM anomalies FINAL
WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
GROUP BY severity, type
ORDER BY severity, type

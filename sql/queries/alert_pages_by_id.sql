-- Pages by id ({ids}) among the tenants given, oldest first: an incident's pages, or the one that opened it.
SELECT tenant, page_id, starts_at, ends_at, status, alertname, severity, key, summary
FROM alert_pages FINAL
WHERE page_id IN {ids:Array(String)}
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
ORDER BY starts_at, page_id

-- Whether the range holds any event without a principal (in the tenants given): only those can
-- be related to a principal's own trail, and usually there are none, so the trail of a principal
-- alone is then sql/queries/trail.sql's, without gathering its links (sql/queries/trail_related.sql).
SELECT count() > 0 AS any
FROM subject_hour
WHERE subject = 'principal_id' AND value = ''
  AND hour BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})

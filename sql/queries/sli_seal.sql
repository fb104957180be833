-- One pass of sealing (sql/migrations/0011_sli_minute_sealed.sql): the counts of every minute that
-- closed since the last pass (at or after the last sealed minute, before {horizon}), and of every
-- sealed minute with rows inserted since the newest row the last pass counted, that second
-- included (rows of the same second may have been written after the pass read; rows from
-- before sealing existed hold 0 and were sealed by the first pass). The sets are read only for
-- those minutes: the subquery finds them from `inserted` alone.
INSERT INTO sli_minute_sealed (minute, sli, tenant, app, good, valid, sealed_through)
WITH (SELECT (max(minute) + 60, max(sealed_through)) FROM sli_minute_sealed) AS last_pass
SELECT minute, sli, tenant, app,
       toUInt64(uniqExactMerge(valid) - uniqExactIfMerge(bad)) AS good_events, uniqExactMerge(valid) AS valid_events,
       max(inserted) AS through
FROM sli_minute
WHERE minute < {horizon:DateTime('UTC')}
  AND (minute >= last_pass.1
       OR (sli, tenant, app, minute) IN (SELECT sli, tenant, app, minute FROM sli_minute WHERE minute < last_pass.1 AND inserted >= last_pass.2 AND inserted > 0))
GROUP BY minute, sli, tenant, app

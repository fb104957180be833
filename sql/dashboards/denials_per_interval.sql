-- Denials over time, by app, from the per-minute denial counts (whole minutes). `time` is the
-- minute, for the bucket expression the panel passes.
SELECT {bucket:DateTime} AS bucket, app, sum(denials) AS denials
FROM (SELECT minute AS time, app, denials FROM denial_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
      WHERE {tenant:String} = '' OR tenant = {tenant:String})
GROUP BY bucket, app
ORDER BY bucket, app

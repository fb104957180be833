-- Denials over time, by app, from the per-minute denial rollup (whole minutes). `time` is the
-- minute, for the bucket expression the panel passes.
SELECT {bucket:DateTime} AS bucket, app, uniqExactMerge(denied) AS denials
FROM (SELECT minute AS time, app, denied FROM denial_minute
      WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
        AND ({tenant:String} = '' OR tenant = {tenant:String}))
GROUP BY bucket, app
ORDER BY bucket, app

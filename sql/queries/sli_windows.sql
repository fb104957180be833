-- Good and valid events per SLI over [from, to) for each `from` in {froms} (windows ending
-- together), from the per-minute rollups (good = valid − bad), in one pass: each minute's sets
-- are counted once, on their own (an event lies in one minute, so the counts add up), and each
-- window sums its minutes. Many small sets instead of one of the whole range's events per
-- window. The tenants: every one ({all_tenants}) or those listed.
SELECT window_from, sli, sum(valid_events) - sum(bad_events) AS good, sum(valid_events) AS valid
FROM
(
    SELECT sli, minute, uniqExactMerge(valid) AS valid_events, uniqExactIfMerge(bad) AS bad_events
    FROM sli_minute
    WHERE minute >= toStartOfMinute(arrayMin({froms:Array(DateTime64(3, 'UTC'))}))
      AND minute < {to:DateTime64(3, 'UTC')}
      AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    GROUP BY sli, tenant, app, minute
)
ARRAY JOIN {froms:Array(DateTime64(3, 'UTC'))} AS window_from
WHERE minute >= toStartOfMinute(window_from)
GROUP BY window_from, sli
ORDER BY window_from, sli

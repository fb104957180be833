-- Good and valid events per SLI over [from, to) for each `from` in {froms} (windows ending
-- together), in one pass over the per-minute counts (sli_minute_counts: sealed minutes as plain
-- counts, the open ones from their sets; an event lies in one minute, so the counts add up):
-- each window sums its minutes. The tenants: every one ({all_tenants}) or those listed.
SELECT window_from, sli, sum(good_events) AS good, sum(valid_events) AS valid
FROM sli_minute_counts(from = arrayMin({froms:Array(DateTime64(3, 'UTC'))}), to = {to:DateTime64(3, 'UTC')})
ARRAY JOIN {froms:Array(DateTime64(3, 'UTC'))} AS window_from
WHERE minute >= toStartOfMinute(window_from)
  AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
GROUP BY window_from, sli
ORDER BY window_from, sli

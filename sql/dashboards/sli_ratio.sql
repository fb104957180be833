-- One SLI (good / valid) over the dashboard's time range, from the per-minute counts
-- (sli_minute_counts: an event lies in one minute, so the minutes' counts add up).
SELECT sum(good_events) / sum(valid_events) AS value
FROM sli_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
WHERE sli = {sli:String}
  AND ({tenant:String} = '' OR tenant = {tenant:String})

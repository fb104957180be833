-- The SLIs an executive follows, per day, from the per-minute counts (one series per SLI).
SELECT toStartOfDay(minute) AS day, sli, sum(good_events) / sum(valid_events) AS value
FROM sli_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
WHERE sli IN ('auth_availability', 'auth_success', 'posture_compliance')
  AND ({tenant:String} = '' OR tenant = {tenant:String})
GROUP BY day, sli
ORDER BY day, sli

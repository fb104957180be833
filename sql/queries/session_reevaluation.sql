-- Time to re-evaluate (the guide's M5) in [from, to): in each session, the time from its first
-- event to its first evaluation (a policy decision or an authentication) and between its
-- evaluations after that, as ztna_session_reevaluation_seconds measures them while events
-- stream by; per tenant, and for all the tenants asked for together (the row whose tenant is '').
-- A session is cut at the range's edges. Deduplicated by event_id like every read.
SELECT tenant,
       count() AS reevaluations,
       countIf(gap_ms <= {target_ms:UInt64}) AS within_target,
       quantileExact(0.5)(gap_ms) / 1000 AS p50_seconds,
       quantileExact(0.95)(gap_ms) / 1000 AS p95_seconds,
       max(gap_ms) / 1000 AS max_seconds
FROM
(
    -- Marks: the session's first event, then each evaluation; a gap is the time between two marks.
    SELECT tenant, arrayDifference(arrayMap(m -> m.1, arrayFilter((m, i) -> i = 1 OR m.2, marks, arrayEnumerate(marks)))) AS gaps
    FROM
    (
        SELECT tenant, arraySort(groupArray((toUnixTimestamp64Milli(time), kind IN ('policy', 'auth')))) AS marks
        FROM events FINAL
        WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND session_id != ''
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
        GROUP BY tenant, session_id
    )
)
ARRAY JOIN arraySlice(gaps, 2) AS gap_ms
GROUP BY GROUPING SETS ((tenant), ())
ORDER BY tenant
SETTINGS max_execution_time = 30

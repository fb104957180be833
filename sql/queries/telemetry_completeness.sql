-- Telemetry completeness over the minutes of [from, to) (whole minutes, like every SLI read
-- from the rollups): per emitter, the sequence numbers received against the span of numbers
-- seen (gaps = lost). A number at or below 10 after a higher one is an emitter restart: a new
-- segment, not a loss (CompletenessTracker's rule, src/sli/completeness.ts); a number seen
-- again in its segment (a redelivered row) counts once. The tenants: every one ({all_tenants}) or those listed.
-- Exactly the count over the raw rows of those minutes, read mostly from the per-minute rollup
-- (emitter_minute, migration 0009): a minute without a number ≤ 10 cannot hold a restart, so
-- it joins the segment of the row before it whole. The raw rows are read only for the minutes
-- that can (few: an emitter's start or restart).
WITH
    minutes AS (
        SELECT emitter_id, minute, groupBitmapMergeState(seqs) AS seqs, argMaxMerge(last_seq) AS last, max(low_seq) = 0 AS whole
        FROM emitter_minute
        WHERE minute >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND minute < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
        GROUP BY emitter_id, minute
    ),
    raw_minutes AS (SELECT emitter_id, minute FROM minutes WHERE NOT whole),
    -- In (time, seq) order per emitter: whole minutes, and the raw rows of the others.
    items AS (
        SELECT emitter_id, toDateTime64(minute, 3, 'UTC') AS t, bitmapMin(seqs) AS first, last, seqs
        FROM minutes
        WHERE whole
        UNION ALL
        SELECT emitter_id, time AS t, assumeNotNull(emitter_seq) AS first, first AS last, bitmapBuild([first]) AS seqs
        FROM events
        WHERE emitter_seq IS NOT NULL
          AND toStartOfHour(time) IN (SELECT DISTINCT toStartOfHour(minute) FROM raw_minutes)
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND (emitter_id, toStartOfMinute(time)) IN (SELECT emitter_id, minute FROM raw_minutes)
    )
SELECT sum(bitmapCardinality(segment_seqs)) AS good, sum(bitmapMax(segment_seqs) - bitmapMin(segment_seqs) + 1) AS valid
FROM
(
    SELECT emitter_id, segment, groupBitmapMergeState(seqs) AS segment_seqs
    FROM
    (
        SELECT emitter_id, seqs,
               sum(restart) OVER (PARTITION BY emitter_id ORDER BY t, first ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS segment
        FROM
        (
            SELECT emitter_id, t, first, seqs,
                   toUInt8(first <= 10 AND lagInFrame(last, 1, 0) OVER (PARTITION BY emitter_id ORDER BY t, first ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) > first) AS restart
            FROM items
        )
    )
    GROUP BY emitter_id, segment
)

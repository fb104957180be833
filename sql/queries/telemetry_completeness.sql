-- Telemetry completeness over [from, to) from the raw rows: per emitter, the events received
-- against the span of sequence numbers seen (gaps = lost). A sequence that starts again at
-- or below 10 after a higher number is an emitter restart: a new segment, not a loss (the
-- same rule as src/streams/completeness.ts). An empty tenant means all tenants.
-- (`seq`, not `emitter_seq`: an alias named like its column would shadow it in WHERE.)
SELECT sum(received) AS good, sum(expected) AS valid
FROM
(
    SELECT emitter_id, segment, count() AS received, max(seq) - min(seq) + 1 AS expected
    FROM
    (
        SELECT emitter_id, seq,
               sum(restart) OVER (PARTITION BY emitter_id ORDER BY time, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS segment
        FROM
        (
            SELECT emitter_id, seq, time,
                   toUInt8(seq <= 10 AND lagInFrame(seq, 1, 0) OVER (PARTITION BY emitter_id ORDER BY time, seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) > seq) AS restart
            FROM
            (
                SELECT emitter_id, assumeNotNull(emitter_seq) AS seq, time
                FROM events FINAL
                WHERE emitter_seq IS NOT NULL
                  AND toStartOfHour(time) BETWEEN toStartOfHour({from:DateTime64(3, 'UTC')}) AND {to:DateTime64(3, 'UTC')}
                  AND time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
                  AND ({tenant:String} = '' OR tenant = {tenant:String})
            )
        )
    )
    GROUP BY emitter_id, segment
)

-- Gateway request latency (the guide's F9) in the SLI rollup, beside the policy evaluation's:
-- decisions whose enforcement point reports the request's latency (request_latency_ms, migration
-- 0014), good at or under 1000 ms (the SLO spec's threshold; src/conventions.ts's
-- LATENCY_THRESHOLDS_MS and test/unit/conventions.test.ts hold them together). Evaluation errors
-- count against availability instead, and decisions without a request latency are not judged:
-- as the stream counts it (src/sli/definitions.ts, latencyObservations). Before this, the SLO was
-- counted by its histogram alone and GET /api/v1/slis and the risk summary saw none of it.
CREATE MATERIALIZED VIEW IF NOT EXISTS sli_minute_gateway_request_latency_mv TO sli_minute AS
SELECT toStartOfMinute(time) AS minute, 'gateway_request_latency' AS sli, tenant, app,
       uniqExactState(sipHash64(event_id)) AS valid, uniqExactIfState(sipHash64(event_id), toUInt8(NOT (assumeNotNull(request_latency_ms) <= 1000))) AS bad
FROM events WHERE kind = 'policy' AND decision != 'error' AND request_latency_ms IS NOT NULL GROUP BY minute, tenant, app;

-- The decisions already stored. Run again after a crash, the sets hold each event once.
INSERT INTO sli_minute (minute, sli, tenant, app, valid, bad)
SELECT toStartOfMinute(time) AS minute, 'gateway_request_latency' AS sli, tenant, app,
       uniqExactState(sipHash64(event_id)) AS valid, uniqExactIfState(sipHash64(event_id), toUInt8(NOT (assumeNotNull(request_latency_ms) <= 1000))) AS bad
FROM events WHERE kind = 'policy' AND decision != 'error' AND request_latency_ms IS NOT NULL GROUP BY minute, tenant, app;

-- Their minutes that are already sealed are read from the sealed counts (sli_minute_counts), so
-- those are written too, at once rather than by the next sealing pass. They carry the last pass's
-- `sealed_through`, not now: the next pass must still re-seal the minutes that late events reached
-- since that pass (sql/queries/sli_seal.sql), and it seals these again to the same counts.
INSERT INTO sli_minute_sealed (minute, sli, tenant, app, good, valid, sealed_through)
WITH (SELECT (max(minute) + 60, max(sealed_through)) FROM sli_minute_sealed) AS last_pass
SELECT minute, sli, tenant, app, toUInt64(uniqExactMerge(valid) - uniqExactIfMerge(bad)) AS good_events, uniqExactMerge(valid) AS valid_events,
       last_pass.2 AS through
FROM sli_minute
WHERE sli = 'gateway_request_latency' AND minute < last_pass.1
GROUP BY minute, sli, tenant, app;

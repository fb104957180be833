-- A policy decision's request latency as its enforcement point reports it (ZPA's connection setup,
-- OPA-Envoy's whole authorization answer): the gateway request-latency SLI's raw figure, beside the
-- policy engine's own eval_latency_ms.
ALTER TABLE events ADD COLUMN IF NOT EXISTS request_latency_ms Nullable(Float64) CODEC(ZSTD(1)) AFTER eval_latency_ms;

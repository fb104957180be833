// The names other systems see, spelled once: every metric the service exports, every recording
// rule and the alert the SLO generator writes, and the latency threshold the SLI counts as good.
// The metrics registry, the rule and promtool-test generators and the dashboards import them,
// so a rename cannot leave a dashboard or a rule reading a series nobody writes.

/** Every metric the service exports, by its field in `ZtnaMetrics` (src/metrics.ts). */
export const METRIC_NAMES = {
  sliGood: 'ztna_sli_good_events_total',
  sliValid: 'ztna_sli_valid_events_total',
  evalLatency: 'ztna_policy_eval_latency_seconds',
  gatewayLatency: 'ztna_gateway_request_latency_seconds',
  tokenAge: 'ztna_token_age_at_use_seconds',
  tokenLifetime: 'ztna_token_issued_lifetime_seconds',
  tokenUsesOverAgeLimit: 'ztna_token_uses_over_age_limit_total',
  sessionReevaluation: 'ztna_session_reevaluation_seconds',
  emitterSilence: 'ztna_emitter_silence_seconds',
  emitterSilent: 'ztna_emitter_silent',
  emitterRestarts: 'ztna_emitter_restarts_total',
  policyDecisions: 'ztna_policy_decisions_total',
  telemetryOpenGaps: 'ztna_telemetry_open_gap_events',
  events: 'ztna_events_total',
  deadLetters: 'ztna_dead_letters_total',
  batchRecords: 'ztna_batch_records',
  insertSeconds: 'ztna_store_insert_duration_seconds',
  storeErrors: 'ztna_store_errors_total',
  ingestRetries: 'ztna_ingest_retries_total',
  consumerLag: 'ztna_consumer_lag_messages',
  anomalies: 'ztna_anomalies_total',
  scorerKeys: 'ztna_scorer_state_keys',
  scorerRebuildSeconds: 'ztna_scorer_state_rebuild_seconds',
  keyedHopSeconds: 'ztna_keyed_hop_seconds',
  apiKeyLastUsed: 'ztna_api_key_last_used_timestamp_seconds',
} as const;

/**
 * The rotation policy's default maximum age of a service credential, in days (the guide's M7):
 * ZTNA_CREDENTIAL_MAX_AGE_DAYS sets the API's; the generated dashboards count against this one.
 */
export const DEFAULT_CREDENTIAL_MAX_AGE_DAYS = 90;

/** The prefix of the Node.js process metrics (prom-client's default metrics). */
export const PROCESS_METRIC_PREFIX = 'ztna_process_';

/** The series Prometheus exposes for a histogram: its buckets and its count. */
export const histogramBuckets = (histogram: string) => `${histogram}_bucket`;
/**
 * A bucket's `le` as prom-client writes it and Prometheus 2 stores it (`1`, `0.1`). Prometheus 3
 * stores a whole number as `1.0`: a selector of a whole-number bound reads nothing there (README,
 * "Versions"), so the thresholds that are whole seconds (gateway latency 1 s, re-evaluation 300 s)
 * hold on Prometheus 2 only, for now.
 */
export const leBound = (seconds: number) => String(seconds);
export const histogramCount = (histogram: string) => `${histogram}_count`;

/** An SLI's error ratio (1 − good / valid) over a window named as Prometheus does ('5m', '30d'). */
export const errorRatioRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;

/** Valid events of an SLI over a window ('5m'): the low-traffic guard of the alerts. */
export const validEventsRecord = (window: string) => `slo:sli_valid_events:increase${window}`;

/** An SLO's objective as a ratio (0.999). */
export const OBJECTIVE_RECORD = 'slo:objective:ratio';

/** Share of an SLO's error budget left over its own window, whatever that window is (negative when overspent). */
export const ERROR_BUDGET_REMAINING_RECORD = 'slo:error_budget_remaining:ratio';

/** The enforcement-point health alerts (F7): an emitter silent while its peers report, and one that keeps restarting. */
export const SILENT_ALERT_NAME = 'ZtnaEnforcementPointSilent';
export const RESTARTING_ALERT_NAME = 'ZtnaEnforcementPointRestarting';

/** The multiwindow multi-burn-rate alert of every SLO, told apart by its `slo` and `severity` labels. */
export const ALERT_NAME = 'ZtnaErrorBudgetBurn';

/**
 * The latency that counts as good, per latency SLI: the SLO spec must state it, the latency
 * histograms have a bucket at it, and the ClickHouse rollups count by it (migrations 0003 and
 * 0006 for the policy evaluation, 0022 for the gateway's request; an applied migration cannot
 * change, so a test holds them together).
 */
export const LATENCY_THRESHOLDS_MS = { policy_eval_latency: 100, gateway_request_latency: 1000 } as const;

/** The guide's target for the time a session runs before its access is evaluated again (M5). */
export const REEVALUATION_TARGET_SECONDS = 300;

/** The age past which a token's use is kept for the longest-lived tokens (migration 0016): an hour. */
export const LONG_LIVED_TOKEN_MIN_AGE_SECONDS = 3600;

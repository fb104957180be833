// The SLI metrics: good/valid counter pairs, so one burn-rate method serves all, and the
// latency histogram with a bucket at the SLO threshold. Registered on the service's registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_NAMES, REEVALUATION_TARGET_SECONDS } from '../conventions.js';
import type { LatencySli } from './definitions.js';

export const SLI_LABELS = ['sli', 'tenant', 'app', 'idp', 'source', 'emitter'] as const;
export const DEFAULT_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Token ages and lifetimes: a minute to 30 days (the token age limit gets a bucket of its own). */
export const TOKEN_LIFETIME_BUCKETS = [60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 86_400, 7 * 86_400, 30 * 86_400];
const TOKEN_LABELS = ['tenant', 'token_type', 'client'] as const;

export type SliMetrics = ReturnType<typeof registerSliMetrics>;

/** Each latency SLI's histogram, by its metric's field in METRIC_NAMES. */
export const LATENCY_HISTOGRAMS = {
  policy_eval_latency: 'evalLatency',
  gateway_request_latency: 'gatewayLatency',
} as const satisfies Record<LatencySli, keyof typeof METRIC_NAMES & keyof SliMetrics>;

const withBuckets = (buckets: readonly number[], extra: readonly number[]) => [...new Set([...buckets, ...extra])].sort((a, b) => a - b);

/** `latencyThresholdsSeconds`: each latency SLO's threshold gets a bucket of its own; so does `tokenAgeLimitSeconds`. */
export function registerSliMetrics(
  registry: Registry,
  options: { latencyThresholdsSeconds?: readonly number[]; tokenAgeLimitSeconds?: number } = {},
) {
  const buckets = withBuckets(DEFAULT_LATENCY_BUCKETS, options.latencyThresholdsSeconds ?? []);
  const tokenBuckets = withBuckets(
    TOKEN_LIFETIME_BUCKETS,
    options.tokenAgeLimitSeconds === undefined ? [] : [options.tokenAgeLimitSeconds],
  );
  const registers = [registry];
  return {
    sliGood: new Counter({ name: METRIC_NAMES.sliGood, help: 'Events good for the SLI named by `sli`', labelNames: SLI_LABELS, registers }),
    sliValid: new Counter({
      name: METRIC_NAMES.sliValid,
      help: 'Events valid for the SLI named by `sli` (the denominator)',
      labelNames: SLI_LABELS,
      registers,
    }),
    evalLatency: new Histogram({
      name: METRIC_NAMES.evalLatency,
      help: 'Policy evaluation latency reported by the policy engine',
      labelNames: ['tenant', 'app'],
      buckets,
      registers,
    }),
    gatewayLatency: new Histogram({
      name: METRIC_NAMES.gatewayLatency,
      help: 'Time the enforcement point took to serve the request it decided, as it reports it',
      labelNames: ['tenant', 'app'],
      buckets,
      registers,
    }),
    tokenAge: new Histogram({
      name: METRIC_NAMES.tokenAge,
      help: 'Age of a token when it is used (use time − issued_at)',
      labelNames: TOKEN_LABELS,
      buckets: tokenBuckets,
      registers,
    }),
    tokenLifetime: new Histogram({
      name: METRIC_NAMES.tokenLifetime,
      help: 'Lifetime a token was issued for (expires_at − issued_at), counted when it is issued, refreshed or exchanged',
      labelNames: TOKEN_LABELS,
      buckets: tokenBuckets,
      registers,
    }),
    tokenUsesOverAgeLimit: new Counter({
      name: METRIC_NAMES.tokenUsesOverAgeLimit,
      help: 'Uses of tokens older than ZTNA_TOKEN_AGE_LIMIT_SECONDS (÷ the token age count: the share)',
      labelNames: TOKEN_LABELS,
      registers,
    }),
    sessionReevaluation: new Histogram({
      name: METRIC_NAMES.sessionReevaluation,
      help: 'Time a session ran before its access was evaluated again (a decision or an authentication), since its previous evaluation or its start',
      labelNames: ['tenant'],
      buckets: [30, 60, 120, REEVALUATION_TARGET_SECONDS, 600, 900, 1800, 3600, 4 * 3600, 8 * 3600, 86_400],
      registers,
    }),
    emitterSilence: new Gauge({
      name: METRIC_NAMES.emitterSilence,
      help: "Event time since an emitter's last event, against the newest event of its tenant's other emitters (0 while it reports)",
      labelNames: ['tenant', 'emitter'],
      registers,
    }),
    emitterSilent: new Gauge({
      name: METRIC_NAMES.emitterSilent,
      help: '1 while an emitter is silent past ZTNA_EMITTER_SILENCE_SECONDS while its peers report, else 0',
      labelNames: ['tenant', 'emitter'],
      registers,
    }),
    emitterRestarts: new Counter({
      name: METRIC_NAMES.emitterRestarts,
      help: 'Times an emitter started its sequence again (a restart: its sequence fell back near 1)',
      labelNames: ['tenant', 'emitter'],
      registers,
    }),
    policyDecisions: new Counter({
      name: METRIC_NAMES.policyDecisions,
      help: 'Policy decisions by outcome (the denial rate)',
      labelNames: ['tenant', 'decision'],
      registers,
    }),
    telemetryOpenGaps: new Gauge({
      name: METRIC_NAMES.telemetryOpenGaps,
      help: 'Events missing from an emitter sequence, still inside the reorder window',
      labelNames: ['emitter'],
      registers,
    }),
  };
}

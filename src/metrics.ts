// Every Prometheus metric the service exports (prom-client), in base units with
// Prometheus naming. SLIs are good/valid counter pairs, so one burn-rate method serves all;
// the latency SLI is a histogram with a bucket at the SLO threshold.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC_NAMES, PROCESS_METRIC_PREFIX } from './conventions.js';

export const SLI_LABELS = ['sli', 'tenant', 'app', 'idp', 'source', 'emitter'] as const;
export const DEFAULT_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface ZtnaMetrics {
  registry: Registry;
  sliGood: Counter<(typeof SLI_LABELS)[number]>;
  sliValid: Counter<(typeof SLI_LABELS)[number]>;
  evalLatency: Histogram<'tenant' | 'app'>;
  policyDecisions: Counter<'tenant' | 'decision'>;
  telemetryOpenGaps: Gauge<'emitter'>;
  events: Counter<'kind' | 'source' | 'status'>;
  deadLetters: Counter<'door'>;
  batchRecords: Histogram;
  insertSeconds: Histogram<'table'>;
  storeErrors: Counter<'table' | 'class'>;
  ingestRetries: Counter<'door'>;
  consumerLag: Gauge<'topic' | 'partition'>;
  anomalies: Counter<'type' | 'kind' | 'severity'>;
  scorerKeys: Gauge<'scorer'>;
}

export function createMetrics(options: { latencyThresholdsSeconds?: number[] } = {}): ZtnaMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PROCESS_METRIC_PREFIX });
  const buckets = [...new Set([...DEFAULT_LATENCY_BUCKETS, ...(options.latencyThresholdsSeconds ?? [])])].sort((a, b) => a - b);
  const registers = [registry];
  return {
    registry,
    sliGood: new Counter({ name: METRIC_NAMES.sliGood, help: 'Events good for the SLI named by `sli`', labelNames: SLI_LABELS, registers }),
    sliValid: new Counter({ name: METRIC_NAMES.sliValid, help: 'Events valid for the SLI named by `sli` (the denominator)', labelNames: SLI_LABELS, registers }),
    evalLatency: new Histogram({ name: METRIC_NAMES.evalLatency, help: 'Policy evaluation latency reported by the policy engine', labelNames: ['tenant', 'app'], buckets, registers }),
    policyDecisions: new Counter({ name: METRIC_NAMES.policyDecisions, help: 'Policy decisions by outcome (the denial rate)', labelNames: ['tenant', 'decision'], registers }),
    telemetryOpenGaps: new Gauge({ name: METRIC_NAMES.telemetryOpenGaps, help: 'Events missing from an emitter sequence, still inside the reorder window', labelNames: ['emitter'], registers }),
    events: new Counter({ name: METRIC_NAMES.events, help: 'Records read, by kind, source and what became of them (normalized, skipped, rejected)', labelNames: ['kind', 'source', 'status'], registers }),
    deadLetters: new Counter({ name: METRIC_NAMES.deadLetters, help: 'Records dead-lettered, by the door they came in by', labelNames: ['door'], registers }),
    batchRecords: new Histogram({ name: METRIC_NAMES.batchRecords, help: 'Records per processed batch', buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000], registers }),
    insertSeconds: new Histogram({ name: METRIC_NAMES.insertSeconds, help: 'Time for one store insert to be acknowledged', labelNames: ['table'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    storeErrors: new Counter({ name: METRIC_NAMES.storeErrors, help: 'Store inserts that failed, by table and class: data (the rows were refused) or transient (the store was busy or unreachable)', labelNames: ['table', 'class'], registers }),
    ingestRetries: new Counter({ name: METRIC_NAMES.ingestRetries, help: 'Batches retried after a transient failure, by door (nothing committed meanwhile)', labelNames: ['door'], registers }),
    consumerLag: new Gauge({ name: METRIC_NAMES.consumerLag, help: 'Messages behind the partition end, as of the last batch', labelNames: ['topic', 'partition'], registers }),
    anomalies: new Counter({ name: METRIC_NAMES.anomalies, help: 'Anomalies raised, by type, kind and severity', labelNames: ['type', 'kind', 'severity'], registers }),
    scorerKeys: new Gauge({ name: METRIC_NAMES.scorerKeys, help: 'Keys (credentials, denial keys) a scorer holds in memory', labelNames: ['scorer'], registers }),
  };
}

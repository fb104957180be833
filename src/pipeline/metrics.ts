// The pipeline's health: records by what became of them, dead letters, batch sizes, store inserts.
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRIC_NAMES } from '../conventions.js';

export type PipelineMetrics = ReturnType<typeof registerPipelineMetrics>;

export function registerPipelineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    events: new Counter({
      name: METRIC_NAMES.events,
      help: 'Records read, by kind, source and what became of them (normalized, skipped, rejected)',
      labelNames: ['kind', 'source', 'status'],
      registers,
    }),
    deadLetters: new Counter({
      name: METRIC_NAMES.deadLetters,
      help: 'Records dead-lettered, by the door they came in by',
      labelNames: ['door'],
      registers,
    }),
    batchRecords: new Histogram({
      name: METRIC_NAMES.batchRecords,
      help: 'Records per processed batch',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
      registers,
    }),
    insertSeconds: new Histogram({
      name: METRIC_NAMES.insertSeconds,
      help: 'Time for one store insert to be acknowledged',
      labelNames: ['table'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    storeErrors: new Counter({
      name: METRIC_NAMES.storeErrors,
      help: 'Store inserts that failed, by table and class: data (the rows were refused) or transient (the store was busy or unreachable)',
      labelNames: ['table', 'class'],
      registers,
    }),
  };
}

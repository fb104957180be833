// The scorers' metrics: anomalies raised, and how many keys each holds in memory.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_NAMES } from '../conventions.js';

export type DetectMetrics = ReturnType<typeof registerDetectMetrics>;

export function registerDetectMetrics(registry: Registry) {
  const registers = [registry];
  return {
    anomalies: new Counter({
      name: METRIC_NAMES.anomalies,
      help: 'Anomalies raised, by type, kind and severity',
      labelNames: ['type', 'kind', 'severity'],
      registers,
    }),
    scorerKeys: new Gauge({
      name: METRIC_NAMES.scorerKeys,
      help: 'Keys (credentials, denial keys) a scorer holds in memory',
      labelNames: ['scorer'],
      registers,
    }),
    rebuildSeconds: new Histogram({
      name: METRIC_NAMES.scorerRebuildSeconds,
      help: 'Time to rebuild the scorers state of the keyed partitions a replica gained, from the store',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
}

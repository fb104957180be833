// The doors' metrics: batches retried while the store is away, and how far behind Kafka they are.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_NAMES } from '../conventions.js';

export type SourceMetrics = ReturnType<typeof registerSourceMetrics>;

export function registerSourceMetrics(registry: Registry) {
  const registers = [registry];
  return {
    ingestRetries: new Counter({
      name: METRIC_NAMES.ingestRetries,
      help: 'Batches retried after a transient failure, by door (nothing committed meanwhile)',
      labelNames: ['door'],
      registers,
    }),
    consumerLag: new Gauge({
      name: METRIC_NAMES.consumerLag,
      help: 'Messages behind the partition end, as of the last batch',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    keyedHopSeconds: new Histogram({
      name: METRIC_NAMES.keyedHopSeconds,
      help: 'From a keyed message produced (after its event was stored) to its scoring: what the keyed hop adds to detection',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}

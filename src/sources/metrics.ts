// The doors' metrics: batches retried while the store is away, and how far behind Kafka they are.
import { Counter, Gauge, type Registry } from 'prom-client';
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
  };
}

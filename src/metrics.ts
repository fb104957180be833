// The service's Prometheus registry, with the process's own metrics. Each module registers its
// metrics on it (sli/metrics.ts, pipeline/metrics.ts, sources/metrics.ts, detect/metrics.ts), by
// the names in conventions.ts; the wiring (commands/metrics.ts) hands each its part.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { PROCESS_METRIC_PREFIX } from './conventions.js';

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PROCESS_METRIC_PREFIX });
  return registry;
}

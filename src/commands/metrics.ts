// Every metric the service exports, on one registry: each module's own set, registered by it.
import type { Registry } from 'prom-client';
import { registerApiMetrics, type ApiMetrics } from '../api/metrics.js';
import { registerDetectMetrics, type DetectMetrics } from '../detect/metrics.js';
import { createRegistry } from '../metrics.js';
import { registerPipelineMetrics, type PipelineMetrics } from '../pipeline/metrics.js';
import { registerSliMetrics, type SliMetrics } from '../sli/metrics.js';
import type { SloSpec } from '../slo/spec.js';
import { registerSourceMetrics, type SourceMetrics } from '../sources/metrics.js';

export interface ServiceMetrics {
  registry: Registry;
  sli: SliMetrics;
  pipeline: PipelineMetrics;
  sources: SourceMetrics;
  detect: DetectMetrics;
  api: ApiMetrics;
}

/** With a spec, each latency SLO's threshold gets a histogram bucket of its own; so does the token age limit. */
export function serviceMetrics(spec?: SloSpec, options: { tokenAgeLimitSeconds?: number } = {}): ServiceMetrics {
  const registry = createRegistry();
  const latencyThresholdsSeconds = spec?.slos.flatMap((s) => (s.latency_threshold_ms ? [s.latency_threshold_ms / 1000] : [])) ?? [];
  return {
    registry,
    sli: registerSliMetrics(registry, { latencyThresholdsSeconds, ...options }),
    pipeline: registerPipelineMetrics(registry),
    sources: registerSourceMetrics(registry),
    detect: registerDetectMetrics(registry),
    api: registerApiMetrics(registry),
  };
}

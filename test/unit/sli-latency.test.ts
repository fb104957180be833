// The latency SLIs from what a decision reports: the policy engine's evaluation and the enforcement
// point's answer to the request (the gateway request-latency SLI), each into its own histogram.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { PolicyEvent } from '../../src/events/index.js';
import { latencyObservations } from '../../src/sli/definitions.js';
import { registerSliMetrics } from '../../src/sli/metrics.js';
import { SliProcessor } from '../../src/sli/processor.js';

const decision = (id: string, fields: Partial<PolicyEvent>): PolicyEvent => ({
  kind: 'policy',
  event_id: id,
  time: '2026-12-03T10:00:00.000Z',
  observed_time: '2026-12-03T10:00:01.000Z',
  tenant: 'acme',
  source: 'zpa_user_activity',
  emitter_id: 'zpa:acme',
  app: 'payroll',
  ocsf_class_uid: 3003,
  ocsf_activity_id: 1,
  decision: 'allow',
  reasons: [],
  ...fields,
});

/** A histogram's count and its bucket at `le`, summed over its series. */
async function histogram(registry: Registry, name: string, le: number) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  const values = metric.values as Array<{ metricName?: string; labels: Record<string, unknown>; value: number }>;
  const sum = (suffix: string, match: (labels: Record<string, unknown>) => boolean = () => true) =>
    values.filter((v) => v.metricName?.endsWith(suffix) && match(v.labels)).reduce((s, v) => s + v.value, 0);
  return { count: sum('_count'), within: sum('_bucket', (l) => l.le === le) };
}

describe('latency SLIs', () => {
  it('reads each latency a decision reports, in seconds; an evaluation error has none', () => {
    expect(latencyObservations(decision('a', { eval_latency_ms: 2, request_latency_ms: 250 }))).toEqual([
      { sli: 'policy_eval_latency', seconds: 0.002 },
      { sli: 'gateway_request_latency', seconds: 0.25 },
    ]);
    expect(latencyObservations(decision('b', { request_latency_ms: 1500 }))).toEqual([{ sli: 'gateway_request_latency', seconds: 1.5 }]);
    expect(latencyObservations(decision('c', { decision: 'error', request_latency_ms: 80 }))).toEqual([]);
  });

  it('counts gateway requests in their own histogram, with a bucket at the SLO threshold', async () => {
    const registry = new Registry();
    const processor = new SliProcessor(registerSliMetrics(registry, { latencyThresholdsSeconds: [0.75] }), {
      labelCap: 100,
      reorderWindowMs: 60_000,
      restartMaxSeq: 10,
    });
    processor.process([
      decision('fast', { request_latency_ms: 120.5, eval_latency_ms: 0.035 }),
      decision('slow', { request_latency_ms: 2300 }),
      decision('at-threshold', { request_latency_ms: 750 }),
      decision('no-gateway-figure', { eval_latency_ms: 140 }),
      decision('failed', { decision: 'error', request_latency_ms: 90 }),
    ]);
    expect(await histogram(registry, 'ztna_gateway_request_latency_seconds', 0.75)).toEqual({ count: 3, within: 2 });
    expect(await histogram(registry, 'ztna_policy_eval_latency_seconds', 0.1)).toEqual({ count: 2, within: 1 });
  });
});

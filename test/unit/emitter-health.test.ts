// Enforcement-point health (F7): an emitter silent while its tenant's other emitters report, and
// restarts (its sequence starting again), as metrics per tenant and emitter.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../src/events/index.js';
import { EmitterHealth } from '../../src/sli/emitterHealth.js';
import { registerSliMetrics } from '../../src/sli/metrics.js';
import { SliProcessor } from '../../src/sli/processor.js';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const MIN = 60_000;
const decision = (tenant: string, emitter: string, minutes: number, seq?: number): CanonicalEvent => ({
  kind: 'policy',
  event_id: `${emitter}-${minutes}-${seq}`,
  time: new Date(T0 + minutes * MIN).toISOString(),
  observed_time: new Date(T0 + minutes * MIN).toISOString(),
  tenant,
  source: 'native',
  emitter_id: emitter,
  ...(seq === undefined ? {} : { emitter_seq: seq }),
  ocsf_class_uid: 3003,
  ocsf_activity_id: 1,
  decision: 'allow',
  reasons: [],
});

describe('enforcement-point health', () => {
  it("measures an emitter's silence against its tenant's newest event: silent past the window, never without peers", () => {
    const health = new EmitterHealth({ silenceMs: 5 * MIN, forgetMs: 60 * MIN });
    health.seen('acme', 'pep-a', T0);
    health.seen('acme', 'pep-b', T0 + 3 * MIN);
    health.seen('globex', 'pep-g', T0);
    expect(health.report().emitters).toEqual([
      { tenant: 'acme', emitter: 'pep-a', silentSeconds: 180, silent: false },
      { tenant: 'acme', emitter: 'pep-b', silentSeconds: 0, silent: false },
      { tenant: 'globex', emitter: 'pep-g', silentSeconds: 0, silent: false },
    ]);
    health.seen('acme', 'pep-b', T0 + 6 * MIN);
    // A late event of pep-a does not move it back.
    health.seen('acme', 'pep-a', T0 - MIN);
    expect(health.report().emitters[0]).toEqual({ tenant: 'acme', emitter: 'pep-a', silentSeconds: 360, silent: true });
    health.seen('acme', 'pep-b', T0 + 61 * MIN);
    const { emitters, forgotten } = health.report();
    expect(forgotten).toEqual([{ tenant: 'acme', emitter: 'pep-a' }]);
    expect(emitters.map((e) => e.emitter)).toEqual(['pep-b', 'pep-g']);
  });

  it('exports silence and restarts per tenant and emitter from the batches it counts', async () => {
    const registry = new Registry();
    const processor = new SliProcessor(registerSliMetrics(registry), {
      labelCap: 100,
      reorderWindowMs: 60_000,
      restartMaxSeq: 10,
      emitterSilenceMs: 5 * MIN,
    });
    // pep-a reports to minute 2, then stops; pep-b goes on to minute 9 and restarts twice (its sequence back to 1).
    processor.process([decision('acme', 'pep-a', 0, 100), decision('acme', 'pep-a', 2, 101), decision('acme', 'pep-b', 0, 500)]);
    processor.process([
      decision('acme', 'pep-b', 4, 1),
      decision('acme', 'pep-b', 6, 20),
      decision('acme', 'pep-b', 7, 1),
      decision('acme', 'pep-b', 9, 2),
    ]);
    const metrics = Object.fromEntries((await registry.getMetricsAsJSON()).map((m) => [m.name, m.values]));
    const of = (name: string, emitter: string) => metrics[name]!.find((v) => v.labels.emitter === emitter)?.value;
    expect(of('ztna_emitter_silence_seconds', 'pep-a')).toBe(420);
    expect(of('ztna_emitter_silent', 'pep-a')).toBe(1);
    expect(of('ztna_emitter_silent', 'pep-b')).toBe(0);
    expect(of('ztna_emitter_restarts_total', 'pep-b')).toBe(2);
    expect(of('ztna_emitter_restarts_total', 'pep-a')).toBe(0);
  });
});

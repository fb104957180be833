// The guide's failure modes the simulator injects (issue 19, item 9), seen by what serves them:
// a crashed enforcement point by its health metrics (F7), a slow gateway by the gateway latency
// SLI (F9), a user granted broad access by the over-privilege view (F10) on chDB. Each against
// its label, and the rest of the traffic left alone.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rareAccess, rareQuery } from '../../src/api/access.js';
import { anyTenant } from '../../src/api/tenancy.js';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { latencyObservations } from '../../src/sli/definitions.js';
import { registerSliMetrics } from '../../src/sli/metrics.js';
import { SliProcessor } from '../../src/sli/processor.js';
import { parseScenarios, type ScenarioLabel } from '../../src/simulate/scenarios.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import type { Store } from '../../src/store/index.js';
import { closeAll, httpRecords } from '../support/api.js';
import { normalizeOptions } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { chdbStores } from '../support/stores.js';

const START = Date.parse('2026-11-20T09:00:00Z');
const MIN = 60_000;
const sim = new TrafficSimulator({
  seed: 5,
  start: START,
  peakRate: 20,
  dailyCycle: false,
  scenarios: parseScenarios('pep-crash@10m+10m,slow-gateway@10m+10m,broad-access@10m+10m', START),
});
const lines: string[] = [];
while (sim.time < START + 30 * MIN) lines.push(sim.next().line);
const events = lines.flatMap((line) => {
  const o = normalizeRecord(line, normalizeOptions());
  return o.status === 'normalized' ? [o.event, ...o.related] : [];
});
const label = (name: string): ScenarioLabel => sim.labels.find((l) => l.scenario === name)!;
const minute = (e: CanonicalEvent) => Math.floor((Date.parse(e.time) - START) / MIN);

describe("the guide's failure modes, injected", () => {
  it('a crashed enforcement point: silent while its peers report, then a restart (F7)', async () => {
    const emitter = label('pep-crash').keys.emitter as string;
    const registry = new Registry();
    const processor = new SliProcessor(registerSliMetrics(registry), {
      labelCap: 100,
      reorderWindowMs: 60_000,
      restartMaxSeq: 10,
      emitterSilenceMs: 5 * MIN,
    });
    const of = async (name: string, who: string) =>
      (await registry.getMetricsAsJSON())
        .find((m) => m.name === name)!
        .values.filter((v) => v.labels.emitter === who)
        .reduce((n, v) => n + v.value, 0);
    const upTo = (last: number) => processor.process(events.filter((e) => minute(e) <= last && minute(e) > last - 1));
    const silent: number[] = [];
    for (let m = 0; m < 30; m++) {
      upTo(m);
      silent.push(await of('ztna_emitter_silent', emitter));
    }
    expect(events.some((e) => e.emitter_id === emitter && minute(e) >= 10 && minute(e) < 20)).toBe(false);
    // Silent once 5 minutes passed without it (minutes 15–19), reporting again after.
    expect(silent.slice(0, 14).every((s) => s === 0)).toBe(true);
    expect(silent.slice(16, 20)).toEqual([1, 1, 1, 1]);
    expect(silent.slice(21)).toEqual(Array(9).fill(0));
    expect(await of('ztna_emitter_restarts_total', emitter)).toBe(1);
    const others = [...new Set(events.map((e) => e.emitter_id))].filter((e) => e !== emitter);
    for (const other of others) expect(await of('ztna_emitter_restarts_total', other), other).toBe(0);
  });

  it('a slow gateway: its requests miss the 1 s objective in the window, and only there (F9)', () => {
    const pep = label('slow-gateway').keys.enforcement_point as string;
    const within = (during: boolean, own: boolean) => {
      const seconds = events
        .filter((e) => e.kind === 'policy' && (e.enforcement_point === pep) === own && (minute(e) >= 10 && minute(e) < 20) === during)
        .flatMap((e) =>
          latencyObservations(e)
            .filter((o) => o.sli === 'gateway_request_latency')
            .map((o) => o.seconds),
        );
      expect(seconds.length).toBeGreaterThan(50);
      return seconds.filter((s) => s <= 1).length / seconds.length;
    };
    expect(within(true, true)).toBeLessThan(0.3);
    expect(within(false, true)).toBeGreaterThan(0.99);
    expect(within(true, false)).toBeGreaterThan(0.99);
  });

  describe('a user granted broad access (F10)', () => {
    let store: Store;
    beforeAll(async () => {
      store = await chdbStores('guide-scenarios');
      await new IngestPipeline(store, pipelineOptions()).processBatch(httpRecords(lines));
    });
    afterAll(() => closeAll(store));

    it("is the one outside the peers' pattern: the apps granted, and no one else", async () => {
      const { principal, app } = label('broad-access').keys;
      const q = rareQuery.parse({ from: new Date(START).toISOString(), to: new Date(START + 30 * MIN).toISOString(), limit: '1000' });
      const found = (await rareAccess(store, q, anyTenant(''))).findings;
      expect(found.map((f) => `${f.principal_id} ${f.app}`).sort()).toEqual(
        (app as string[]).map((a) => `${String(principal)} ${a}`).sort(),
      );
      expect(found.every((f) => f.tenant === label('broad-access').tenant && f.app_principals === 1)).toBe(true);
    });
  });
});

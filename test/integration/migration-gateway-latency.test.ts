// Migration 0022 on a store that already holds decisions with request latencies, their minutes
// sealed: the gateway request-latency SLI is counted from them at once (the backfill, sealed
// counts included), equal to a recount of the raw rows, and stays so through the next sealing
// pass; decisions stored after it are counted by its view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliCounts } from '../../src/api/slis.js';
import { anyTenant } from '../../src/api/tenancy.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { parseScenarios } from '../../src/simulate/scenarios.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { ChdbStore, migrate, type Store } from '../../src/store/index.js';
import { sealClosedMinutes } from '../../src/store/sealMinutes.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';

const BEFORE_THE_ROLLUP = 21;
const START = Date.parse('2026-11-20T10:00:00Z');
const AFTER = new Date('2026-12-01T00:00:00Z');
const RANGE = [new Date('2026-11-01'), AFTER] as const;

const recount = (store: Store) =>
  store.query<{ good: string; valid: string }>(
    "SELECT toString(countIf(request_latency_ms <= 1000)) AS good, toString(count()) AS valid FROM events FINAL WHERE kind = 'policy' AND decision != 'error' AND request_latency_ms IS NOT NULL",
  );

describe('migration 0022: the gateway request latency in the SLI rollup', () => {
  let store: Store;
  const sim = new TrafficSimulator({ seed: 5, start: START, peakRate: 50, scenarios: parseScenarios('slow-gateway@1m+2m', START) });
  const batch = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ value: Buffer.from(sim.next().line), origin: { door: 'file' as const, line: i + 1 } }));
  beforeAll(async () => {
    store = new ChdbStore(tempDir('migration-gateway-latency'));
    await migrate(store, { retentionDays: 400, target: BEFORE_THE_ROLLUP });
    await new IngestPipeline(store, pipelineOptions()).processBatch(batch(6000));
    await sealClosedMinutes(store, AFTER);
    expect((await sliCounts(store, ...RANGE, anyTenant(''))).get('gateway_request_latency')).toBeUndefined();
    const { applied } = await migrate(store, { retentionDays: 400 });
    expect(applied).toContain('0022_gateway_latency_rollup');
  });
  afterAll(() => store?.close());

  it('counts the decisions stored before it at once, slow ones bad, and the next sealing pass keeps the counts', async () => {
    const [raw] = await recount(store);
    const expected = { good: Number(raw!.good), valid: Number(raw!.valid) };
    expect(expected.valid).toBeGreaterThan(500);
    expect(expected.valid - expected.good).toBeGreaterThan(20);
    expect((await sliCounts(store, ...RANGE, anyTenant(''))).get('gateway_request_latency')).toEqual(expected);
    await sealClosedMinutes(store, AFTER);
    expect((await sliCounts(store, ...RANGE, anyTenant(''))).get('gateway_request_latency')).toEqual(expected);
    const [sealed] = await store.query<{ good: string; valid: string }>(
      "SELECT toString(sum(good)) AS good, toString(sum(valid)) AS valid FROM sli_minute_sealed FINAL WHERE sli = 'gateway_request_latency'",
    );
    expect({ good: Number(sealed!.good), valid: Number(sealed!.valid) }).toEqual(expected);
  });

  it('counts the decisions stored after it by its view, with the ones before', async () => {
    await new IngestPipeline(store, pipelineOptions()).processBatch(batch(2000));
    await sealClosedMinutes(store, AFTER);
    const [raw] = await recount(store);
    expect((await sliCounts(store, ...RANGE, anyTenant(''))).get('gateway_request_latency')).toEqual({
      good: Number(raw!.good),
      valid: Number(raw!.valid),
    });
  });
});

// The same SLI three ways on the same events: the stream processors' metrics, the
// ClickHouse per-minute rollups, and a recount from the raw rows. Some events are
// redelivered and some are lost (sequence gaps), as in production.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { sliCounts } from '../../src/api/slis.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { createMetrics, type ZtnaMetrics } from '../../src/metrics.js';
import { SliProcessor } from '../../src/sli/processor.js';
import { ChdbStore, migrate, type Store } from '../../src/store/index.js';
import { normalizeOptions, tempDir } from '../support/helpers.js';

const { observedTime: _t, ...pipelineOptions } = normalizeOptions();

/** Sum of a counter's values for one sli label, from the exported metrics. */
async function metricTotal(metrics: ZtnaMetrics, name: 'ztna_sli_good_events_total' | 'ztna_sli_valid_events_total', sli: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  return metric.values.filter((v) => v.labels.sli === sli).reduce((s, v) => s + v.value, 0);
}

const RECOUNT: Record<string, string> = {
  auth_availability: "SELECT countIf(outcome != 'error') AS good, count() AS valid FROM auth_events FINAL",
  auth_success: "SELECT countIf(outcome = 'success') AS good, count() AS valid FROM auth_events FINAL",
  policy_engine_availability: "SELECT countIf(decision != 'error') AS good, count() AS valid FROM policy_events FINAL",
  policy_eval_latency: "SELECT countIf(eval_latency_ms <= 100) AS good, count() AS valid FROM policy_events FINAL WHERE decision != 'error' AND eval_latency_ms IS NOT NULL",
  posture_compliance: 'SELECT countIf(compliant) AS good, count() AS valid FROM posture_events FINAL',
};

describe('SLIs agree three ways', () => {
  let store: Store;
  let metrics: ZtnaMetrics;

  beforeAll(async () => {
    store = new ChdbStore(tempDir('agree'));
    await migrate(store, { retentionDays: 400 });
    metrics = createMetrics();
    const pipeline = new IngestPipeline(store, pipelineOptions, {
      metrics,
      processors: [new SliProcessor(metrics, { labelCap: 1000, reorderWindowMs: 60_000, restartMaxSeq: 10 })],
    });
    const sim = new TrafficSimulator({ seed: 77, start: Date.parse('2026-11-20T10:00:00Z'), peakRate: 50 });
    const records: RawRecord[] = [];
    for (let i = 0; i < 12_000; i++) {
      const r = sim.next();
      // Lose every 97th record of the first 8,000 in transit: gaps in the emitters' sequences,
      // all older than the reorder window by the end of the stream.
      if (i % 97 === 0 && i < 8_000) continue;
      records.push({ value: Buffer.from(r.line), origin: { door: 'file', line: i + 1 } });
    }
    for (let i = 0; i < records.length; i += 1000) await pipeline.processBatch(records.slice(i, i + 1000));
    // A crash replays a batch: stored twice, it must not count twice in ClickHouse.
    await new IngestPipeline(store, pipelineOptions).processBatch(records.slice(2000, 3000));
  });
  afterAll(async () => store?.close());

  for (const sli of Object.keys(RECOUNT)) {
    it(`${sli}: metrics = rollup = raw recount`, async () => {
      const [raw] = await store.query<{ good: string; valid: string }>(RECOUNT[sli]!);
      const rollup = (await sliCounts(store, new Date('2026-11-01'), new Date('2026-12-01'), '')).get(sli)!;
      const fromMetrics = { good: await metricTotal(metrics, 'ztna_sli_good_events_total', sli), valid: await metricTotal(metrics, 'ztna_sli_valid_events_total', sli) };
      if (sli === 'policy_eval_latency') {
        const h = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'ztna_policy_eval_latency_seconds')!;
        fromMetrics.good = h.values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket') && v.labels.le === 0.1).reduce((s, v) => s + v.value, 0);
        fromMetrics.valid = h.values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_count')).reduce((s, v) => s + v.value, 0);
      }
      const recount = { good: Number(raw!.good), valid: Number(raw!.valid) };
      expect(recount.valid).toBeGreaterThan(100);
      expect(rollup).toEqual(recount);
      expect(fromMetrics).toEqual(recount);
    });
  }

  it('telemetry_completeness: metrics (gaps past the window) = SQL over the raw sequences, and both see the loss', async () => {
    const sql = (await sliCounts(store, new Date('2026-11-01'), new Date('2026-12-01'), '')).get('telemetry_completeness')!;
    const good = await metricTotal(metrics, 'ztna_sli_good_events_total', 'telemetry_completeness');
    const valid = await metricTotal(metrics, 'ztna_sli_valid_events_total', 'telemetry_completeness');
    expect(sql.valid - sql.good).toBeGreaterThan(20);
    expect({ good, valid }).toEqual(sql);
  });
});

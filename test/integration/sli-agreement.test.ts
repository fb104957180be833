// The same SLI three ways on the same events: the stream processors' metrics, the
// ClickHouse per-minute rollups, and a recount from the raw rows; each equal to what the
// simulator's ground truth says of the events delivered. Some events are redelivered and
// some are lost (sequence gaps), as in production; some arrive after their minutes were sealed.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { sliCounts } from '../../src/api/slis.js';
import { anyTenant } from '../../src/api/tenancy.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { parseScenarios } from '../../src/simulate/scenarios.js';
import type { Truth } from '../../src/simulate/shapes.js';
import { serviceMetrics, type ServiceMetrics } from '../../src/commands/metrics.js';
import { LATENCY_THRESHOLDS_MS, METRIC_NAMES } from '../../src/conventions.js';
import { LATENCY_SLIS, RATIO_SLIS } from '../../src/sli/definitions.js';
import { SliProcessor } from '../../src/sli/processor.js';
import { rangeParams, type Store } from '../../src/store/index.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';
import { sealClosedMinutes } from '../../src/store/sealMinutes.js';

const AFTER_THE_STREAM = new Date('2026-12-01T00:00:00Z');

/** Sum of a counter's values for one sli label, from the exported metrics. */
async function metricTotal(
  metrics: ServiceMetrics,
  name: 'ztna_sli_good_events_total' | 'ztna_sli_valid_events_total',
  sli: string,
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  return metric.values.filter((v) => v.labels.sli === sli).reduce((s, v) => s + v.value, 0);
}

interface SliCheck {
  /** The SLI recounted from the raw rows. */
  recount: string;
  /** From the simulator's truth: whether a delivered record is valid for the SLI, and whether it is good. */
  valid: (record: SimulatedRecord, truth: Truth) => boolean;
  good: (truth: Truth) => boolean;
}

/** The shapes whose decisions carry the request's latency. */
const REQUEST_LATENCY_SHAPES = new Set<string | undefined>(['native', 'zpa_user_activity', 'opa_envoy']);

/** The latency SLIs' histograms and the bucket at their thresholds (`le` in seconds). */
const LATENCY_HISTOGRAMS: Record<string, { name: string; le: number }> = {
  policy_eval_latency: { name: METRIC_NAMES.evalLatency, le: LATENCY_THRESHOLDS_MS.policy_eval_latency / 1000 },
  gateway_request_latency: { name: METRIC_NAMES.gatewayLatency, le: LATENCY_THRESHOLDS_MS.gateway_request_latency / 1000 },
};

// Every SLI but telemetry completeness, which needs order, not a per-event predicate (its own test below).
const CHECKS: Record<string, SliCheck> = {
  auth_availability: {
    recount: "SELECT countIf(outcome != 'error') AS good, count() AS valid FROM events FINAL WHERE kind = 'auth'",
    valid: (_r, t) => t.kind === 'auth',
    good: (t) => t.outcome !== 'error',
  },
  auth_success: {
    recount: "SELECT countIf(outcome = 'success') AS good, count() AS valid FROM events FINAL WHERE kind = 'auth'",
    valid: (_r, t) => t.kind === 'auth',
    good: (t) => t.outcome === 'success',
  },
  policy_engine_availability: {
    recount: "SELECT countIf(decision != 'error') AS good, count() AS valid FROM events FINAL WHERE kind = 'policy'",
    valid: (_r, t) => t.kind === 'policy',
    good: (t) => t.decision !== 'error',
  },
  policy_eval_latency: {
    recount:
      "SELECT countIf(eval_latency_ms <= 100) AS good, count() AS valid FROM events FINAL WHERE kind = 'policy' AND decision != 'error' AND eval_latency_ms IS NOT NULL",
    // Okta's sign-on evaluation carries no latency, nor do several gateways' records (their truth has none): none to judge.
    valid: (r, t) => t.kind === 'policy' && t.decision !== 'error' && r.shape !== 'okta' && t.eval_latency_ms !== undefined,
    good: (t) => (t.eval_latency_ms as number) <= 100,
  },
  gateway_request_latency: {
    recount:
      "SELECT countIf(request_latency_ms <= 1000) AS good, count() AS valid FROM events FINAL WHERE kind = 'policy' AND decision != 'error' AND request_latency_ms IS NOT NULL",
    // Only the records of what reports the request's duration carry it (ZPA, OPA as Envoy's authorizer, native
    // records); OPA's own decision log and Okta's sign-on evaluation do not.
    valid: (r, t) =>
      t.kind === 'policy' && t.decision !== 'error' && REQUEST_LATENCY_SHAPES.has(r.shape) && t.request_latency_ms !== undefined,
    good: (t) => (t.request_latency_ms as number) <= 1000,
  },
  posture_compliance: {
    recount: "SELECT countIf(compliant) AS good, count() AS valid FROM events FINAL WHERE kind = 'posture'",
    valid: (_r, t) => t.kind === 'posture',
    good: (t) => t.compliant === true,
  },
};

/** Good and valid events of one SLI among the delivered records, by their truth. */
function truthCounts(delivered: readonly SimulatedRecord[], check: SliCheck): { good: number; valid: number } {
  const valid = delivered.filter((r) => check.valid(r, r.truth!));
  return { good: valid.filter((r) => check.good(r.truth!)).length, valid: valid.length };
}

/**
 * Telemetry completeness by the truth: the delivered events that carry a sequence number are
 * good; valid adds each lost one that lies between two delivered numbers of its emitter (a gap
 * its emitter's later events reveal).
 */
function truthCompleteness(delivered: readonly SimulatedRecord[], lost: readonly SimulatedRecord[]): { good: number; valid: number } {
  const sequenced = (records: readonly SimulatedRecord[]) => records.filter((r) => r.truth?.emitter_seq !== undefined).map((r) => r.truth!);
  const span = new Map<string, { min: number; max: number }>();
  for (const t of sequenced(delivered)) {
    const seq = t.emitter_seq as number;
    const s = span.get(t.emitter_id as string) ?? { min: seq, max: seq };
    span.set(t.emitter_id as string, { min: Math.min(s.min, seq), max: Math.max(s.max, seq) });
  }
  const revealed = sequenced(lost).filter((t) => {
    const s = span.get(t.emitter_id as string);
    return s !== undefined && s.min < (t.emitter_seq as number) && (t.emitter_seq as number) < s.max;
  });
  const good = sequenced(delivered).length;
  return { good, valid: good + revealed.length };
}

/**
 * Telemetry completeness recounted from the raw rows by window functions over every sequenced
 * row of the range's minutes (the query the rollup replaced; whole minutes, like the rollups):
 * per emitter in (time, seq) order, a number at or below 10 after a higher one starts a
 * segment; per segment, the distinct numbers received against max − min + 1.
 */
const RAW_COMPLETENESS = `
SELECT sum(received) AS good, sum(expected) AS valid
FROM (
    SELECT emitter_id, segment, uniqExact(seq) AS received, max(seq) - min(seq) + 1 AS expected
    FROM (
        SELECT emitter_id, seq, sum(restart) OVER (PARTITION BY emitter_id ORDER BY time, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS segment
        FROM (
            SELECT emitter_id, seq, time,
                   toUInt8(seq <= 10 AND lagInFrame(seq, 1, 0) OVER (PARTITION BY emitter_id ORDER BY time, seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) > seq) AS restart
            FROM (
                SELECT emitter_id, assumeNotNull(emitter_seq) AS seq, time FROM events FINAL
                WHERE emitter_seq IS NOT NULL AND time >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND toStartOfMinute(time) < {to:DateTime64(3, 'UTC')}
                  AND ({tenant:String} = '' OR tenant = {tenant:String})
            )
        )
    )
    GROUP BY emitter_id, segment
)`;

/**
 * One emitter that restarts twice: at the first row of a minute (after a minute the rollup
 * takes whole) and in the middle of one. Each segment loses one or two numbers and is its own
 * batch. The events are copies of a delivered policy decision with their own ids, times and
 * numbers, so each ratio SLI counts them like the decision they copy.
 */
function restartingEmitter(template: SimulatedRecord): { segments: SimulatedRecord[][]; good: number; valid: number } {
  const segments = [
    { start: Date.parse('2026-11-20T09:58:00.000Z'), last: 120, lost: [57, 77] },
    { start: Date.parse('2026-11-20T10:00:00.500Z'), last: 40, lost: [30] },
    { start: Date.parse('2026-11-20T10:00:45.000Z'), last: 15, lost: [12] },
  ];
  const copy = (s: number, seq: number, start: number): SimulatedRecord => {
    const changed = {
      emitter_id: 'pep-restarting',
      emitter_seq: seq,
      event_id: `restart-${s}-${seq}`,
      time: new Date(start + (seq - 1) * 1000).toISOString(),
    };
    return { ...template, truth: { ...template.truth!, ...changed }, line: JSON.stringify({ ...JSON.parse(template.line), ...changed }) };
  };
  return {
    segments: segments.map(({ start, last, lost }, s) =>
      Array.from({ length: last }, (_, i) => i + 1)
        .filter((seq) => !lost.includes(seq))
        .map((seq) => copy(s, seq, start)),
    ),
    good: segments.reduce((n, s) => n + s.last - s.lost.length, 0),
    valid: segments.reduce((n, s) => n + s.last, 0),
  };
}

describe('SLIs agree three ways, and with the truth', () => {
  let store: Store;
  let metrics: ServiceMetrics;
  const delivered: SimulatedRecord[] = [];
  const lost: SimulatedRecord[] = [];
  let restarting: ReturnType<typeof restartingEmitter>;

  beforeAll(async () => {
    store = await migratedStore(tempDir('agree'));
    metrics = serviceMetrics();
    const pipeline = new IngestPipeline(store, pipelineOptions(), {
      metrics: metrics.pipeline,
      processors: [new SliProcessor(metrics.sli, { labelCap: 1000, reorderWindowMs: 60_000, restartMaxSeq: 10 })],
    });
    // One enforcement point slow for a while, so the latency threshold tells requests apart.
    const start = Date.parse('2026-11-20T10:00:00Z');
    const sim = new TrafficSimulator({ seed: 77, start, peakRate: 50, scenarios: parseScenarios('slow-gateway@1m+2m', start) });
    const records: RawRecord[] = [];
    for (let i = 0; i < 12_000; i++) {
      const r = sim.next();
      // Lose every 97th record of the first 8,000 in transit: gaps in the emitters' sequences,
      // all older than the reorder window by the end of the stream.
      if (i % 97 === 0 && i < 8_000) {
        lost.push(r);
        continue;
      }
      delivered.push(r);
      records.push({ value: Buffer.from(r.line), origin: { door: 'file', line: i + 1 } });
    }
    for (let i = 0; i < records.length; i += 1000) await pipeline.processBatch(records.slice(i, i + 1000));
    // Every minute so far sealed into plain counts: what follows lands in sealed minutes, late,
    // and the last pass below must re-seal them (sql/queries/sli_seal.sql).
    await sealClosedMinutes(store, AFTER_THE_STREAM);
    restarting = restartingEmitter(delivered.find((r) => r.shape === 'native' && r.truth?.kind === 'policy')!);
    const asRaw = (rs: readonly SimulatedRecord[]): RawRecord[] =>
      rs.map((r, i) => ({ value: Buffer.from(r.line), origin: { door: 'file', line: i + 1 } }));
    for (const segment of restarting.segments) await pipeline.processBatch(asRaw(segment));
    // A crash replays a batch: stored twice, it must not count twice in ClickHouse.
    await new IngestPipeline(store, pipelineOptions()).processBatch(records.slice(2000, 3000));
    await new IngestPipeline(store, pipelineOptions()).processBatch(asRaw(restarting.segments.flat()));
    await sealClosedMinutes(store, AFTER_THE_STREAM);
  });
  afterAll(async () => store?.close());

  it('checks every SLI: each ratio SLI below, telemetry completeness in its own test', () => {
    const slis = [...RATIO_SLIS, ...LATENCY_SLIS].filter((s) => s !== 'telemetry_completeness');
    expect(Object.keys(CHECKS).sort()).toEqual(slis.sort());
  });

  for (const [sli, check] of Object.entries(CHECKS)) {
    it(`${sli}: metrics = rollup = raw recount = truth`, async () => {
      const expected = truthCounts([...delivered, ...restarting.segments.flat()], check);
      expect(expected.valid).toBeGreaterThan(100);
      if (sli === 'gateway_request_latency') expect(expected.valid - expected.good).toBeGreaterThan(20);
      const [raw] = await store.query<{ good: string; valid: string }>(check.recount);
      const rollup = (await sliCounts(store, new Date('2026-11-01'), new Date('2026-12-01'), anyTenant(''))).get(sli)!;
      const fromMetrics = {
        good: await metricTotal(metrics, 'ztna_sli_good_events_total', sli),
        valid: await metricTotal(metrics, 'ztna_sli_valid_events_total', sli),
      };
      // A latency SLI's stream counts are its histogram's: the bucket at the threshold, and the count.
      const histogram = LATENCY_HISTOGRAMS[sli];
      if (histogram) {
        const h = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === histogram.name)!;
        fromMetrics.good = h.values
          .filter((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket') && v.labels.le === histogram.le)
          .reduce((s, v) => s + v.value, 0);
        fromMetrics.valid = h.values
          .filter((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))
          .reduce((s, v) => s + v.value, 0);
      }
      expect({ good: Number(raw!.good), valid: Number(raw!.valid) }).toEqual(expected);
      expect(rollup).toEqual(expected);
      expect(fromMetrics).toEqual(expected);
    });
  }

  it("every minute is sealed, late and redelivered events included: the sealed counts are the sets' counts", async () => {
    const perMinute = (sql: string) =>
      store.query<{ sli: string; tenant: string; app: string; minute: string; good: string; valid: string }>(
        `SELECT sli, tenant, app, minute, good_events AS good, valid_events AS valid FROM (${sql}) ORDER BY sli, tenant, app, minute`,
      );
    const sealed = await perMinute(
      'SELECT sli, tenant, app, minute, good AS good_events, valid AS valid_events FROM sli_minute_sealed FINAL',
    );
    const fromSets = await perMinute(
      `SELECT sli, tenant, app, minute, uniqExactMerge(valid) - uniqExactIfMerge(bad) AS good_events, uniqExactMerge(valid) AS valid_events
       FROM sli_minute GROUP BY sli, tenant, app, minute`,
    );
    expect(fromSets.length).toBeGreaterThan(100);
    expect(sealed).toEqual(fromSets);
  });

  it('denials per minute and principal: the sealed counts, late and redelivered decisions included, = the raw recount', async () => {
    const sealed = await store.query<{ n: string }>('SELECT count() AS n FROM denial_minute_sealed');
    expect(Number(sealed[0]!.n)).toBeGreaterThan(50);
    const perMinute = (sql: string) =>
      store.query<{ minute: string; principal_id: string; n: string }>(`${sql} ORDER BY minute, principal_id`);
    const counted = await perMinute(
      `SELECT minute, principal_id, toString(sum(denials)) AS n FROM denial_minute_counts(from = '2026-11-01 00:00:00', to = '2026-12-01 00:00:00')
       GROUP BY minute, principal_id`,
    );
    const recount = await perMinute(
      `SELECT toStartOfMinute(time) AS minute, principal_id, toString(count()) AS n FROM events FINAL WHERE kind = 'policy' AND decision = 'deny'
       GROUP BY minute, principal_id`,
    );
    expect(counted).toEqual(recount);
  });

  it('telemetry_completeness: metrics (gaps past the window) = rollup = raw recount = truth, and all see the loss', async () => {
    const simulated = truthCompleteness(delivered, lost);
    // 59 of the 83 lost records are in our native format, the only one with sequence numbers.
    expect(simulated.valid - simulated.good).toBeGreaterThan(20);
    const expected = { good: simulated.good + restarting.good, valid: simulated.valid + restarting.valid };
    const sql = (await sliCounts(store, new Date('2026-11-01'), new Date('2026-12-01'), anyTenant(''))).get('telemetry_completeness')!;
    const [raw] = await store.query<{ good: string; valid: string }>(RAW_COMPLETENESS, {
      ...rangeParams({ from: new Date('2026-11-01'), to: new Date('2026-12-01') }),
      tenant: '',
    });
    expect({ good: Number(raw!.good), valid: Number(raw!.valid) }).toEqual(expected);
    const good = await metricTotal(metrics, 'ztna_sli_good_events_total', 'telemetry_completeness');
    const valid = await metricTotal(metrics, 'ztna_sli_valid_events_total', 'telemetry_completeness');
    expect(sql).toEqual(expected);
    expect({ good, valid }).toEqual(expected);
  });

  it('telemetry_completeness: the rollup = the raw recount over ranges that cut segments, per tenant', async () => {
    const ranges: [string, string][] = [
      ['2026-11-20T09:59:17.250Z', '2026-11-20T10:02:41.700Z'], // from inside a whole minute to inside another
      ['2026-11-20T09:58:30.000Z', '2026-11-20T10:00:50.000Z'], // the three segments, each cut
      ['2026-11-20T10:00:20.000Z', '2026-11-20T10:01:00.000Z'], // from inside the second segment, whole minutes only
      ['2026-11-20T10:00:00.000Z', '2026-11-20T10:04:00.000Z'],
    ];
    for (const [from, to] of ranges) {
      for (const tenant of ['', 'acme', 'initech']) {
        const params = { ...rangeParams({ from: new Date(from), to: new Date(to) }), tenant };
        const [raw] = await store.query<{ good: string; valid: string }>(RAW_COMPLETENESS, params);
        const rollup = (await sliCounts(store, new Date(from), new Date(to), anyTenant(tenant))).get('telemetry_completeness')!;
        expect({ from, to, tenant, ...rollup }).toEqual({ from, to, tenant, good: Number(raw!.good), valid: Number(raw!.valid) });
      }
    }
  });
});

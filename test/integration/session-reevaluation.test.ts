// Time to re-evaluate (the guide's M5) in ClickHouse, on chDB: sql/queries/session_reevaluation.sql
// per tenant and for all, as the risk summary gives it against the 5-minute target, and equal to
// what the streaming histogram (src/sli/reevaluation.ts) measures on the same events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskSummary, type RiskSummary } from '../../src/api/riskSummary.js';
import { anyTenant } from '../../src/api/tenancy.js';
import { normalizeRecord } from '../../src/events/index.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { SessionReevaluation } from '../../src/sli/reevaluation.js';
import type { Store } from '../../src/store/index.js';
import { closeAll, httpRecords, SPEC } from '../support/api.js';
import { normalizeOptions } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { chdbStores } from '../support/stores.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const T = NOW.getTime() - 86400_000;
let seq = 0;
const at = (seconds: number, fields: Record<string, unknown>) => ({
  emitter_id: 'e',
  emitter_seq: ++seq,
  tenant: 'acme',
  principal_id: 'ann@acme.example',
  time: new Date(T + seconds * 1000).toISOString(),
  ...fields,
});
const signIn = (seconds: number, session: string, extra = {}) =>
  at(seconds, { kind: 'auth', outcome: 'success', session_id: session, ...extra });
const allow = (seconds: number, session: string, extra = {}) =>
  at(seconds, { kind: 'policy', decision: 'allow', app: 'crm', policy_id: 'crm/allow', session_id: session, ...extra });
const use = (seconds: number, session: string) =>
  at(seconds, { kind: 'token', activity: 'use', token_id: `t-${session}`, session_id: session });

const decided = allow(60, 's1');
const events = [
  // s1: signed in, decided at 60 s, a token used at 100 s (no evaluation), decided again at 460 s: 60 and 400.
  signIn(0, 's1'),
  decided,
  use(100, 's1'),
  allow(460, 's1'),
  // s2 starts with a token use; its first decision 30 s later.
  use(1000, 's2'),
  allow(1030, 's2'),
  // Another tenant's session: 1,000 s between its sign-ins.
  signIn(0, 'g1', { tenant: 'globex', principal_id: 'bob@globex.example' }),
  signIn(1000, 'g1', { tenant: 'globex', principal_id: 'bob@globex.example' }),
  // No session: nothing to re-evaluate.
  signIn(50, ''),
  // The period before: 100 s.
  signIn(-8 * 86400, 'p1'),
  allow(-8 * 86400 + 100, 'p1'),
];

describe('time to re-evaluate in ClickHouse', () => {
  let store: Store;
  let all: RiskSummary;
  let globex: RiskSummary;
  beforeAll(async () => {
    store = await chdbStores('reevaluation');
    const pipeline = new IngestPipeline(store, pipelineOptions());
    expect((await pipeline.processBatch(httpRecords(events))).rejected).toBe(0);
    await pipeline.processBatch(httpRecords([decided])); // redelivered: one evaluation still
    all = await riskSummary(store, SPEC, { period: '7d', tenant: '' }, anyTenant(''), NOW);
    globex = await riskSummary(store, SPEC, { period: '7d', tenant: 'globex' }, anyTenant('globex'), NOW);
  });
  afterAll(() => closeAll(store));

  it('gives the share within the 5-minute target and the 95th percentile, against the period before', () => {
    expect(all.reevaluation.target_seconds).toBe(300);
    // 30, 60, 400 and 1,000 s: two of four within 300 s.
    expect(all.reevaluation.within_target).toEqual({ value: 0.5, previous: 1, change: -0.5 });
    expect(all.reevaluation.p95_seconds).toEqual({ value: 1000, previous: 100, change: 900 });
  });

  it('gives the distribution per tenant, and a tenant alone when asked', () => {
    expect(all.reevaluation.by_tenant).toEqual([
      { tenant: 'acme', reevaluations: 3, within_target: 2 / 3, p50_seconds: 60, p95_seconds: 400, max_seconds: 400 },
      { tenant: 'globex', reevaluations: 1, within_target: 0, p50_seconds: 1000, p95_seconds: 1000, max_seconds: 1000 },
    ]);
    expect(globex.reevaluation.by_tenant.map((t) => t.tenant)).toEqual(['globex']);
    expect(globex.reevaluation.within_target.value).toBe(0);
  });

  it('measures what the streaming histogram measures on the same events', () => {
    const stream = new SessionReevaluation({ maxSessions: 100, idleMs: 86400_000 });
    const intervals = events
      .filter((e) => Date.parse(e.time) >= T - 86400_000)
      .map((e) => normalizeRecord(JSON.stringify(e), normalizeOptions()))
      .flatMap((o) => (o.status === 'normalized' ? [o.event] : []))
      .sort((a, b) => a.time.localeCompare(b.time))
      .flatMap((e) => stream.observe(e) ?? []);
    expect(intervals.sort((a, b) => a - b)).toEqual([30, 60, 400, 1000]);
    expect(intervals.length).toBe(all.reevaluation.by_tenant.reduce((n, t) => n + t.reevaluations, 0));
  });
});

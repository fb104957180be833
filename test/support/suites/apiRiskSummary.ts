// GET /api/v1/risk-summary on a store (chDB, or a ClickHouse server through ClickHouseServerStore): each
// figure against the period before it, SLOs met or missed, denials per day, anomalies by severity and
// the riskiest principals and apps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../../src/api/auth.js';
import { RiskSummary, riskSummary } from '../../../src/api/riskSummary.js';
import { anyTenant } from '../../../src/api/tenancy.js';
import { IngestPipeline } from '../../../src/pipeline/pipeline.js';
import { StoreAnomalySink } from '../../../src/sinks/anomalies.js';
import { AnomalyProcessor } from '../../../src/detect/processor.js';
import { createScorers } from '../../../src/detect/scorers.js';
import { serviceMetrics } from '../../../src/commands/metrics.js';
import type { Store } from '../../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs, SPEC as spec } from '../api.js';
import { pipelineOptions } from '../pipeline.js';
import type { OpenStore } from '../stores.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const daysAgo = (days: number, seconds = 0) => new Date(NOW.getTime() - days * 86400_000 + seconds * 1000).toISOString();

let seq = 0;
const event = (fields: Record<string, unknown> & { kind: string; time: string }) => ({
  tenant: 'acme',
  emitter_id: `e-${fields.kind}`,
  emitter_seq: ++seq,
  ...fields,
});
const auth = (days: number, outcome: string, principal = 'ann@acme.example', extra = {}) =>
  event({ kind: 'auth', time: daysAgo(days), outcome, principal_id: principal, ...extra });
const decision = (days: number, d: string, principal: string, app: string) =>
  event({ kind: 'policy', time: daysAgo(days), decision: d, principal_id: principal, app, policy_id: `${app}/allow`, eval_latency_ms: 5 });
const posture = (days: number, compliant: boolean) => event({ kind: 'posture', time: daysAgo(days), compliant, device_id: `d-${seq}` });

const current = [
  ...Array.from({ length: 8 }, (_, i) => auth(1 + i / 10, 'success')),
  auth(2, 'error'),
  // mallory's password guessed 12 times in a minute: a brute-force denial burst.
  ...Array.from({ length: 12 }, (_, i) =>
    event({ kind: 'auth', time: daysAgo(3, i * 3), outcome: 'failure', principal_id: 'mallory@acme.example', src_ip: '45.9.9.9' }),
  ),
  decision(2, 'deny', 'mallory@acme.example', 'payroll'),
  decision(2.1, 'deny', 'mallory@acme.example', 'payroll'),
  decision(4, 'deny', 'eve@acme.example', 'payroll'),
  decision(4, 'allow', 'ann@acme.example', 'crm'),
  decision(5, 'allow', 'ann@acme.example', 'crm'),
  posture(1, true),
  posture(2, true),
  posture(3, true),
  posture(4, false),
];
const previous = [...Array.from({ length: 4 }, (_, i) => auth(10 + i / 10, 'success')), decision(9, 'deny', 'eve@acme.example', 'wiki')];

export function apiRiskSummarySuite(storeName: string, open: OpenStore): void {
  describe(`GET /api/v1/risk-summary on ${storeName}`, () => {
    let store: Store;
    let app: FastifyInstance;
    let summary: RiskSummary;
    beforeAll(async () => {
      store = await open('api-risk');
      const processor = new AnomalyProcessor(createScorers(), [new StoreAnomalySink(store)], serviceMetrics().detect);
      const pipeline = new IngestPipeline(store, pipelineOptions(), { processors: [processor] });
      const events = [...previous, ...current].sort((a, b) => a.time.localeCompare(b.time));
      const result = await pipeline.processBatch(httpRecords(events));
      expect(result.rejected).toBe(0);
      summary = await riskSummary(store, spec, { period: '7d', tenant: '' }, anyTenant(''), NOW);
      app = apiServer(store, { ingest: pipeline });
    });
    afterAll(() => closeAll(app, store));

    it('gives auth success and availability against the SLO, and their change', () => {
      expect(summary.from).toBe(daysAgo(7));
      expect(summary.previous).toEqual({ from: daysAgo(14), to: daysAgo(7) });
      expect(summary.auth_success_rate.value).toBeCloseTo(8 / 21, 10);
      expect(summary.auth_success_rate.previous).toBe(1);
      expect(summary.auth_success_rate.change).toBeCloseTo(8 / 21 - 1, 10);
      expect(summary.auth_availability).toMatchObject({ objective: 99.9, met: false, previous: 1 });
      expect(summary.auth_availability.value).toBeCloseTo(20 / 21, 10);
      expect(summary.posture_compliance).toEqual({ value: 0.75, previous: null, change: null });
    });

    it('says which SLOs were met and which were missed', () => {
      const bySlo = Object.fromEntries(summary.slos.map((s) => [s.slo, s]));
      expect(bySlo['auth-availability']).toMatchObject({ met: false, previous_met: true });
      expect(bySlo['policy-eval-latency']).toMatchObject({ value: 1, met: true, previous_met: true });
      expect(bySlo['posture-compliance']).toMatchObject({ value: 0.75, met: false, previous_met: null });
      expect(summary.slos_met).toBe(summary.slos.filter((s) => s.met === true).length);
      expect(summary.slos_missed).toBe(summary.slos.filter((s) => s.met === false).length);
      expect(summary.slos_missed).toBeGreaterThanOrEqual(2);
    });

    it('counts denials per day against the previous period', () => {
      expect(summary.denials.total).toEqual({ value: 3, previous: 1, change: 2 });
      expect(summary.denials.rate.value).toBeCloseTo(3 / 5, 10);
      expect(summary.denials.trend).toHaveLength(8); // seven days and the partial eighth: every day present
      expect(summary.denials.trend.find((d) => d.day === daysAgo(2).slice(0, 10))).toEqual({
        day: daysAgo(2).slice(0, 10),
        denials: 2,
        decisions: 2,
      });
      expect(summary.denials.trend.reduce((n, d) => n + d.denials, 0)).toBe(3);
    });

    it('counts anomalies by severity and names the riskiest principals and apps', () => {
      const bySeverity = Object.values(summary.anomalies.by_severity).reduce((n, f) => n + (f.value ?? 0), 0);
      expect(summary.anomalies.total.value).toBeGreaterThanOrEqual(1);
      expect(bySeverity).toBe(summary.anomalies.total.value);
      expect(summary.anomalies.total.previous).toBe(0);
      expect(Object.keys(summary.anomalies.by_type)).toEqual(['denial_burst']);
      expect(summary.top_risky_principals[0]).toMatchObject({ principal_id: 'mallory@acme.example', denials: 2 });
      expect(summary.top_risky_principals[0]!.max_score).toBeGreaterThan(0);
      expect(summary.top_risky_principals.map((p) => p.principal_id)).toEqual(['mallory@acme.example', 'eve@acme.example']);
      expect(summary.top_risky_apps).toEqual([{ app: 'payroll', max_score: 0, anomalies: 0, denials: 3 }]);
    });

    it('is for executives: other roles get 403, a bad period 400', async () => {
      const get = (url: string, role: Role) => requestsAs(app, role)(url);
      const ok = await get('/api/v1/risk-summary?period=90d', 'executive');
      expect(ok.statusCode).toBe(200);
      expect(RiskSummary.parse(ok.json()).period).toBe('90d');
      expect((await get('/api/v1/risk-summary', 'analyst')).statusCode).toBe(403);
      expect((await get('/api/v1/trails', 'executive')).statusCode).toBe(403);
      const bad = await get('/api/v1/risk-summary?period=12d', 'executive');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toMatch(/^period: /);
    });
  });
}

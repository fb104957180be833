// GET /api/v1/principals and /api/v1/principals/:id/risk on chDB: a risk level per principal
// from the anomalies that name it, the real scorers' (token replay, denial bursts) and kinds
// other scorers raise (written to the store as they would be), by severity and weight.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrincipalRisk, PrincipalsResponse } from '../../src/api/principals.js';
import { riskSummary } from '../../src/api/riskSummary.js';
import { anyTenant } from '../../src/api/tenancy.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { anomaly, type AnomalyType } from '../../src/detect/anomaly.js';
import { AnomalyProcessor } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { DEFAULT_RISK_RULE } from '../../src/riskRule.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs, SPEC } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
/** The window's end: every anomaly below is in the default 1 d window ending here. */
const TO = at(120);

let seq = 0;
const acme = (fields: Record<string, unknown>) => ({ tenant: 'acme', emitter_id: 'idp', emitter_seq: ++seq, ...fields });
const home = { principal_id: 'ann', device_id: 'd1', src_ip: '81.2.69.1', geo_country: 'FR' };
const EVENTS = [
  // ann's token used from another device and country: a token replay (critical).
  acme({ ...home, kind: 'token', activity: 'issue', token_id: 'jti-9', time: at(0) }),
  acme({ ...home, kind: 'token', activity: 'use', token_id: 'jti-9', time: at(2), device_id: 'd9', src_ip: '45.1.1.1', geo_country: 'VN' }),
  // bob's password guessed a dozen times in a minute, each time from another network: a
  // brute-force burst of his key alone (medium).
  ...Array.from({ length: 12 }, (_, i) =>
    acme({ kind: 'auth', outcome: 'failure', principal_id: 'bob', src_ip: `45.9.${i}.9`, time: at(30 + i / 20) }),
  ),
  acme({ kind: 'auth', outcome: 'success', principal_id: 'ann', time: at(32) }),
];

/** An anomaly of a kind another scorer raises, about the principal, as its scorer would write it. */
const raised = (type: string, kind: string, principal: string, score: number, minute: number, tenant = 'acme') =>
  anomaly(
    {
      type: type as AnomalyType,
      kind,
      score,
      tenant,
      key: `principal:${principal}`,
      time: at(minute),
      evidence: {
        reasons: [kind],
        events: [{ event_id: `e-${kind}-${principal}`, kind: 'auth', time: at(minute), principal_id: principal }],
        baseline: {},
      },
    },
    `${minute}`,
  );

const OTHER_SCORERS = [
  raised('new_context', 'new-device', 'carol', 30, 10),
  raised('new_context', 'new-country', 'carol', 30, 11),
  raised('mfa_fatigue', 'mfa-fatigue', 'dave', 60, 40),
  raised('new_context', 'new-country', 'dave', 30, 41),
  raised('mfa_fatigue', 'mfa-fatigue', 'erin', 60, 50),
  // A tenant-wide surge names frank in its evidence; it is about the deployment, not him.
  anomaly(
    {
      type: 'denial_burst',
      kind: 'tenant-denial-surge',
      score: 80,
      tenant: 'acme',
      key: 'tenant:acme',
      time: at(60),
      evidence: { reasons: [], events: [{ event_id: 'e-surge', kind: 'policy', time: at(60), principal_id: 'frank' }], baseline: {} },
    },
    '60',
  ),
  // Another tenant's erin: high there, out of acme's answers.
  raised('session_hijack', 'session-hijack', 'erin', 80, 55, 'globex'),
];

describe('principal risk', () => {
  let store: Store;
  let app: FastifyInstance;
  const get = (url: string, server = app) => requestsAs(server, 'analyst')(url);
  const list = async (qs: string, server = app) => {
    const res = await get(`/api/v1/principals?${qs.includes('to=') ? '' : `to=${TO}&`}${qs}`, server);
    expect(res.statusCode, res.body).toBe(200);
    return PrincipalsResponse.parse(res.json());
  };
  const levels = (r: PrincipalsResponse) => r.principals.map((p) => `${p.tenant}/${p.principal_id} ${p.level}`);
  type PrincipalsResponse = ReturnType<typeof PrincipalsResponse.parse>;

  beforeAll(async () => {
    store = await migratedStore(tempDir('api-principal-risk'));
    const sink = new StoreAnomalySink(store);
    const processor = new AnomalyProcessor(createScorers(), [sink], serviceMetrics().detect);
    const result = await new IngestPipeline(store, pipelineOptions(), { processors: [processor] }).processBatch(httpRecords(EVENTS));
    expect(result.rejects).toEqual([]);
    await sink.publish(OTHER_SCORERS);
    app = apiServer(store);
  });
  afterAll(() => closeAll(app, store));

  it('levels each principal an anomaly names by severity and weight, gravest first', async () => {
    const r = await list('tenant=acme');
    expect(r).toMatchObject({ from: at(120 - 24 * 60), to: TO, window: '1d', next_cursor: null });
    expect(levels(r)).toEqual([
      // critical token replay: high on its own
      'acme/ann high',
      // medium, raised one step by a low-signal new country next to it (weights 1 + 0.5)
      'acme/dave high',
      // medium on its own
      'acme/bob medium',
      'acme/erin medium',
      // low-signal kinds alone never set more than low, however many
      'acme/carol low',
    ]);
    const dave = r.principals.find((p) => p.principal_id === 'dave')!;
    expect(dave).toMatchObject({ weight: 1.5, anomalies: 2 });
    expect(r.principals.map((p) => p.principal_id)).not.toContain('frank');
  });

  it('filters by level (risk=high) and pages with a cursor', async () => {
    // Set high by a severity first, then raised to it.
    expect(levels(await list('risk=high'))).toEqual(['acme/ann high', 'globex/erin high', 'acme/dave high']);
    expect(levels(await list('risk=low'))).toEqual(['acme/carol low']);
    const all = await list('');
    const first = await list('limit=4');
    expect(first.principals).toEqual(all.principals.slice(0, 4));
    const rest = await get(`/api/v1/principals?cursor=${first.next_cursor}`);
    expect(rest.statusCode, rest.body).toBe(200);
    expect(PrincipalsResponse.parse(rest.json())).toMatchObject({ principals: all.principals.slice(4), next_cursor: null, to: TO });
    const other = await get(`/api/v1/principals?risk=high&cursor=${first.next_cursor}`);
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toMatch(/cursor: the cursor belongs to a query with other filters/);
  });

  it('slides: a window ending before the anomalies names nobody, a short one only the latest', async () => {
    expect((await list(`to=${at(0)}`)).principals).toEqual([]);
    // 30 minutes back from 61: erin's and dave's mfa_fatigue, dave's new country, the tenant surge.
    expect(levels(await list(`tenant=acme&window=30m&to=${at(61)}`))).toEqual(['acme/dave high', 'acme/erin medium']);
  });

  it("gives one principal's level with the anomalies that make it, per tenant", async () => {
    const res = await get(`/api/v1/principals/dave/risk?to=${TO}`);
    expect(res.statusCode, res.body).toBe(200);
    const dave = PrincipalRisk.parse(res.json());
    expect(dave).toMatchObject({ principal_id: 'dave', level: 'high', window: '1d' });
    expect(dave.tenants).toHaveLength(1);
    expect(dave.tenants[0]).toMatchObject({ tenant: 'acme', level: 'high', weight: 1.5, anomalies: 2 });
    expect(dave.tenants[0]!.listed.map((a) => [a.kind, a.severity, a.time])).toEqual([
      ['new-country', 'low', at(41)],
      ['mfa-fatigue', 'medium', at(40)],
    ]);

    const erin = PrincipalRisk.parse((await get(`/api/v1/principals/erin/risk?to=${TO}`)).json());
    expect(erin.level).toBe('high');
    expect(erin.tenants.map((t) => `${t.tenant} ${t.level}`)).toEqual(['globex high', 'acme medium']);
    const acmeErin = PrincipalRisk.parse((await get(`/api/v1/principals/erin/risk?to=${TO}&tenant=acme`)).json());
    expect(acmeErin.tenants.map((t) => `${t.tenant} ${t.level}`)).toEqual(['acme medium']);

    // The evidence names bob (the burst is keyed by him); ann's replay names her by its events.
    const bob = PrincipalRisk.parse((await get(`/api/v1/principals/bob/risk?to=${TO}`)).json());
    expect(bob.tenants[0]!.listed.map((a) => [a.type, a.kind, a.key])).toEqual([['denial_burst', 'brute-force', 'principal:bob']]);

    const nobody = PrincipalRisk.parse((await get(`/api/v1/principals/frank/risk?to=${TO}`)).json());
    expect(nobody).toMatchObject({ level: 'low', tenants: [] });
  });

  it('takes its weights from the rule: with new contexts at full weight carol is medium, the surge names frank', async () => {
    // By kind: new-device weighs 1, and new-country, its type no longer listed, 1 too.
    const weighted = apiServer(store, { risk: { ...DEFAULT_RISK_RULE, weights: { 'new-device': 1 } } });
    try {
      const r = await list('tenant=acme', weighted);
      expect(levels(r)).toContain('acme/carol medium');
      expect(levels(r)).toContain('acme/frank high');
      const res = await get('/openapi.json', weighted);
      expect(JSON.stringify(res.json().paths['/api/v1/principals'])).toContain('new-device 1.');
    } finally {
      await weighted.close();
    }
  });

  it('answers 400 with a message for bad parameters', async () => {
    for (const [url, message] of [
      ['/api/v1/principals?risk=severe', /risk: Invalid option: expected one of "low"\|"medium"\|"high"/],
      ['/api/v1/principals?window=100d', /window: between 1m and 90d/],
      ['/api/v1/principals?to=yesterday', /to: Invalid ISO datetime/],
      ['/api/v1/principals?limit=1001', /limit: Too big/],
      ['/api/v1/principals/dave/risk?window=soon', /window: a duration like 5m/],
    ] as const) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toMatch(message);
    }
  });

  it('counts principals by level in the risk summary', async () => {
    const summary = await riskSummary(store, SPEC, { period: '7d', tenant: 'acme' }, anyTenant('acme'), new Date(TO));
    expect(summary.principals_at_risk).toMatchObject({ window: '1d', by_level: { high: 2, medium: 2, low: 1 } });
    expect(summary.principals_at_risk.top.map((p) => p.principal_id)).toEqual(['ann', 'dave', 'bob', 'erin', 'carol']);
  });
});

// Over-privilege (the guide's F10) on chDB: GET /api/v1/access/unused lists access a principal
// held (an allow into the app) but stopped using while still active elsewhere; GET
// /api/v1/access/rare the apps few of the tenant's principals reach. Paged, tenant-scoped, 400s.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RareAccessResponse, UnusedAccessResponse } from '../../src/api/access.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs, type Requests } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const DAY = 86400_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY).toISOString();
const day = (days: number) => at(days).slice(0, 10);

let seq = 0;
const decision = (tenant: string, principal: string, app: string, days: number, outcome: 'allow' | 'deny' = 'allow') => ({
  tenant,
  kind: 'policy',
  decision: outcome,
  emitter_id: `pep-${tenant}`,
  emitter_seq: ++seq,
  principal_id: principal,
  app,
  time: at(days),
});

// acme, 20 principals: everyone uses wiki every 10 days. ann used payroll on days 0 and 10, then
// not (still active in wiki): unused. bob used admin-console on day 5 and was denied it on day 80
// (a deny is not access). carl stopped altogether on day 20: a departed account, not listed.
// dora alone reached the vault (1 of 24: rare); payroll's 2 of 24 and crm's 10 are not (5 %).
// globex, 3 principals: too few for a share; zed's finance stopped on day 0.
const ACME = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`).concat(['ann', 'bob', 'carl', 'dora']);
const EVENTS = [
  ...ACME.flatMap((p) => (p === 'carl' ? [0, 10, 20] : [0, 10, 20, 30, 40, 50, 60, 70, 80]).map((d) => decision('acme', p, 'wiki', d))),
  ...ACME.slice(0, 10).map((p) => decision('acme', p, 'crm', 75)),
  decision('acme', 'ann', 'payroll', 0),
  decision('acme', 'ann', 'payroll', 10),
  decision('acme', 'bob', 'admin-console', 5),
  decision('acme', 'bob', 'admin-console', 80, 'deny'),
  decision('acme', 'carl', 'payroll', 5),
  decision('acme', 'dora', 'vault', 70),
  ...['zed', 'yan', 'xi'].map((p) => decision('globex', p, 'portal', 85)),
  decision('globex', 'zed', 'finance', 0),
];
const RANGE = `from=${at(-1)}&to=${at(89)}`;

describe('over-privilege (F10)', () => {
  let store: Store;
  let app: FastifyInstance;
  let analyst: Requests;

  beforeAll(async () => {
    store = await migratedStore(tempDir('access-review'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    expect((await pipeline.processBatch(httpRecords(EVENTS))).rejects).toEqual([]);
    await pipeline.processBatch(httpRecords(EVENTS.slice(-20))); // redelivered
    app = apiServer(store);
    analyst = requestsAs(app, 'analyst');
  });
  afterAll(() => closeAll(app, store));

  const get = async (url: string) => {
    const res = await analyst(url);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('lists access held but unused for the window, of principals still active; denials and departed accounts are not', async () => {
    const body = UnusedAccessResponse.parse(await get(`/api/v1/access/unused?${RANGE}`));
    expect(body.unused_for).toBe('30d');
    expect(
      body.findings.map((f) => [f.tenant, f.principal_id, f.app, f.first_allowed, f.last_allowed, f.last_active, f.apps_used]),
    ).toEqual([
      ['globex', 'zed', 'finance', day(0), day(0), day(85), 1],
      ['acme', 'bob', 'admin-console', day(5), day(5), day(80), 1],
      ['acme', 'ann', 'payroll', day(0), day(10), day(80), 1],
    ]);
    // Up to day 81 with a 3-day window, crm (last on day 75) is unused too for the ten who reached it (wiki on day 80).
    const short = UnusedAccessResponse.parse(await get(`/api/v1/access/unused?from=${at(-1)}&to=${at(81)}&unused_for=3d&tenant=acme`));
    expect(short.findings.filter((f) => f.app === 'crm')).toHaveLength(10);
  });

  it('lists apps few peers reach, in tenants large enough for a share', async () => {
    const body = RareAccessResponse.parse(await get(`/api/v1/access/rare?${RANGE}`));
    expect(body.findings.map((f) => [f.tenant, f.principal_id, f.app, f.app_principals, f.tenant_principals])).toEqual([
      ['acme', 'bob', 'admin-console', 1, 24],
      ['acme', 'dora', 'vault', 1, 24],
    ]);
    expect(body.findings[0]!.share).toBeCloseTo(1 / 24);
    // A looser share takes in crm (10 of 24); a smaller tenant floor takes in globex's finance (1 of 3).
    const loose = RareAccessResponse.parse(await get(`/api/v1/access/rare?${RANGE}&max_share=0.5&min_principals=3&limit=1000`));
    expect(loose.findings.filter((f) => f.app === 'crm')).toHaveLength(10);
    expect(loose.findings.filter((f) => f.tenant === 'globex').map((f) => [f.principal_id, f.app])).toEqual([['zed', 'finance']]);
  });

  it('pages with a cursor and keeps to the tenant asked for', async () => {
    const first = RareAccessResponse.parse(await get(`/api/v1/access/rare?${RANGE}&limit=1`));
    expect(first.findings.map((f) => f.principal_id)).toEqual(['bob']);
    const second = RareAccessResponse.parse(await get(`/api/v1/access/rare?${RANGE}&limit=1&cursor=${first.next_cursor}`));
    expect([second.findings.map((f) => f.principal_id), second.next_cursor]).toEqual([['dora'], null]);
    const globex = UnusedAccessResponse.parse(await get(`/api/v1/access/unused?${RANGE}&tenant=globex`));
    expect(globex.findings.map((f) => [f.principal_id, f.app])).toEqual([['zed', 'finance']]);
  });

  it('answers bad input with a 400 naming the parameter', async () => {
    for (const [url, field] of [
      [`/api/v1/access/unused?${RANGE}&unused_for=90d`, 'unused_for'],
      [`/api/v1/access/unused?${RANGE}&unused_for=soon`, 'unused_for'],
      [`/api/v1/access/rare?${RANGE}&max_share=0`, 'max_share'],
      [`/api/v1/access/rare?${RANGE}&max_share=2`, 'max_share'],
      [`/api/v1/access/rare?${RANGE}&min_principals=0`, 'min_principals'],
      [`/api/v1/access/rare?from=${at(10)}&to=${at(5)}`, 'from'],
    ] as Array<[string, string]>) {
      const res = await analyst(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toContain(`${field}:`);
    }
  });
});

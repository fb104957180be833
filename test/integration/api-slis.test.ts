// GET /api/v1/slis from ClickHouse, through the real server (fastify inject) on chDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs, type Requests } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const auth = (i: number, outcome: string, tenant: string, minutes: number) =>
  JSON.stringify({
    kind: 'auth',
    time: minutesAgo(minutes),
    emitter_id: `idp-${tenant}`,
    emitter_seq: i,
    tenant,
    outcome,
    principal_id: `u${i}`,
  });

describe('GET /api/v1/slis', () => {
  let store: Store;
  let app: FastifyInstance;
  let sre: Requests;
  beforeAll(async () => {
    store = await migratedStore(tempDir('api-slis'));
    // acme: 1,000 logins over the last 50 minutes, 20 of them failing with `error` (2 %: 20x the 0.1 % budget).
    const lines = Array.from({ length: 1000 }, (_, i) => auth(i + 1, i % 50 === 0 ? 'error' : 'success', 'acme', 50 - i * 0.049));
    // globex: healthy, and three hours ago.
    lines.push(...Array.from({ length: 100 }, (_, i) => auth(i + 1, 'success', 'globex', 180)));
    await new IngestPipeline(store, pipelineOptions()).processBatch(httpRecords(lines));
    app = apiServer(store);
    sre = requestsAs(app, 'sre');
  });
  afterAll(() => closeAll(app, store));

  it('reports value, error budget and burn rates per SLO from ClickHouse', async () => {
    const res = await sre('/api/v1/slis?window=1h&tenant=acme');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ window: '1h', tenant: 'acme' });
    const availability = body.slis.find((s: { slo: string }) => s.slo === 'auth-availability');
    expect(availability).toMatchObject({ sli: 'auth_availability', objective: 99.9, slo_window: '30d', good: 980, valid: 1000 });
    expect(availability.value).toBeCloseTo(0.98);
    expect(availability.burn_rate_1h).toBeCloseTo(20);
    expect(availability.error_budget_remaining).toBeCloseTo(1 - 20 / 1);
    expect(body.slis.find((s: { slo: string }) => s.slo === 'telemetry-completeness')).toMatchObject({ good: 1000, valid: 1000, value: 1 });
  });

  it('filters by tenant and window', async () => {
    const globex1h = (await sre('/api/v1/slis?window=1h&tenant=globex')).json();
    expect(globex1h.slis.find((s: { slo: string }) => s.slo === 'auth-availability')).toMatchObject({
      valid: 0,
      value: null,
      burn_rate_1h: null,
    });
    const globex6h = (await sre('/api/v1/slis?window=6h&tenant=globex')).json();
    expect(globex6h.slis.find((s: { slo: string }) => s.slo === 'auth-availability')).toMatchObject({ valid: 100, value: 1 });
  });

  it('answers a bad window with 400 and a message', async () => {
    for (const window of ['1y', '0m', '91d', 'x']) {
      const res = await sre(`/api/v1/slis?window=${window}`);
      expect(res.statusCode, window).toBe(400);
      expect(res.json().message).toMatch(/^window: /);
    }
  });

  it('serves Prometheus metrics and health', async () => {
    const metrics = await sre('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect((await sre('/readyz')).json()).toEqual({ status: 'ready' });
    expect((await sre('/healthz')).json()).toEqual({ status: 'ok' });
  });
});

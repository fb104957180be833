// The longest-lived tokens in use (the guide's M6) read migration 0016's uses more than an hour
// after issue: a token used two hours after its issue is listed with its oldest age, lifetime and
// uses (a redelivered use counted once); one used ten minutes after issue, or a use without an
// issue time, is not. The analyst's table and GET /api/v1/tokens/long-lived run the same query:
// the API pages, filters by age and keeps to the caller's tenants; the panel to the tenant picked.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LongLivedTokensResponse } from '../../src/api/tokens.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs, type Requests } from '../support/api.js';
import { dashboardQueries, expandClickHouseMacros, expandVariables } from '../support/dashboards.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const T0 = Date.parse('2026-11-20T08:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const RANGE = `from=${at(0)}&to=${at(6 * 60)}`;
const token = (tenant: string, id: string, usedAfterMinutes: number, event: string) => ({
  tenant,
  kind: 'token',
  event_id: event,
  emitter_id: 'idp',
  principal_id: 'ann@acme.example',
  time: at(usedAfterMinutes),
  activity: 'use',
  token_id: id,
  token_type: 'access',
  client_id: 'crm',
  issued_at: at(0),
  expires_at: at(8 * 60),
});

describe('longest-lived tokens in use', () => {
  let store: Store;
  let app: FastifyInstance;
  let analyst: Requests;
  const list = async (query: string, as: Requests = analyst) => {
    const res = await as(`/api/v1/tokens/long-lived?${RANGE}&${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return LongLivedTokensResponse.parse(res.json());
  };

  beforeAll(async () => {
    store = await migratedStore(tempDir('long-lived-tokens'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    const events = [
      token('acme', 'jti-old', 120, 'use-old-1'),
      token('acme', 'jti-old', 150, 'use-old-2'),
      token('acme', 'jti-fresh', 10, 'use-fresh'),
      { ...token('acme', 'jti-no-issue', 200, 'use-no-issue'), issued_at: undefined },
      token('globex', 'jti-globex', 90, 'use-globex'),
    ];
    await pipeline.processBatch(httpRecords(events));
    await pipeline.processBatch(httpRecords(events.slice(0, 1))); // redelivered
    app = apiServer(store);
    analyst = requestsAs(app, 'analyst');
  });
  afterAll(() => closeAll(app, store));

  it('lists the tokens used more than an hour after issue, oldest first, each use once', async () => {
    const { tokens, min_age } = await list('');
    expect(min_age).toBe('1h');
    expect(tokens.map((t) => [t.tenant, t.token_id, t.max_age_seconds, t.lifetime_seconds, t.uses])).toEqual([
      ['acme', 'jti-old', 150 * 60, 8 * 3600, 2],
      ['globex', 'jti-globex', 90 * 60, 8 * 3600, 1],
    ]);
    expect(tokens[0]).toMatchObject({ token_type: 'access', client_id: 'crm', last_used: at(150) });
  });

  it('keeps the older ones with min_age, and pages with the cursor', async () => {
    expect((await list('min_age=2h')).tokens.map((t) => t.token_id)).toEqual(['jti-old']);
    const first = await list('limit=1');
    expect(first.tokens.map((t) => t.token_id)).toEqual(['jti-old']);
    const second = await list(`limit=1&cursor=${first.next_cursor!}`);
    expect([second.tokens.map((t) => t.token_id), second.next_cursor]).toEqual([['jti-globex'], null]);
  });

  it('refuses what it cannot answer with a 400 naming the field, and answers analysts only', async () => {
    for (const [query, field] of [
      ['min_age=30m', 'min_age'],
      ['limit=0', 'limit'],
      [`tenant=${'x'.repeat(300)}`, 'tenant'],
    ]) {
      const res = await analyst(`/api/v1/tokens/long-lived?${RANGE}&${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.body, query).toContain(field);
    }
    expect((await requestsAs(app, 'sre')(`/api/v1/tokens/long-lived?${RANGE}`)).statusCode).toBe(403);
  });

  it("keeps to the caller's tenants, and the panel to the tenant picked", async () => {
    expect((await list('tenant=globex')).tokens.map((t) => t.token_id)).toEqual(['jti-globex']);
    const panel = dashboardQueries().find((q) => q.panel === 'Longest-lived tokens in use')!;
    for (const [tenant, ids] of [
      [{ value: 'globex' }, ['jti-globex']],
      [{ all: "''" }, ['jti-old', 'jti-globex']],
    ] as const) {
      const sql = expandClickHouseMacros(expandVariables(panel.text, { tenant }), {
        from: new Date(at(0)),
        to: new Date(at(6 * 60)),
        intervalSeconds: 60,
      });
      expect((await store.query<{ token_id: string }>(sql)).map((r) => r.token_id)).toEqual(ids);
    }
  });
});

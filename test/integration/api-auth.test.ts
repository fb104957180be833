// Access control on the API: keys with roles, 401 and 403, every access recorded as access
// events through the real pipeline on chDB (never the key itself), and HTTP ingest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { AccessRecorder } from '../../src/api/accessLog.js';
import { ApiKeyError, parseApiKeys, ROLES } from '../../src/api/auth.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, keyOf, requestsAs } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

describe('API access control', () => {
  let store: Store;
  let app: FastifyInstance;
  let access: AccessRecorder;
  beforeAll(async () => {
    store = await migratedStore(tempDir('api-auth'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    access = new AccessRecorder(
      (records) => pipeline.processBatch(records),
      'ztna',
      (err) => {
        throw err;
      },
    );
    app = apiServer(store, { access, ingest: pipeline, bodyLimit: 64 * 1024 });
  });
  afterAll(() => closeAll(access, app, store));

  const call = (url: string, role?: string, method: 'GET' | 'POST' = 'GET') =>
    app.inject({ method, url, headers: role ? { authorization: `Bearer ${role.startsWith('secret') ? role : keyOf(role)}` } : {} });
  const ingest = (request: Pick<InjectOptions, 'headers' | 'payload'>) =>
    requestsAs(app, 'ingest')({ method: 'POST', url: '/api/v1/events', ...request });

  it('answers 401 without a key or with an unknown one', async () => {
    for (const res of [await call('/api/v1/slis'), await call('/api/v1/slis', 'secret-not-a-key')]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/missing or unknown API key/) });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('lets each role reach exactly its routes (admin all), 403 with a message otherwise', async () => {
    const routes = { '/api/v1/slis': ['sre', 'admin'], '/api/v1/anomalies': ['analyst', 'admin'] };
    for (const [url, allowed] of Object.entries(routes)) {
      for (const role of ROLES) {
        const res = await call(url, role);
        if (allowed.includes(role)) expect(res.statusCode, `${role} ${url}`).toBe(200);
        else {
          expect(res.statusCode, `${role} ${url}`).toBe(403);
          expect(res.json().message).toBe(`role ${role} may not GET ${url} (needs ${allowed.filter((r) => r !== 'admin').join(' or ')})`);
        }
      }
    }
  });

  it('keeps health and metrics open for probes and Prometheus', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) expect((await call(url)).statusCode, url).toBe(200);
  });

  it('records every API access as auth and policy events, by key name, never the key', async () => {
    await call('/api/v1/anomalies', 'analyst');
    await call('/api/v1/slis', 'executive');
    await call('/api/v1/slis', 'secret-stolen-guess');
    await access.flush();
    const decisions = await store.query<{ principal_id: string; decision: string; action: string; reasons: string[] }>(
      "SELECT principal_id, decision, action, reasons FROM events FINAL WHERE kind = 'policy' AND source = 'ztna-api' ORDER BY time, emitter_seq",
    );
    expect(decisions).toContainEqual({
      principal_id: 'analyst-1',
      decision: 'allow',
      action: 'GET /api/v1/anomalies',
      reasons: ['role analyst', 'tenants *'],
    });
    expect(decisions).toContainEqual(
      expect.objectContaining({ principal_id: 'executive-1', decision: 'deny', action: 'GET /api/v1/slis' }),
    );
    const failures = await store.query<{ principal_id: string; failure_reason: string }>(
      "SELECT principal_id, failure_reason FROM events FINAL WHERE kind = 'auth' AND source = 'ztna-api' AND outcome = 'failure'",
    );
    expect(failures).toContainEqual({ principal_id: 'unknown', failure_reason: 'missing or unknown API key' });
    const everything = JSON.stringify([
      await store.query("SELECT * FROM events FINAL WHERE kind = 'auth' AND source = 'ztna-api'"),
      await store.query("SELECT * FROM events FINAL WHERE kind = 'policy' AND source = 'ztna-api'"),
    ]);
    for (const role of ROLES) expect(everything).not.toContain(keyOf(role));
    expect(everything).not.toContain('secret-stolen-guess');
  });

  it('ingests NDJSON and JSON arrays over HTTP, counting rejects with their reasons', async () => {
    const event = (i: number) =>
      JSON.stringify({
        kind: 'auth',
        time: '2026-11-20T10:00:00.000Z',
        tenant: 'http-test',
        emitter_id: 'idp',
        emitter_seq: i,
        outcome: 'success',
        principal_id: `u${i}`,
      });
    const ndjson = await ingest({
      headers: { 'content-type': 'application/x-ndjson' },
      payload: [event(1), 'not json', event(2)].join('\n'),
    });
    expect(ndjson.statusCode).toBe(200);
    expect(ndjson.json()).toEqual({
      received: 3,
      accepted: 2,
      skipped: 0,
      rejected: 1,
      rejects: [{ index: 1, reason: expect.stringMatching(/^not JSON/) }],
    });
    const array = await ingest({ payload: [JSON.parse(event(3)), { kind: 'auth' }] });
    expect(array.json()).toMatchObject({ received: 2, accepted: 1, rejected: 1, rejects: [{ index: 1 }] });
    const [stored] = await store.query<{ n: string }>("SELECT count() AS n FROM events FINAL WHERE kind = 'auth' AND tenant = 'http-test'");
    expect(Number(stored!.n)).toBe(3);
  });

  it('refuses HTTP ingest from other roles, bodies that are neither, and bodies over the limit', async () => {
    expect((await call('/api/v1/events', 'analyst', 'POST')).statusCode).toBe(403);
    const object = await ingest({ payload: { kind: 'auth' } });
    expect(object.statusCode).toBe(400);
    expect(object.json().message).toMatch(/NDJSON .* or a JSON array/);
    const huge = await ingest({ headers: { 'content-type': 'application/x-ndjson' }, payload: 'x'.repeat(100 * 1024) });
    expect(huge.statusCode).toBe(413);
  });
});

describe('API key configuration', () => {
  it('refuses an entry that is not name:role:sha256, naming what is wrong', () => {
    expect(() => parseApiKeys('ops:root:' + 'a'.repeat(64))).toThrow(/role must be one of analyst, sre, executive, ingest, admin/);
    expect(() => parseApiKeys('ops:sre:plaintext-key')).toThrow(ApiKeyError);
    expect(() => parseApiKeys('ops:sre:plaintext-key')).toThrow(/SHA-256 in hex .* never the key/);
    expect(() => parseApiKeys(`a:sre:${'a'.repeat(64)},b:analyst:${'a'.repeat(64)}`)).toThrow(/the same key is listed twice/);
    expect(parseApiKeys(`# team keys\na:sre:${'a'.repeat(64)}\n`).map((k) => k.name)).toEqual(['a']);
  });

  it('reads the tenants a key may read: none named (an entry of before) or * is every tenant, else the + separated list', () => {
    const hash = 'a'.repeat(64);
    const entries = ['a:sre:HASH', 'b:sre:HASH:*', 'c:analyst:HASH:acme', 'd:analyst:HASH:acme+globex+acme'];
    const scopes = parseApiKeys(entries.map((e, i) => e.replace('HASH', String(i).repeat(64))).join(',')).map((k) => k.tenants);
    expect(scopes).toEqual(['*', '*', ['acme'], ['acme', 'globex']]);
    for (const bad of ['', 'acme+', 'acme globex', 'ac*me', 'acme+*'])
      expect(() => parseApiKeys(`e:analyst:${hash}:${bad}`), bad).toThrow(/fourth field is \* or tenants joined by \+/);
    expect(() => parseApiKeys(`e:analyst:${hash}:acme:extra`)).toThrow(/name:role:sha256-of-key\[:tenants\]/);
  });
});

// Errors an operator can follow: a 500 carries a request id, and the service log has a line
// with that id and the error (never the request's headers or body); a body nested too deep
// for anything to walk is the caller's 400, not a 500.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { hashApiKey, parseApiKeys } from '../../src/api/auth.js';
import { MAX_JSON_DEPTH } from '../../src/api/jsonBody.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { createMetrics } from '../../src/metrics.js';
import { loadSloSpec } from '../../src/slo/spec.js';
import { ChdbStore, migrate, type Store } from '../../src/store/index.js';
import { normalizeOptions, ROOT, tempDir } from '../support/helpers.js';
import { captureLog } from '../support/logCapture.js';

const { observedTime: _t, ...pipelineOptions } = normalizeOptions();
const ANALYST_KEY = 'analyst-key-do-not-log-0123456789';
const INGEST_KEY = 'ingest-key-do-not-log-0123456789';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('API errors', () => {
  let store: Store;
  let app: FastifyInstance;
  const captured = captureLog();
  beforeAll(async () => {
    store = new ChdbStore(tempDir('api-errors'));
    await migrate(store, { retentionDays: 30 });
    app = buildServer({
      store,
      registry: createMetrics().registry,
      spec: loadSloSpec(join(ROOT, 'slos.yaml')),
      apiKeys: parseApiKeys(`analyst-1:analyst:${hashApiKey(ANALYST_KEY)},ingest-1:ingest:${hashApiKey(INGEST_KEY)}`),
      ingest: new IngestPipeline(store, pipelineOptions),
      logger: captured.log,
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (payload: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
      payload,
    });

  it('answers a JSON body nested 100,000 levels deep with a 400 that says why', async () => {
    const res = await post(`[${nested(100_000)}]`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'json_too_deep', message: `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels` });
  });

  it('still takes ordinary JSON bodies, and nesting up to the limit', async () => {
    // Brackets inside strings are text, not nesting.
    const event = {
      kind: 'auth',
      tenant: 'acme',
      emitter_id: 'idp-1',
      time: '2026-11-20T10:00:00.000Z',
      principal_id: 'ann@acme.example',
      outcome: 'failure',
      failure_reason: `quote \\" then ${'[{'.repeat(100)}`,
    };
    const ok = await post(JSON.stringify([event]));
    expect(ok.statusCode).toBe(200);
    expect(ok.json(), ok.body).toMatchObject({ received: 1, accepted: 1 });
    // The outer array is one level; an item nested to the limit is refused as an event, not as a body.
    expect((await post(`[${nested(MAX_JSON_DEPTH - 1)}]`)).statusCode).toBe(200);
    expect((await post(`[${nested(MAX_JSON_DEPTH)}]`)).statusCode).toBe(400);
  });

  it('a handler that throws: a 500 with a request id, and a log line with that id and the error, without the Authorization header', async () => {
    await store.close(); // every query now fails inside the route's handler
    const res = await app.inject({
      url: '/api/v1/anomalies',
      headers: { authorization: `Bearer ${ANALYST_KEY}`, cookie: 'session=secret-cookie-value' },
    });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toEqual({
      error: 'internal',
      message: `internal error; the service log has the details under request id ${body.request_id}`,
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    const lines = captured.lines().filter((l) => l.reqId === body.request_id);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: 'request failed',
        route: '/api/v1/anomalies',
        err: expect.objectContaining({ message: expect.any(String) }),
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'answered 500', statusCode: 500 }));
    const text = captured.text();
    for (const secret of [ANALYST_KEY, INGEST_KEY, 'secret-cookie-value']) expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});

// Errors a client and an operator can follow: every refusal has one shape (the error's code and
// a message), whoever refused; a 500 carries a request id, and the service log has a line with
// that id and the error (never the request's headers or body); a body nested too deep for
// anything to walk is the caller's 400, not a 500.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/api/jsonBody.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, keyOf, requestsAs } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { captureLog } from '../support/logCapture.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('API errors', () => {
  let store: Store;
  let app: FastifyInstance;
  const captured = captureLog();
  beforeAll(async () => {
    store = await migratedStore(tempDir('api-errors'));
    app = apiServer(store, { ingest: new IngestPipeline(store, pipelineOptions()), logger: captured.log });
  });
  afterAll(() => closeAll(app));

  const post = (payload: string) =>
    requestsAs(app, 'ingest')({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': 'application/json' }, payload });

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

  it("answers every refusal, fastify's and its router's included, with one shape: the error's code and a message", async () => {
    const analyst = requestsAs(app, 'analyst');
    const ingest = (contentType: string, payload: string) =>
      requestsAs(app, 'ingest')({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': contentType }, payload });
    const refusals = [
      ['a bad parameter', 400, 'bad_request', await analyst('/api/v1/anomalies?type=bogus')],
      ['a body that is not JSON', 400, 'bad_request', await ingest('application/json', '[{"kind":')],
      ['a path that does not decode', 400, 'bad_request', await analyst('/api/v1/sessions/%E0%A4%A')],
      ['no key', 401, 'unauthorized', await app.inject({ url: '/api/v1/anomalies' })],
      ['a key of another role', 403, 'forbidden', await analyst('/api/v1/slis')],
      ['an unknown route', 404, 'not_found', await analyst('/api/v1/nothing')],
      ['an unknown session', 404, 'not_found', await analyst('/api/v1/sessions/s-nobody')],
      ['a body over the limit', 413, 'body_too_large', await ingest('application/x-ndjson', 'x'.repeat(10 * 1024 * 1024 + 1))],
      ['a path parameter over the limit', 414, 'uri_too_long', await analyst(`/api/v1/sessions/${'x'.repeat(400)}`)],
      ['a body of a type ingest does not read', 415, 'unsupported_media_type', await ingest('application/xml', '<events/>')],
    ] as const;
    expect(refusals).toHaveLength(10);
    for (const [what, status, error, res] of refusals) {
      expect(res.statusCode, what).toBe(status);
      expect(res.json(), what).toEqual({ error, message: expect.any(String) });
    }
  });

  it('a handler that throws: a 500 with a request id, and a log line with that id and the error, without the Authorization header', async () => {
    await store.close(); // every query now fails inside the route's handler
    const res = await requestsAs(app, 'analyst')({ url: '/api/v1/anomalies', headers: { cookie: 'session=secret-cookie-value' } });
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
    for (const secret of [keyOf('analyst'), keyOf('ingest'), 'secret-cookie-value']) expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});

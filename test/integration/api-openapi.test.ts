// GET /openapi.json: valid OpenAPI 3.1, with the roles and limits of each route, and generated
// from the very declarations the server registers: its operations are the server's routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import SwaggerParser from '@apidevtools/swagger-parser';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

/**
 * `METHOD /path` of every route the server has, read from fastify's own route tree
 * (`printRoutes`), less the HEAD routes fastify adds to each GET by itself.
 */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const path: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // Each node: its depth in 4-character indents, the path segment, and the methods routed there.
    const node = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!node) continue;
    path.length = node[1]!.length / 4;
    path.push(node[2]!);
    for (const method of node[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path.join('')}`);
  }
  return routes.sort();
}

type Operation = {
  security: unknown[];
  responses: Record<string, { content?: Record<string, { schema: { properties?: object } }> }>;
  parameters: Array<{ name: string; schema: { maximum?: number; enum?: string[] } }>;
};

/** The document's operations, once it is fetched and validated as OpenAPI 3.1. */
async function documentedOperations(app: FastifyInstance) {
  const res = await app.inject({ url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  const document = res.json();
  await SwaggerParser.validate(structuredClone(document));
  return Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
}

describe('GET /openapi.json', () => {
  let store: Store;
  let app: FastifyInstance;
  beforeAll(async () => {
    store = await migratedStore(tempDir('api-openapi'));
    app = apiServer(store, { ingest: new IngestPipeline(store, pipelineOptions(), {}) });
  });
  afterAll(() => closeAll(app, store));

  it('describes exactly the routes the server has registered, open ones and ingest included', async () => {
    const documented = (await documentedOperations(app)).map((o) => `${o.method.toUpperCase()} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`);
    const routes = registeredRoutes(app);
    expect(routes).toHaveLength(19);
    expect(documented.sort()).toEqual(routes);
  });

  it('is valid OpenAPI 3.1 and describes exactly the routes the server has, with their roles and limits', async () => {
    const operations = await documentedOperations(app);
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()).toEqual(
      [
        'GET /api/v1/access/rare',
        'GET /api/v1/access/unused',
        'GET /api/v1/anomalies',
        'GET /api/v1/credentials',
        'GET /api/v1/incidents',
        'GET /api/v1/incidents/{id}',
        'GET /api/v1/principals',
        'GET /api/v1/principals/{id}/risk',
        'GET /api/v1/risk-summary',
        'GET /api/v1/sessions/{id}',
        'GET /api/v1/slis',
        'GET /api/v1/tokens/long-lived',
        'GET /api/v1/trails',
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /readyz',
        'POST /api/v1/alerts',
        'POST /api/v1/events',
      ].sort(),
    );
    for (const { path, method } of operations)
      expect(app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), path).toBe(true);
    for (const { path, op } of operations.filter((o) => o.path.startsWith('/api/'))) {
      expect(op.security, path).toEqual([{ apiKey: [] }]);
      expect(Object.keys(op.responses), path).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    }
    const trails = operations.find((o) => o.path === '/api/v1/trails')!.op;
    expect(trails.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'principal',
        'device',
        'app',
        'session_id',
        'token_id',
        'src_ip',
        'decision',
        'outcome',
        'from',
        'to',
        'limit',
        'cursor',
      ]),
    );
    expect(trails.parameters.find((p) => p.name === 'limit')!.schema.maximum).toBe(1000);
    expect(Object.keys((trails.responses['200'] as { content: object }).content)).toEqual([
      'application/json',
      'application/x-ndjson',
      'text/csv',
    ]);
    const risk = operations.find((o) => o.path === '/api/v1/risk-summary')!.op;
    expect(risk.parameters.find((p) => p.name === 'period')!.schema.enum).toEqual(['7d', '30d', '90d']);
    const principals = operations.find((o) => o.path === '/api/v1/principals')!.op;
    expect(principals.parameters.find((p) => p.name === 'risk')!.schema.enum).toEqual(['low', 'medium', 'high']);
    const incident = operations.find((o) => o.path === '/api/v1/incidents/{id}')!.op;
    expect(Object.keys(incident.responses)).toContain('404');
  });

  it('documents the error bodies the server sends: the 503 of /readyz names what is down', async () => {
    const readyz = (await documentedOperations(app)).find((o) => o.path === '/readyz')!.op;
    expect(Object.keys(readyz.responses['503']!.content!['application/json']!.schema.properties ?? {}).sort()).toEqual(['down', 'status']);
  });
});

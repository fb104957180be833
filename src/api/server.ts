// The HTTP surface: /metrics for Prometheus, health for orchestrators, the API for people,
// and /openapi.json describing all of it from the same route declarations.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { SloSpec } from '../slo/spec.js';
import type { Store } from '../store/index.js';
import { anomaliesRoute } from './anomalies.js';
import { authenticate, mayCall, type ApiKey, type Role } from './auth.js';
import type { AccessRecorder } from './accessLog.js';
import { ingestRouteDoc, registerIngestRoute, type Ingest } from './ingest.js';
import { openApiDocument } from './openapi.js';
import { riskSummaryRoute } from './riskSummary.js';
import { ErrorBody, registerRoute, type RouteDoc } from './route.js';
import { sessionRoute } from './sessions.js';
import { slisRoute } from './slis.js';
import { trailsRoute } from './trails.js';

export interface ServerDeps {
  store: Store;
  registry: Registry;
  spec: SloSpec;
  /** Extra readiness checks (Kafka): name → throws when down. */
  readiness?: Record<string, () => Promise<void>>;
  /** Keys allowed on /api/v1, with their roles. */
  apiKeys: readonly ApiKey[];
  /** Records every API access as access events. */
  access?: AccessRecorder;
  /** The pipeline, for POST /api/v1/events. */
  ingest?: Ingest;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Rows fetched per query while streaming a trail export. */
  exportPageSize?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route; none: the route is open (health, metrics). */
    roles?: readonly Role[];
  }
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const OPEN_ROUTES: RouteDoc[] = [
  { method: 'GET', url: '/healthz', summary: 'Alive', response: z.object({ status: z.literal('ok') }) },
  {
    method: 'GET',
    url: '/readyz',
    summary: 'Ready: the store (and Kafka, when consuming) answer',
    response: z.object({ status: z.literal('ready') }),
    otherStatus: { 503: 'a dependency is down: `down` names each with its error' },
  },
  { method: 'GET', url: '/metrics', summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
  { method: 'GET', url: '/openapi.json', summary: 'This document' },
];

export function buildServer(deps: ServerDeps): FastifyInstance {
  // maxParamLength: a session id may be 256 characters (the schema's limit); longer is a 414.
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit ?? 10 * 1024 * 1024, routerOptions: { maxParamLength: 300 } });

  app.addHook('onRequest', async (req, reply) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const key = authenticate(deps.apiKeys, req.headers.authorization);
    const route = req.routeOptions.url ?? req.url;
    const access = (allowed: boolean, reason: string) =>
      deps.access?.record({ key, ip: req.ip, userAgent: req.headers['user-agent'], method: req.method, route, allowed, reason, time: new Date() });
    if (!key) {
      const reason = deps.apiKeys.length === 0 ? 'no API keys are configured (ZTNA_API_KEYS)' : 'missing or unknown API key';
      access(false, reason);
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: `${reason}: send Authorization: Bearer <key>` });
    }
    if (!mayCall(key, roles)) {
      const reason = `role ${key.role} may not ${req.method} ${route} (needs ${roles.join(' or ')})`;
      access(false, reason);
      return reply.code(403).send({ error: 'forbidden', message: reason });
    }
    access(true, `role ${key.role}`);
  });

  // Fastify's own refusals (body too large, bad JSON, unknown route) keep their 4xx and get our error shape.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const body: z.infer<typeof ErrorBody> = status === 500 ? { error: 'internal', message: 'internal error; the service log has the details' } : { error: err.code ?? 'bad_request', message: err.message };
    if (status === 500) app.log.error(err);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}; see /openapi.json` }));

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, () => Promise<void>> = { store: async () => void (await deps.store.query('SELECT 1 AS ok')), ...deps.readiness };
    const down: Record<string, string> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await check();
        } catch (err) {
          down[name] = (err as Error).message;
        }
      }),
    );
    if (Object.keys(down).length > 0) return reply.code(503).send({ status: 'unavailable', down });
    return { status: 'ready' };
  });

  const routes = [
    trailsRoute(deps.store, deps.exportPageSize ?? 5000),
    sessionRoute(deps.store),
    anomaliesRoute(deps.store),
    slisRoute(deps.store, deps.spec),
    riskSummaryRoute(deps.store, deps.spec),
  ];
  for (const route of routes) registerRoute(app, route);
  if (deps.ingest) registerIngestRoute(app, deps.ingest);

  const document = openApiDocument([...routes, ...(deps.ingest ? [ingestRouteDoc] : []), ...OPEN_ROUTES], VERSION);
  app.get('/openapi.json', async () => document);

  return app;
}

// The HTTP surface: /metrics for Prometheus, health for orchestrators, the API for people,
// and /openapi.json describing all of it from the same route declarations.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { SloSpec } from '../slo/spec.js';
import type { Store } from '../store/index.js';
import { anomaliesRoute } from './anomalies.js';
import { authenticate, mayCall, type ApiKey, type Role } from './auth.js';
import type { AccessRecorder } from './accessLog.js';
import { ingestRouteDoc, registerIngestRoute, type Ingest } from './ingest.js';
import { registerDepthLimitedJsonParser } from './jsonBody.js';
import { openApiDocument } from './openapi.js';
import { ReadinessMonitor, storeCheck } from './readiness.js';
import { riskSummaryRoute } from './riskSummary.js';
import { ErrorBody, registerRoute, type RouteDoc } from './route.js';
import { sessionRoute } from './sessions.js';
import { slisRoute } from './slis.js';
import { trailsRoute } from './trails.js';

export interface ServerDeps {
  store: Store;
  registry: Registry;
  spec: SloSpec;
  /** What /readyz reports; started and stopped with the server. Default: a monitor of the store alone. */
  readiness?: ReadinessMonitor;
  /** Where 5xx answers are logged, each with its request id. None: nothing is logged. */
  logger?: FastifyBaseLogger;
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
    otherStatus: { 503: 'a dependency is down: `down` names each, with what is wrong and since when' },
  },
  { method: 'GET', url: '/metrics', summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
  { method: 'GET', url: '/openapi.json', summary: 'This document' },
];

export function buildServer(deps: ServerDeps): FastifyInstance {
  // maxParamLength: a session id may be 256 characters (the schema's limit); longer is a 414.
  // Request ids are UUIDs, so the one in a 500's body finds its log line among every replica's.
  // Fastify's per-request lines are off: API access is recorded as access events instead.
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger, logController: new LogController({ disableRequestLogging: true }) } : { logger: false }),
    genReqId: () => randomUUID(),
    bodyLimit: deps.bodyLimit ?? 10 * 1024 * 1024,
    routerOptions: { maxParamLength: 300 },
  });
  registerDepthLimitedJsonParser(app);

  const readiness = deps.readiness ?? new ReadinessMonitor({ store: storeCheck(deps.store) }, { log: deps.logger });
  app.addHook('onReady', () => readiness.start());
  app.addHook('onClose', async () => readiness.stop());

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
  // Anything else is a 500 whose body carries the request id of the log line with the error.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const body: z.infer<typeof ErrorBody> = { error: err.code ?? 'bad_request', message: err.message };
      return reply.code(err.statusCode).send(body);
    }
    req.log.error({ err, method: req.method, route: req.routeOptions.url }, 'request failed');
    const body: z.infer<typeof ErrorBody> & { request_id: string } = {
      error: 'internal',
      message: `internal error; the service log has the details under request id ${req.id}`,
      request_id: req.id,
    };
    return reply.code(500).send(body);
  });
  // Every 5xx answer, with its request id; never headers or bodies. /readyz is left out: the
  // readiness monitor logs when a dependency goes down or comes back, not every probe.
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500 && req.routeOptions.url !== '/readyz') {
      req.log.error({ method: req.method, route: req.routeOptions.url, statusCode: reply.statusCode }, `answered ${reply.statusCode}`);
    }
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}; see /openapi.json` }));

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const { ready, down } = readiness.report();
    return ready ? { status: 'ready' } : reply.code(503).send({ status: 'unavailable', down });
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

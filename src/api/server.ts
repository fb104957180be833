// The HTTP surface: /metrics for Prometheus, health for orchestrators, the API for people.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { SloSpec } from '../slo/spec.js';
import type { Store } from '../store/index.js';
import { sliReport } from './slis.js';
import { AnomaliesQuery, listAnomalies } from './anomalies.js';
import { authenticate, mayCall, type ApiKey, type Role } from './auth.js';
import type { AccessRecorder } from './accessLog.js';
import { registerIngestRoute, type Ingest } from './ingest.js';

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
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route; none: the route is open (health, metrics). */
    roles?: readonly Role[];
  }
}

const DURATION = /^(\d{1,4})(m|h|d)$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;
const MAX_WINDOW_SECONDS = 90 * 86400;

const SlisQuery = z.object({
  window: z
    .string()
    .regex(DURATION, 'a duration like 5m, 1h, 6h, 1d or 30d')
    .default('1h')
    .transform((w) => ({ text: w, seconds: Number(DURATION.exec(w)![1]) * UNIT_SECONDS[DURATION.exec(w)![2] as 'm' | 'h' | 'd'] }))
    .refine((w) => w.seconds > 0 && w.seconds <= MAX_WINDOW_SECONDS, 'between 1m and 90d'),
  tenant: z.string().max(128).default(''),
});

export function badRequest(reply: FastifyReply, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad_request', message: error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit ?? 10 * 1024 * 1024 });

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

  app.get('/api/v1/slis', { config: { roles: ['sre'] } }, async (req, reply) => {
    const parsed = SlisQuery.safeParse(req.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const { window, tenant } = parsed.data;
    return sliReport(deps.store, deps.spec, { window: window.text, windowSeconds: window.seconds, tenant, now: new Date() });
  });

  app.get('/api/v1/anomalies', { config: { roles: ['analyst'] } }, async (req, reply) => {
    const parsed = AnomaliesQuery.safeParse(req.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    return listAnomalies(deps.store, parsed.data);
  });

  if (deps.ingest) registerIngestRoute(app, deps.ingest);

  return app;
}

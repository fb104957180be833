// The HTTP surface: /metrics for Prometheus, health for orchestrators, the API for people.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { SloSpec } from '../slo/spec.js';
import type { Store } from '../store/index.js';
import { sliReport } from './slis.js';
import { AnomaliesQuery, listAnomalies } from './anomalies.js';

export interface ServerDeps {
  store: Store;
  registry: Registry;
  spec: SloSpec;
  /** Extra readiness checks (Kafka): name → throws when down. */
  readiness?: Record<string, () => Promise<void>>;
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

function badRequest(reply: FastifyReply, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad_request', message: error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

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

  app.get('/api/v1/slis', async (req, reply) => {
    const parsed = SlisQuery.safeParse(req.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const { window, tenant } = parsed.data;
    return sliReport(deps.store, deps.spec, { window: window.text, windowSeconds: window.seconds, tenant, now: new Date() });
  });

  app.get('/api/v1/anomalies', async (req, reply) => {
    const parsed = AnomaliesQuery.safeParse(req.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    return listAnomalies(deps.store, parsed.data);
  });

  return app;
}

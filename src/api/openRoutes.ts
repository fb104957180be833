// The open routes: liveness and readiness for orchestrators, metrics for Prometheus. No key:
// probes and scrapers call them, and they carry no event data.
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { apiError } from './errors.js';
import type { ReadinessMonitor } from './readiness.js';
import { declareRoute, registerRoute, type Route } from './route.js';

const healthRoute = declareRoute({
  method: 'GET',
  url: '/healthz',
  summary: 'Alive',
  response: z.object({ status: z.literal('ok') }),
  handler: async () => ({ status: 'ok' }),
});

/** Answers from what the monitor last found: a probe never waits on a dependency. */
const readinessRoute = (readiness: ReadinessMonitor) =>
  declareRoute({
    method: 'GET',
    url: '/readyz',
    summary: 'Ready: the store (and Kafka, when consuming) answer',
    response: z.object({ status: z.literal('ready') }),
    errors: { not_ready: 'a dependency is down: `down` names each, with what is wrong and since when' },
    handler: async () => {
      const { ready, down } = readiness.report();
      if (!ready) throw apiError('not_ready', down);
      return { status: 'ready' };
    },
  });

const metricsRoute = (registry: Registry) =>
  declareRoute({
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics (text exposition format)',
    produces: ['text/plain'],
    handler: async (_input, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  });

export const openRoutes = (registry: Registry, readiness: ReadinessMonitor): Route[] => [
  healthRoute,
  readinessRoute(readiness),
  metricsRoute(registry),
];

/** The open routes, with the readiness monitor started and stopped with the server. */
export const openRoutesPlugin: FastifyPluginAsync<{ routes: readonly Route[]; readiness: ReadinessMonitor }> = async (
  scope,
  { routes, readiness },
) => {
  scope.addHook('onReady', () => readiness.start());
  scope.addHook('onClose', async () => readiness.stop());
  for (const route of routes) registerRoute(scope, route);
};

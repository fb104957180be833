// The HTTP surface: /metrics for Prometheus, health for orchestrators, the API for people,
// and /openapi.json describing all of it from the same route declarations. Each part is a
// fastify plugin with one job; buildServer only puts them together.
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyServerOptions,
} from 'fastify';
import type { Registry } from 'prom-client';
import { DEFAULT_CREDENTIAL_MAX_AGE_DAYS } from '../conventions.js';
import { DEFAULT_RISK_RULE, type RiskRule } from '../riskRule.js';
import type { SloSpec } from '../slo/spec.js';
import type { Store } from '../store/index.js';
import type { AccessRecorder } from './accessLog.js';
import { alertsRoute } from './alerts.js';
import { anomaliesRoute } from './anomalies.js';
import type { ApiKey } from './auth.js';
import { apiKeyAuthenticator, authPlugin, type Authenticator, type AuthOptions } from './authPlugin.js';
import { recordingKeyUse, type ApiMetrics } from './metrics.js';
import { rareAccessRoute, unusedAccessRoute } from './access.js';
import { credentialsRoute } from './credentials.js';
import { longLivedTokensRoute } from './tokens.js';
import { answerError, errorHandling } from './errors.js';
import { incidentRoute, incidentsRoute } from './incidents.js';
import { ingestRoute, ndjsonBodies, type Ingest } from './ingest.js';
import { depthLimitedJson } from './jsonBody.js';
import { openApiRoute } from './openapi.js';
import { openRoutes, openRoutesPlugin } from './openRoutes.js';
import { principalRiskRoute, principalsRoute } from './principals.js';
import { ReadinessMonitor, storeCheck } from './readiness.js';
import { riskSummaryRoute } from './riskSummary.js';
import { registerRoute, routesPlugin, type Route } from './route.js';
import { sessionRoute } from './sessions.js';
import { slisRoute } from './slis.js';
import { trailsRoute } from './trails/route.js';

export interface ServerDeps {
  store: Store;
  registry: Registry;
  spec: SloSpec;
  /** How anomalies make a principal's risk level and group into incidents. Default: DEFAULT_RISK_RULE. */
  risk?: RiskRule;
  /** The rotation policy of service credentials (ZTNA_CREDENTIAL_MAX_AGE_DAYS), in seconds. Default: 90 days. */
  credentialMaxAgeSeconds?: number;
  /** What /readyz reports; started and stopped with the server. Default: a monitor of the store alone. */
  readiness?: ReadinessMonitor;
  /** Where 5xx answers are logged, each with its request id. None: nothing is logged. */
  logger?: FastifyBaseLogger;
  /** Keys allowed on /api/v1, with their roles and tenants; a function: the keys in force at each request (a watched file). */
  apiKeys: readonly ApiKey[] | (() => readonly ApiKey[]);
  /** Where each key's last use is noted, by name. */
  apiMetrics?: ApiMetrics;
  /** Other credentials than API keys (OIDC bearer tokens), asked after the keys in this order. */
  authenticators?: readonly Authenticator[];
  /** Records every API access as access events. */
  access?: AccessRecorder;
  /** The tenant of an alert without a `tenant` label (ZTNA_DEFAULT_TENANT). Default: `default`. */
  defaultTenant?: string;
  /** The pipeline, for POST /api/v1/events. */
  ingest?: Ingest;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Rows fetched per query while streaming a trail export. */
  exportPageSize?: number;
  /** A certificate and key (PEM): the server answers https only, for deployments without a TLS proxy in front. */
  https?: { cert: Buffer; key: Buffer };
}

function serverOptions(deps: ServerDeps): FastifyServerOptions {
  // Fastify's per-request lines are off: API access is recorded as access events instead.
  const logging = deps.logger
    ? { loggerInstance: deps.logger, logController: new LogController({ disableRequestLogging: true }) }
    : { logger: false };
  return {
    ...logging,
    // Request ids are UUIDs, so the one in a 500's body finds its log line among every replica's.
    genReqId: () => randomUUID(),
    bodyLimit: deps.bodyLimit ?? 10 * 1024 * 1024,
    // A session id may be 256 characters (the schema's limit); longer is a 414.
    routerOptions: { maxParamLength: 300 },
    // The router's own refusals (a bad or over-long URL) answer from the catalogue too.
    frameworkErrors: answerError,
    ...(deps.https ? { https: deps.https } : {}),
  };
}

/** The routes behind an API key, each with the roles that may call it. */
function apiRoutes(deps: ServerDeps): Route[] {
  const risk = deps.risk ?? DEFAULT_RISK_RULE;
  return [
    trailsRoute(deps.store, deps.exportPageSize ?? 5000),
    sessionRoute(deps.store),
    anomaliesRoute(deps.store),
    principalsRoute(deps.store, risk),
    principalRiskRoute(deps.store, risk),
    incidentsRoute(deps.store, risk),
    incidentRoute(deps.store, risk),
    credentialsRoute(deps.store, deps.credentialMaxAgeSeconds ?? DEFAULT_CREDENTIAL_MAX_AGE_DAYS * 86400),
    longLivedTokensRoute(deps.store),
    unusedAccessRoute(deps.store),
    rareAccessRoute(deps.store),
    slisRoute(deps.store, deps.spec),
    riskSummaryRoute(deps.store, deps.spec, risk),
    alertsRoute(deps.store, deps.defaultTenant ?? 'default'),
    ...(deps.ingest ? [ingestRoute(deps.ingest)] : []),
  ];
}

/** The /api/v1 scope: the auth hook and NDJSON bodies apply to its routes only. */
const apiPlugin: FastifyPluginAsync<AuthOptions & { routes: readonly Route[] }> = async (scope, { routes, ...auth }) => {
  await scope.register(authPlugin, auth);
  await scope.register(ndjsonBodies);
  for (const route of routes) registerRoute(scope, route);
};

/** The auth plugin's options: the API keys first, then the other authenticators. */
function authOptions(deps: ServerDeps): AuthOptions {
  const others = deps.authenticators ?? [];
  const { apiKeys } = deps;
  const keys = typeof apiKeys === 'function' ? apiKeys : () => apiKeys;
  const byKey = apiKeyAuthenticator(keys);
  const unauthenticated =
    others.length > 0
      ? 'missing or unknown API key or token'
      : keys().length === 0
        ? 'no API keys are configured (ZTNA_API_KEYS)'
        : 'missing or unknown API key';
  return {
    authenticators: [deps.apiMetrics ? recordingKeyUse(byKey, deps.apiMetrics) : byKey, ...others],
    unauthenticated,
    access: deps.access,
  };
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify(serverOptions(deps));
  const readiness = deps.readiness ?? new ReadinessMonitor({ store: storeCheck(deps.store) }, { log: deps.logger });
  const open = openRoutes(deps.registry, readiness);
  const api = apiRoutes(deps);
  app.register(errorHandling);
  app.register(depthLimitedJson);
  app.register(openRoutesPlugin, { routes: open, readiness });
  app.register(apiPlugin, { routes: api, ...authOptions(deps) });
  app.register(routesPlugin, { routes: [openApiRoute([...api, ...open])] });
  return app;
}

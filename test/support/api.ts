// The API tests' harness: a server on the test's store with a key of each role, requests
// made with one of those keys, and events as HTTP ingest would receive them.
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { hashApiKey, parseApiKeys, ROLES, type Role } from '../../src/api/auth.js';
import { buildServer, type ServerDeps } from '../../src/api/server.js';
import { createRegistry } from '../../src/metrics.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import { loadSloSpec } from '../../src/slo/spec.js';
import type { Store } from '../../src/store/index.js';
import { ROOT } from './helpers.js';

/** The SLO spec the service ships with. */
export const SPEC = loadSloSpec(join(ROOT, 'slos.yaml'));

/** The secret of the test key of a role. The key's name is `<role>-1`. */
export const keyOf = (role: string) => `secret-${role}-key-0123456789`;
const API_KEYS = parseApiKeys(ROLES.map((role) => `${role}-1:${role}:${hashApiKey(keyOf(role))}`).join(','));

/** A server on the store with a key of each role and its own metrics registry; `deps` adds or replaces dependencies. */
export function apiServer(store: Store, deps: Partial<ServerDeps> = {}): FastifyInstance {
  return buildServer({ store, registry: createRegistry(), spec: SPEC, apiKeys: API_KEYS, ...deps });
}

/** Sends requests with the key of the role (an Authorization header of the request's own wins). */
export function requestsAs(app: FastifyInstance, role: Role) {
  return (request: string | InjectOptions) => {
    const options = typeof request === 'string' ? { url: request } : request;
    return app.inject({ ...options, headers: { authorization: `Bearer ${keyOf(role)}`, ...options.headers } });
  };
}

export type Requests = ReturnType<typeof requestsAs>;

/** Events (objects, or lines as they are) as HTTP ingest hands them to the pipeline. */
export const httpRecords = (events: ReadonlyArray<object | string>): RawRecord[] =>
  events.map((e) => ({ value: Buffer.from(typeof e === 'string' ? e : JSON.stringify(e)), origin: { door: 'http' } }));

/** Closes what a test opened, in order; what was never opened is skipped. */
export async function closeAll(...opened: Array<{ close(): unknown } | undefined>): Promise<void> {
  for (const thing of opened) await thing?.close();
}

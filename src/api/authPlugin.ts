// Access control as a fastify hook plugin. Registered in the scope of the /api/v1 routes, its
// onRequest hook answers 401 (no key, or an unknown one) or 403 (the key's role may not call
// the route) and hands every decision, allowed or not, to the AccessRecorder.
import type { FastifyRequest } from 'fastify';
import type { AccessRecorder } from './accessLog.js';
import { authenticate, mayCall, type ApiKey } from './auth.js';
import { apiError } from './errors.js';
import { unencapsulated } from './plugin.js';

export interface AuthOptions {
  /** Keys allowed on the scope's routes, with their roles. */
  apiKeys: readonly ApiKey[];
  /** Records every access as access events. */
  access?: AccessRecorder | undefined;
}

/** Why a request without a known key is refused. */
const unauthenticated = (keys: readonly ApiKey[]) =>
  keys.length === 0 ? 'no API keys are configured (ZTNA_API_KEYS)' : 'missing or unknown API key';

export const authPlugin = unencapsulated<AuthOptions>(async (scope, { apiKeys, access }) => {
  scope.addHook('onRequest', async (req: FastifyRequest) => {
    // A route without roles in this scope is open to admin keys only.
    const roles = req.routeOptions.config.roles ?? [];
    const route = req.routeOptions.url ?? req.url;
    const key = authenticate(apiKeys, req.headers.authorization);
    const record = (allowed: boolean, reason: string) =>
      access?.record({
        key,
        ip: req.ip,
        userAgent: req.headers['user-agent'],
        method: req.method,
        route,
        allowed,
        reason,
        time: new Date(),
      });
    if (!key) {
      const reason = unauthenticated(apiKeys);
      record(false, reason);
      throw apiError('unauthorized', reason);
    }
    if (!mayCall(key, roles)) {
      const reason = `role ${key.role} may not ${req.method} ${route} (needs ${roles.join(' or ')})`;
      record(false, reason);
      throw apiError('forbidden', reason);
    }
    record(true, `role ${key.role}`);
  });
});

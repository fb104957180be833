// Access control as a fastify hook plugin. Registered in the scope of the /api/v1 routes, its
// onRequest hook asks each authenticator in turn who the request's credential belongs to (API
// keys first; OIDC bearer tokens are another authenticator), answers 401 when none knows it, 403
// when the caller's role may not call the route or its `tenant=` filter names a tenant outside the
// caller's (tenancy.ts), hands every decision, allowed or not, to the AccessRecorder, and puts
// the caller on the request (`request.caller`) for the routes.
import type { FastifyRequest } from 'fastify';
import type { AccessRecorder } from './accessLog.js';
import { authenticate, callerOfKey, mayCall, type ApiKey, type Caller } from './auth.js';
import { apiError, forbiddenReason } from './errors.js';
import { expiredReason } from './keyExpiry.js';
import { unencapsulated } from './plugin.js';
import { outOfScope, tenantFilter } from './tenancy.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called: set by the auth hook on every request it lets through, undefined on open routes. */
    caller: Caller | undefined;
  }
}

/**
 * Who the request's credential belongs to, or undefined when it carries none this authenticator
 * knows (the next one is asked). One that recognizes its kind of credential but refuses it (an
 * expired token, a bad signature) throws CredentialRefused with why, which ends the request as a 401.
 */
export type Authenticator = (req: FastifyRequest) => Caller | undefined | Promise<Caller | undefined>;

/** A credential an authenticator recognized and refused; the reason is recorded and sent in the 401. */
export class CredentialRefused extends Error {}

/** The API keys' authenticator: a bearer token whose SHA-256 is a configured key's (the keys in force now), unless expired. */
export const apiKeyAuthenticator =
  (keys: () => readonly ApiKey[]): Authenticator =>
  (req) => {
    const key = authenticate(keys(), req.headers.authorization);
    const expired = key && expiredReason(key, new Date());
    if (expired) throw new CredentialRefused(expired);
    return key && callerOfKey(key);
  };

export interface AuthOptions {
  /** Asked in order; the first to name a caller wins. */
  authenticators: readonly Authenticator[];
  /** Why a request whose credential no authenticator knows is refused (for example: none are configured). */
  unauthenticated: string;
  /** Records every access as access events. */
  access?: AccessRecorder | undefined;
}

async function callerOf(authenticators: readonly Authenticator[], req: FastifyRequest): Promise<Caller | undefined> {
  for (const authenticator of authenticators) {
    const caller = await authenticator(req);
    if (caller) return caller;
  }
  return undefined;
}

export const authPlugin = unencapsulated<AuthOptions>(async (scope, { authenticators, unauthenticated, access }) => {
  scope.decorateRequest('caller', undefined);
  /** Records the request's access decision. */
  const recorder = (req: FastifyRequest) => (caller: Caller | undefined, allowed: boolean, reason: string) =>
    access?.record({
      caller,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      method: req.method,
      route: req.routeOptions.url ?? req.url,
      allowed,
      reason,
      time: new Date(),
    });
  scope.addHook('onRequest', async (req: FastifyRequest) => {
    // A route without roles in this scope is open to admin keys only.
    const roles = req.routeOptions.config.roles ?? [];
    const route = req.routeOptions.url ?? req.url;
    const record = recorder(req);
    let caller: Caller | undefined;
    try {
      caller = await callerOf(authenticators, req);
    } catch (err) {
      if (!(err instanceof CredentialRefused)) throw err;
      record(undefined, false, err.message);
      throw apiError('unauthorized', err.message);
    }
    if (!caller) {
      record(undefined, false, unauthenticated);
      throw apiError('unauthorized', unauthenticated);
    }
    if (!mayCall(caller, roles)) {
      const reason = `role ${caller.role} may not ${req.method} ${route} (needs ${roles.join(' or ')})`;
      record(caller, false, reason);
      throw apiError('forbidden', reason);
    }
    const refusal = outOfScope(caller, tenantFilter(req));
    if (refusal) {
      record(caller, false, refusal);
      throw apiError('forbidden', refusal);
    }
    record(caller, true, `role ${caller.role}`);
    req.caller = caller;
  });
  // A 403 from a route the hook let in (an ingest body holding another tenant's events) is a denied access too.
  scope.addHook('onError', async (req, _reply, err) => {
    const reason = forbiddenReason(err);
    if (req.caller && reason !== undefined) recorder(req)(req.caller, false, reason);
  });
});

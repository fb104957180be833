// Token lifetimes (the guide's M6): how old a token is when it is used, and how long it was issued
// for. Short-lived tokens are the goal; a use of a token older than the configured limit is counted.
import type { CanonicalEvent } from '../events/index.js';

/** Activities that hand out a token (its issued lifetime is counted there, once per issue). */
const ISSUING = new Set(['issue', 'refresh', 'exchange']);

export interface TokenLifetimeObservation {
  /** Use time − issued_at, for a use of a token whose issue time is known. */
  ageSeconds?: number;
  /** expires_at − issued_at, for a token handed out with both. */
  lifetimeSeconds?: number;
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

export function tokenLifetime(event: CanonicalEvent): TokenLifetimeObservation {
  if (event.kind !== 'token' || event.issued_at === undefined) return {};
  // A use stamped before its token's issue is clock skew between issuer and gateway: age 0, not negative.
  if (event.activity === 'use') return { ageSeconds: Math.max(0, seconds(event.issued_at, event.time)) };
  if (ISSUING.has(event.activity) && event.expires_at !== undefined)
    return { lifetimeSeconds: Math.max(0, seconds(event.issued_at, event.expires_at)) };
  return {};
}

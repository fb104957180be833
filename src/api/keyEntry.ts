// A new API key: random, with a prefix that says what it is, and the configuration entry that
// holds only its hash (what `ztna keys new` prints).
import { randomBytes } from 'node:crypto';
import { ApiKeyError, hashApiKey, TENANT_SEPARATOR, type Role, type TenantScope } from './auth.js';
import { dayOf, EXPIRY_FIELD, expiryOf } from './keyExpiry.js';

/** Makes a key recognizable in a leaked file or a secret scanner's findings. */
export const KEY_PREFIX = 'ztna_';
const DAY_MS = 86_400_000;

/** A new key: the prefix and 32 random bytes, base64url. */
export const newApiKey = () => `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;

/**
 * When a key made now with `--expires` expires: `90d` is the first midnight (UTC) at least 90 days
 * away, so the key lasts at least that long; a date `YYYY-MM-DD` is that day.
 */
export function expiryFrom(spec: string, now: Date): Date {
  const days = /^(\d{1,4})d$/.exec(spec);
  if (days && Number(days[1]) >= 1) return new Date(Math.ceil((now.getTime() + Number(days[1]) * DAY_MS) / DAY_MS) * DAY_MS);
  const instant = expiryOf(`${EXPIRY_FIELD}${spec}`);
  if (!instant) throw new ApiKeyError(`--expires: a number of days (90d) or a date (YYYY-MM-DD), got ${spec}`);
  if (instant <= now) throw new ApiKeyError(`--expires ${spec}: that day has begun already`);
  return instant;
}

export interface KeyEntry {
  name: string;
  role: Role;
  tenants: TenantScope;
  expires: Date | undefined;
}

/** The configuration line of a key, `name:role:sha256:tenants[:exp=YYYY-MM-DD]`: its hash, never the key. */
export function keyEntryLine(entry: KeyEntry, key: string): string {
  const tenants = entry.tenants === '*' ? '*' : entry.tenants.join(TENANT_SEPARATOR);
  const expiry = entry.expires ? `:${EXPIRY_FIELD}${dayOf(entry.expires)}` : '';
  return `${entry.name}:${entry.role}:${hashApiKey(key)}:${tenants}${expiry}`;
}

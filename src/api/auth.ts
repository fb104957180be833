// API keys and roles. Keys come from configuration as `name:role:sha256-of-key`: only the
// hashes are held. Every route names the roles that may call it; the auth plugin
// (authPlugin.ts) answers a missing or unknown key with a 401, a known key with the wrong role a 403.
import { createHash, timingSafeEqual } from 'node:crypto';

export const ROLES = ['analyst', 'sre', 'executive', 'ingest', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  name: string;
  role: Role;
  hash: Buffer;
}

export class ApiKeyError extends Error {}

/** Parses `name:role:sha256hex` entries, separated by commas or new lines; `#` starts a comment. */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = text
    .split(/[,\n]/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [name, role, hash, ...rest] = entry.split(':');
    if (!name || !role || !hash || rest.length > 0)
      throw new ApiKeyError(`bad API key entry "${entry.slice(0, 40)}": use name:role:sha256-of-key`);
    if (!(ROLES as readonly string[]).includes(role))
      throw new ApiKeyError(`API key ${name}: role must be one of ${ROLES.join(', ')}, got ${role}`);
    if (!/^[0-9a-f]{64}$/i.test(hash))
      throw new ApiKeyError(`API key ${name}: the third field must be the key's SHA-256 in hex (64 characters), never the key`);
    if (keys.some((k) => k.name === name)) throw new ApiKeyError(`API key ${name} is listed twice`);
    keys.push({ name, role: role as Role, hash: Buffer.from(hash, 'hex') });
  }
  return keys;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key a bearer token is, compared in constant time against every hash. */
export function authenticate(keys: readonly ApiKey[], authorization: string | undefined): ApiKey | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const presented = createHash('sha256').update(m[1]!).digest();
  let found: ApiKey | undefined;
  for (const key of keys) if (timingSafeEqual(key.hash, presented)) found = key;
  return found;
}

export const mayCall = (key: ApiKey, roles: readonly Role[]) => key.role === 'admin' || roles.includes(key.role);

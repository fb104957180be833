// API keys, roles and tenant scopes. Keys come from configuration as
// `name:role:sha256-of-key[:tenants]`: only the hashes are held. Every route names the roles that
// may call it; the auth plugin (authPlugin.ts) answers a missing or unknown credential with a 401,
// a known one with the wrong role a 403. What a credential may read is its Caller's tenants.
import { createHash, timingSafeEqual } from 'node:crypto';
import { expiryOf, isExpiryField } from './keyExpiry.js';

export const ROLES = ['analyst', 'sre', 'executive', 'ingest', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Every tenant, or these. */
export type TenantScope = '*' | readonly string[];

/**
 * Separates the tenants of a key entry's fourth field (`acme+globex`). Not `,`: entries are
 * separated by commas and new lines already, so a comma would start the next entry.
 */
export const TENANT_SEPARATOR = '+';
/** What a tenant named in a key entry may not contain: the separators of entries, fields and tenants, and comments. */
export const TENANT_NAME = /^[^\s,:+#*]+$/;

export interface ApiKey {
  name: string;
  role: Role;
  hash: Buffer;
  /** `*` when the entry names no tenants (an entry written before tenants existed keeps its meaning). */
  tenants: TenantScope;
  /** Refused from this instant on (the entry's `exp=YYYY-MM-DD`, keyExpiry.ts); undefined: never. */
  expires?: Date | undefined;
}

/** Who called, once authenticated: by an API key or a bearer token, whatever checked it. */
export interface Caller {
  kind: 'key' | 'token';
  name: string;
  role: Role;
  tenants: TenantScope;
}

export const callerOfKey = (key: ApiKey): Caller => ({ kind: 'key', name: key.name, role: key.role, tenants: key.tenants });

export class ApiKeyError extends Error {}

/** The fourth field of an entry: `*`, or tenants joined by `+`; absent means `*`. */
function parseTenants(name: string, field: string | undefined): TenantScope {
  if (field === undefined || field === '*') return '*';
  const tenants = field.split(TENANT_SEPARATOR);
  const bad = tenants.find((t) => !TENANT_NAME.test(t));
  if (bad !== undefined)
    throw new ApiKeyError(`API key ${name}: the fourth field is * or tenants joined by ${TENANT_SEPARATOR} (acme+globex), got "${field}"`);
  return [...new Set(tenants)];
}

/** Parses `name:role:sha256hex[:tenants][:exp=YYYY-MM-DD]` entries, separated by commas or new lines; `#` starts a comment. */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = text
    .split(/[,\n]/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  for (const entry of entries) {
    const fields = entry.split(':');
    const expiry = fields.length > 3 && isExpiryField(fields.at(-1)) ? fields.pop() : undefined;
    const [name, role, hash, tenants, ...rest] = fields;
    if (!name || !role || !hash || rest.length > 0)
      // Quoted by its name alone: the message reaches the log, and a line without fields may be a key pasted whole.
      throw new ApiKeyError(
        `bad API key entry ${fields.length > 1 ? `"${name}:…"` : 'without fields (a key pasted instead of its entry?)'}: use name:role:sha256-of-key[:tenants][:exp=YYYY-MM-DD]`,
      );
    if (!(ROLES as readonly string[]).includes(role))
      throw new ApiKeyError(`API key ${name}: role must be one of ${ROLES.join(', ')}, got ${role}`);
    if (!/^[0-9a-f]{64}$/i.test(hash))
      throw new ApiKeyError(`API key ${name}: the third field must be the key's SHA-256 in hex (64 characters), never the key`);
    const expires = expiry === undefined ? undefined : expiryOf(expiry);
    if (expiry !== undefined && !expires)
      throw new ApiKeyError(`API key ${name}: the expiry is exp=YYYY-MM-DD (refused from 00:00 UTC that day), got "${expiry}"`);
    // Entries may share a name (a key and its successor during a rotation); one key listed twice is a mistake.
    const digest = Buffer.from(hash, 'hex');
    if (keys.some((k) => k.hash.equals(digest))) throw new ApiKeyError(`API key ${name}: the same key is listed twice`);
    keys.push({ name, role: role as Role, hash: digest, tenants: parseTenants(name, tenants), expires });
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

export const mayCall = (caller: Caller, roles: readonly Role[]) => caller.role === 'admin' || roles.includes(caller.role);

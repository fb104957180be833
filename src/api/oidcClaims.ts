// How an identity provider's token becomes a role and tenants: one claim holds names (groups, app
// roles), and one pattern reads a role and a tenant out of each name. `ztna-analysts-acme` →
// analyst of acme; a name that matches without a tenant (`ztna-admins`) grants every tenant.
// Pure: the payload is already verified (oidc.ts).
import { ROLES, TENANT_NAME, type Role, type TenantScope } from './auth.js';

/** The default pattern: `ztna-<role>[s][-<tenant>]`, e.g. `ztna-analysts-acme`, `ztna-sre-globex`, `ztna-admins`; a tenant as a key entry may name one. */
export const DEFAULT_GROUP_PATTERN = `^ztna-(?<role>${ROLES.join('|')})s?(?:-(?<tenant>${TENANT_NAME.source.slice(1, -1)}))?$`;

export interface ClaimMapping {
  /** The claim holding the names, a dotted path for nested claims (`realm_access.roles`). */
  groupsClaim: string;
  /** Read from each name: the named group `role` (required) and `tenant` (absent or empty: every tenant). */
  groupPattern: RegExp;
  /** The claim naming the caller in the access log; `sub` where the token has no such claim. */
  nameClaim: string;
}

export type Grant = { ok: true; name: string; role: Role; tenants: TenantScope } | { ok: false; reason: string };

/** Why a pattern cannot map names to grants, or undefined when it can. */
export function groupPatternProblem(pattern: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (err) {
    return `not a regular expression: ${(err as Error).message}`;
  }
  if (!/\(\?<role>/.test(re.source)) return 'needs a named group (?<role>…) that captures the role';
  return undefined;
}

/** The value at a dotted path of the payload. */
function claimAt(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The caller a verified payload maps to. Every matching name must grant the same role (the
 * tenants are the union): a caller has one role, and merging an analyst of acme with an SRE of
 * globex would make them an SRE of acme too, so such a token is refused with the roles it holds.
 */
export function grantOf(payload: Record<string, unknown>, mapping: ClaimMapping): Grant {
  const named = claimAt(payload, mapping.nameClaim);
  const name = typeof named === 'string' && named !== '' ? named : typeof payload.sub === 'string' ? payload.sub : 'unknown';
  const value = claimAt(payload, mapping.groupsClaim);
  const names = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
  const roles = new Set<Role>();
  const tenants = new Set<string>();
  let everyTenant = false;
  for (const group of names) {
    const found = mapping.groupPattern.exec(group)?.groups;
    if (!found || !(ROLES as readonly string[]).includes(found.role ?? '')) continue;
    roles.add(found.role as Role);
    if (found.tenant) tenants.add(found.tenant);
    else everyTenant = true;
  }
  if (roles.size === 0) return { ok: false, reason: `the token's ${mapping.groupsClaim} claim grants no role` };
  if (roles.size > 1)
    return {
      ok: false,
      reason: `the token's ${mapping.groupsClaim} claim grants several roles (${[...roles].join(', ')}); a caller has one`,
    };
  return { ok: true, name, role: [...roles][0]!, tenants: everyTenant ? '*' : [...tenants].sort() };
}

// Which tenants a request reads. Every route's queries take the result as bound parameters,
// `{all_tenants:UInt8}` and `{tenants:Array(String)}`, in the predicate
// `({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})`, which the engine reads as
// `tenant IN (…)` on the sort key's first column when scoped. A `tenant=` filter narrows the
// caller's tenants to one; the auth hook refuses one outside them with a 403 (whether that
// tenant exists or not, so the answer tells nothing about other tenants).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TENANT_SEPARATOR, type Caller } from './auth.js';
import { apiError } from './errors.js';

/** The `tenant=` query parameter every read route takes. */
export const TenantQuery = z
  .string()
  .max(128)
  .default('')
  .describe('one tenant (empty: every tenant the credential may read; a tenant outside them is a 403)');

/** The bound parameters of the tenant predicate: every tenant, or those listed. */
export interface TenantParams {
  all_tenants: 0 | 1;
  tenants: string[];
}

/** The `tenant=` filter of a request ('' names none); a repeated one is left to the route's validation. */
export function tenantFilter(req: FastifyRequest): string {
  const tenant = (req.query as Record<string, unknown> | undefined)?.tenant;
  return typeof tenant === 'string' ? tenant : '';
}

/** Why the caller may not read (or write) the tenant named; undefined when it may ('' names none). */
export function outOfScope(caller: Caller, tenant: string): string | undefined {
  if (tenant === '' || caller.tenants === '*' || caller.tenants.includes(tenant)) return undefined;
  return `tenant ${tenant} is outside the tenants of ${caller.kind} ${caller.name} (${caller.tenants.join(TENANT_SEPARATOR)})`;
}

/** A 403 when the caller may not write one of the tenants: a write is refused whole, before anything is stored. */
export function checkWritable(caller: Caller, tenants: Iterable<string>): void {
  const refusals = [...new Set(tenants)].flatMap((tenant) => outOfScope(caller, tenant) ?? []);
  if (refusals.length > 0) throw apiError('forbidden', `nothing stored: ${refusals.join('; ')}`);
}

/** What a credential of every tenant reads: every tenant, or the one `filter` names. */
export const anyTenant = (filter: string): TenantParams =>
  filter === '' ? { all_tenants: 1, tenants: [] } : { all_tenants: 0, tenants: [filter] };

/** What the caller may read, narrowed to `filter` when it names a tenant. */
export function tenantParams(caller: Caller, filter: string): TenantParams {
  const refusal = outOfScope(caller, filter);
  if (refusal) throw apiError('forbidden', refusal);
  return caller.tenants === '*' || filter !== '' ? anyTenant(filter) : { all_tenants: 0, tenants: [...caller.tenants] };
}

/** The caller of a request that passed the auth hook; a route outside its scope asking is a bug. */
export function requestCaller(req: FastifyRequest): Caller {
  if (!req.caller) throw new Error(`${req.method} ${req.routeOptions.url ?? req.url}: no caller (the route is outside the auth scope)`);
  return req.caller;
}

/** The tenant parameters of a request that passed the auth hook. */
export const requestTenants = (req: FastifyRequest, filter: string) => tenantParams(requestCaller(req), filter);

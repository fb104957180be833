// Which tenants a request reads. Every route's queries take the result as bound parameters,
// `{all_tenants:UInt8}` and `{tenants:Array(String)}`, in the predicate
// `({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})`, which the engine reads as
// `tenant IN (…)` on the sort key's first column when scoped. A `tenant=` filter narrows the
// caller's tenants to one; naming a tenant outside them is a 403 (whether it exists or not, so
// the answer tells nothing about other tenants).
import type { FastifyRequest } from 'fastify';
import { TENANT_SEPARATOR, type Caller } from './auth.js';
import { callerOfRequest } from './authPlugin.js';
import { apiError } from './errors.js';

/** The bound parameters of the tenant predicate: every tenant, or those listed. */
export interface TenantParams {
  all_tenants: 0 | 1;
  tenants: string[];
}

/** What a credential of every tenant reads: every tenant, or the one `filter` names. */
export const anyTenant = (filter: string): TenantParams =>
  filter === '' ? { all_tenants: 1, tenants: [] } : { all_tenants: 0, tenants: [filter] };

/** What the caller may read, narrowed to `filter` when it names a tenant ('' names none). */
export function tenantParams(caller: Caller, filter: string): TenantParams {
  if (caller.tenants === '*') return anyTenant(filter);
  if (filter === '') return { all_tenants: 0, tenants: [...caller.tenants] };
  if (!caller.tenants.includes(filter))
    throw apiError(
      'forbidden',
      `tenant ${filter} is outside what ${caller.kind} ${caller.name} may read (${caller.tenants.join(TENANT_SEPARATOR)})`,
    );
  return anyTenant(filter);
}

/** The tenant parameters of a request that passed the auth hook. */
export const requestTenants = (req: FastifyRequest, filter: string) => tenantParams(callerOfRequest(req), filter);

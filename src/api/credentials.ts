// Service credentials and their rotation (the guide's M7): GET /api/v1/credentials lists the
// credentials service principals and workload identities were seen with in a time range
// (sql/queries/service_credentials.sql, over migration 0020's rollup), each with its age and
// whether it is overdue against the rotation policy (ZTNA_CREDENTIAL_MAX_AGE_DAYS). Ids only:
// a key id, a certificate thumbprint or id, never a secret.
import { z } from 'zod';
import { fromClickHouseTime, namedQuery, rangeParams, type Store } from '../store/index.js';
import { durationText } from './duration.js';
import { CursorParam, encodePageCursor, NextCursor, paged } from './pageCursor.js';
import { timeRange } from './range.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

const MAX_PAGE = 1000;

export const credentialsQuery = timeRange(
  {
    overdue: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('true: only the credentials overdue for rotation'),
    tenant: TenantQuery,
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`page size, at most ${MAX_PAGE}`),
    cursor: CursorParam,
  },
  30 * 86400_000,
).transform((q, ctx) => paged(q, ctx, (p) => [p.overdue, p.tenant]));

const AGE_BASES = ['issued', 'first_seen'] as const;

export const Credential = z.object({
  tenant: z.string(),
  principal_id: z.string().describe('the service principal or workload identity'),
  credential_id: z.string().describe("the credential's id (Entra key id or certificate thumbprint, a certificate's id): never the secret"),
  source: z.string(),
  first_seen: z.string(),
  last_seen: z.string(),
  issued_at: z.string().nullable().describe('when an issue event says it was issued; null for credentials only seen in use'),
  expires_at: z.string().nullable(),
  age_basis: z
    .enum(AGE_BASES)
    .describe('issued: the age counts from issued_at; first_seen: from its first sighting, so the credential is at least that old'),
  age_seconds: z.number().describe('its age when last seen before `to`: for the current credential, the time since its principal rotated'),
  lifetime_seconds: z.number().nullable().describe('expires_at − issued_at, when both are known'),
  current: z.boolean().describe("the credential its principal was seen with last (the principal's others were rotated away or are spares)"),
  overdue: z.boolean(),
  overdue_reason: z.string().nullable().describe('used past the maximum age, or issued for longer than the maximum age'),
});
export type Credential = z.infer<typeof Credential>;

export const CredentialsResponse = z.object({
  from: z.string(),
  to: z.string(),
  max_age: z.string().describe('the rotation policy: ZTNA_CREDENTIAL_MAX_AGE_DAYS'),
  credentials: z.array(Credential),
  next_cursor: NextCursor,
});

interface Row {
  tenant: string;
  principal_id: string;
  credential_id: string;
  source: string;
  first_seen: string;
  last_seen: string;
  issued_at: string | null;
  expires_at: string | null;
  age_basis: string;
  age_ms: number | string;
  lifetime_ms: number | string | null;
  current: number | boolean;
  overdue_reason: string;
}

export interface CredentialScope {
  from: Date;
  to: Date;
  overdue: boolean;
  maxAgeSeconds: number;
  limit: number;
  offset: number;
}

const timeOrNull = (t: string | null) => (t === null ? null : fromClickHouseTime(t));

/** The service credentials seen in [from, to) of the tenants given, overdue first, then oldest first. */
export async function credentialsIn(store: Store, s: CredentialScope, tenants: TenantParams): Promise<Credential[]> {
  const rows = await store.query<Row>(namedQuery('service_credentials'), {
    ...rangeParams(s),
    ...tenants,
    max_age_ms: s.maxAgeSeconds * 1000,
    overdue: s.overdue ? 1 : 0,
    limit: s.limit,
    offset: s.offset,
  });
  return rows.map((r) => ({
    tenant: r.tenant,
    principal_id: r.principal_id,
    credential_id: r.credential_id,
    source: r.source,
    first_seen: fromClickHouseTime(r.first_seen),
    last_seen: fromClickHouseTime(r.last_seen),
    issued_at: timeOrNull(r.issued_at),
    expires_at: timeOrNull(r.expires_at),
    age_basis: r.age_basis as Credential['age_basis'],
    age_seconds: Number(r.age_ms) / 1000,
    lifetime_seconds: r.lifetime_ms === null ? null : Number(r.lifetime_ms) / 1000,
    current: Boolean(Number(r.current)),
    overdue: r.overdue_reason !== '',
    overdue_reason: r.overdue_reason === '' ? null : r.overdue_reason,
  }));
}

export async function listCredentials(
  store: Store,
  maxAgeSeconds: number,
  q: z.output<typeof credentialsQuery>,
  tenants: TenantParams,
): Promise<z.input<typeof CredentialsResponse>> {
  const rows = await credentialsIn(store, { ...q, maxAgeSeconds, limit: q.limit + 1 }, tenants);
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    max_age: durationText(maxAgeSeconds),
    credentials: rows.slice(0, q.limit),
    next_cursor: rows.length > q.limit ? encodePageCursor({ ...q, offset: q.offset + q.limit }, [q.overdue, q.tenant]) : null,
  };
}

export const credentialsRoute = (store: Store, maxAgeSeconds: number) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/credentials',
    roles: ['analyst'],
    summary:
      'Credentials of service principals and workload identities seen in a time range, with their age and rotation status, overdue first, paged',
    description:
      `A credential is overdue when it was used while older than the rotation policy's maximum age (${durationText(maxAgeSeconds)}, ` +
      'ZTNA_CREDENTIAL_MAX_AGE_DAYS), or was issued for longer than that. Its age counts from its issue where an issue event gave one ' +
      '(a certificate), else from when it was first seen (an Entra key id: the sign-ins do not say when the key was made), a lower bound ' +
      'no older than the data the store retains. Managed identities carry no credential id (Azure rotates theirs) and are not listed.',
    query: credentialsQuery,
    response: CredentialsResponse,
    handler: async ({ query, req }) => listCredentials(store, maxAgeSeconds, query, requestTenants(req, query.tenant)),
  });

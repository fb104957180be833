// The canonical access event: the single source of truth for types, JSON Schema
// (schemas/*.schema.json), ClickHouse columns (sql/migrations, checked by a test)
// and API fields. Field names are snake_case and stable.
import { z } from 'zod';

export const KINDS = ['auth', 'policy', 'posture', 'token'] as const;
export type Kind = (typeof KINDS)[number];

// UTC instant with millisecond precision, always written as `toISOString()` output.
// Bounded to what the store's DateTime columns and TTLs represent, so a bogus year is a
// reject with a reason rather than an insert error.
const instant = z.iso
  .datetime({ offset: false, precision: 3 })
  .refine((s) => s >= '1970-01-01' && s < '2100-01-01', 'must be between 1970 and 2099')
  .describe('UTC instant, ISO 8601 with milliseconds');
const text = (max: number) => z.string().max(max);

export const envelopeShape = {
  event_id: z.string().min(1).max(128).describe('dedup key, deterministic from the vendor id when it has one'),
  time: instant.describe('when the event happened'),
  observed_time: instant.describe('when the pipeline first normalized it'),
  tenant: z.string().min(1).max(128),
  source: z.string().min(1).max(32).describe('vendor shape it arrived in: native, okta, entra, opa, keycloak, …'),
  emitter_id: z.string().min(1).max(256).describe('the system instance that emitted it'),
  emitter_seq: z.number().int().nonnegative().optional().describe('per-emitter sequence number, for completeness'),
  correlation_id: text(256).optional(),
  session_id: text(256).optional(),
  principal_id: text(512).optional(),
  principal_type: z.enum(['user', 'service', 'device']).optional(),
  device_id: text(256).optional(),
  src_ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  user_agent: text(1024).optional(),
  geo_country: text(64).optional(),
  asn: z.number().int().nonnegative().max(4294967295).optional(),
  app: text(256).optional().describe('resource or application accessed'),
  ocsf_class_uid: z.number().int().describe('OCSF class: 3002 Authentication, 3003 Authorize Session, 5002 Device Config State'),
  ocsf_activity_id: z.number().int(),
};

export const authBody = {
  kind: z.literal('auth'),
  outcome: z.enum(['success', 'failure', 'error']).describe('error = the access system failed, not the user'),
  auth_method: text(64).optional(),
  mfa: z.boolean().optional(),
  idp: text(64).optional(),
  latency_ms: z.number().nonnegative().optional(),
  failure_reason: text(1024).optional(),
};

export const policyBody = {
  kind: z.literal('policy'),
  decision: z.enum(['allow', 'deny', 'error']),
  policy_id: text(256).optional(),
  policy_version: text(128).optional(),
  rule: text(256).optional(),
  action: text(128).optional(),
  eval_latency_ms: z.number().nonnegative().optional(),
  reasons: z.array(text(512)).max(32).default([]),
  enforcement_point: text(256).optional(),
};

export const postureBody = {
  kind: z.literal('posture'),
  compliant: z.boolean(),
  checks: z.array(z.object({ name: text(128), passed: z.boolean() })).max(64).default([]),
  agent_version: text(64).optional(),
  os: text(128).optional(),
  posture_score: z.number().min(0).max(100).optional(),
};

export const TOKEN_ACTIVITIES = ['issue', 'refresh', 'revoke', 'use', 'introspect', 'exchange'] as const;
export const tokenBody = {
  kind: z.literal('token'),
  activity: z.enum(TOKEN_ACTIVITIES),
  token_id: z.string().min(1).max(128).describe('jti, or a keyed HMAC of the token: never the token itself'),
  token_type: text(64).optional(),
  issued_at: instant.optional(),
  expires_at: instant.optional(),
  client_id: text(256).optional(),
  audience: text(512).optional(),
  scopes: z.array(text(256)).max(64).default([]),
};

export const AuthEvent = z.object({ ...envelopeShape, ...authBody });
export const PolicyEvent = z.object({ ...envelopeShape, ...policyBody });
export const PostureEvent = z.object({ ...envelopeShape, ...postureBody });
export const TokenEvent = z.object({ ...envelopeShape, ...tokenBody });

export const CanonicalEvent = z.discriminatedUnion('kind', [AuthEvent, PolicyEvent, PostureEvent, TokenEvent]);

export type AuthEvent = z.infer<typeof AuthEvent>;
export type PolicyEvent = z.infer<typeof PolicyEvent>;
export type PostureEvent = z.infer<typeof PostureEvent>;
export type TokenEvent = z.infer<typeof TokenEvent>;
export type CanonicalEvent = z.infer<typeof CanonicalEvent>;

export const eventSchemaByKind = { auth: AuthEvent, policy: PolicyEvent, posture: PostureEvent, token: TokenEvent } as const;

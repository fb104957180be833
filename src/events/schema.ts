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

// Text is stored printable. C0 and C1 controls (NUL, BEL, ANSI escapes, newlines) and the
// bidirectional controls that reorder what a reader sees ("Trojan Source") never reach a
// column, a log line or a dashboard. Zero-width joiners and variation selectors (emoji) are fine.
// Nor do lone surrogates (JSON's "\ud800" alone): they are not Unicode, and the engine refuses
// them in a String column, which would cost a batch a search for the row it refused.
const UNPRINTABLE = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const PRINTABLE_ONLY = new RegExp(`^(?:[^${UNPRINTABLE}\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*$`);
const UNPRINTABLE_CHAR = new RegExp(`[${UNPRINTABLE}]|${LONE_SURROGATE}`);
const UNPRINTABLE_CHARS = new RegExp(UNPRINTABLE_CHAR.source, 'g');

const hex = (char: string) => char.codePointAt(0)!.toString(16);

/** Free text's visible form of an unprintable character: its code point as the text `\u{hex}` (BEL → `\u{7}`). */
export const escapeUnprintable = (text: string): string => text.replace(UNPRINTABLE_CHARS, (char) => `\\u{${hex(char)}}`);

function unprintableIssue(text: string): string {
  const char = text.match(UNPRINTABLE_CHAR)?.[0] ?? '';
  const what =
    char < '\u00a0'
      ? 'a control character'
      : char >= '\ud800' && char <= '\udfff'
        ? 'a lone surrogate, not Unicode'
        : 'a bidirectional control character';
  return `contains U+${hex(char).padStart(4, '0').toUpperCase()}, ${what}`;
}

/** How normalize treats a text field: an unprintable identifier is rejected, free text is redacted and escaped. */
export type TextKind = 'identifier' | 'free text';
const textKinds = z.registry<{ text: TextKind }>();

const printable = (max: number, text: TextKind) =>
  z
    .string()
    .max(max)
    .regex(PRINTABLE_ONLY, { error: (issue) => unprintableIssue(String(issue.input)) })
    .register(textKinds, { text });

/** Ids, names, versions, labels: exact values that events are grouped and joined by. */
export const identifier = (max: number) => printable(max, 'identifier');

/** What a person or a vendor wrote (reasons, user agents). */
export const freeText = (max: number) =>
  printable(max, 'free text').describe('free text: secrets redacted, control and bidirectional characters written as \\u{hex}');

/** The top-level text fields of an event schema (alone, optional or in an array) with their kind, as the builders above marked them. */
export function textFields(schema: z.ZodObject): ReadonlyMap<string, TextKind> {
  const kindOf = (field: z.ZodType): TextKind | undefined =>
    field instanceof z.ZodOptional || field instanceof z.ZodDefault || field instanceof z.ZodArray
      ? kindOf(field.unwrap() as z.ZodType)
      : textKinds.get(field)?.text;
  const fields = new Map<string, TextKind>();
  for (const [name, field] of Object.entries(schema.shape)) {
    const kind = kindOf(field as z.ZodType);
    if (kind) fields.set(name, kind);
  }
  return fields;
}

export const envelopeShape = {
  event_id: identifier(128).min(1).describe('dedup key, deterministic from the vendor id when it has one'),
  time: instant.describe('when the event happened'),
  observed_time: instant.describe('when the pipeline first normalized it'),
  tenant: identifier(128).min(1),
  source: identifier(32).min(1).describe('vendor shape it arrived in: native, okta, entra, opa, keycloak, …'),
  emitter_id: identifier(256).min(1).describe('the system instance that emitted it'),
  emitter_seq: z.number().int().nonnegative().optional().describe('per-emitter sequence number, for completeness'),
  correlation_id: identifier(256).optional(),
  session_id: identifier(256).optional(),
  principal_id: identifier(512).optional(),
  principal_type: z.enum(['user', 'service', 'device']).optional(),
  device_id: identifier(256).optional(),
  src_ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  user_agent: freeText(1024).optional(),
  geo_country: identifier(64).optional(),
  asn: z.number().int().nonnegative().max(4294967295).optional(),
  app: identifier(256).optional().describe('resource or application accessed'),
  credential_id: identifier(256)
    .optional()
    .describe(
      "the credential a service principal or workload identity signed in with or was issued (Entra's key id or certificate thumbprint, a certificate's id): an id, never the secret",
    ),
  ocsf_class_uid: z.number().int().describe('OCSF class: 3002 Authentication, 3003 Authorize Session, 5002 Device Config State'),
  ocsf_activity_id: z.number().int(),
};

export const authBody = {
  kind: z.literal('auth'),
  outcome: z.enum(['success', 'failure', 'error']).describe('error = the access system failed, not the user'),
  auth_method: identifier(64).optional(),
  mfa: z.boolean().optional(),
  idp: identifier(64).optional(),
  latency_ms: z.number().nonnegative().optional(),
  failure_reason: freeText(1024).optional(),
};

export const policyBody = {
  kind: z.literal('policy'),
  decision: z.enum(['allow', 'deny', 'error']),
  policy_id: identifier(256).optional(),
  policy_version: identifier(128).optional(),
  rule: identifier(256).optional(),
  action: identifier(128).optional(),
  eval_latency_ms: z.number().nonnegative().optional(),
  request_latency_ms: z
    .number()
    .nonnegative()
    .optional()
    .describe('how long the enforcement point took to serve the request it decided (the user waits on it), as it reports it'),
  reasons: z.array(freeText(512)).max(32).default([]),
  enforcement_point: identifier(256).optional(),
};

export const postureBody = {
  kind: z.literal('posture'),
  compliant: z.boolean(),
  checks: z
    .array(z.object({ name: identifier(128), passed: z.boolean() }))
    .max(64)
    .default([]),
  agent_version: identifier(64).optional(),
  os: identifier(128).optional(),
  posture_score: z.number().min(0).max(100).optional(),
};

export const TOKEN_ACTIVITIES = ['issue', 'refresh', 'revoke', 'use', 'introspect', 'exchange'] as const;
export const tokenBody = {
  kind: z.literal('token'),
  activity: z.enum(TOKEN_ACTIVITIES),
  token_id: identifier(128).min(1).describe('jti, or a keyed HMAC of the token: never the token itself'),
  token_type: identifier(64).optional(),
  issued_at: instant.optional(),
  expires_at: instant.optional(),
  client_id: identifier(256).optional(),
  audience: identifier(512).optional(),
  scopes: z.array(identifier(256)).max(64).default([]),
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

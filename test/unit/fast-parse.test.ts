// The compiled event parsers (src/events/fastParse.ts) against zod itself: on any input, both
// accept or both refuse, and what they return is the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileParser, INVALID } from '../../src/events/fastParse.js';
import { eventSchemaByKind, KINDS, type Kind } from '../../src/events/schema.js';

const envelope = {
  event_id: 'e-1',
  time: '2026-11-20T10:00:00.000Z',
  observed_time: '2026-11-20T10:00:01.000Z',
  tenant: 'acme',
  source: 'native',
  emitter_id: 'idp-1',
  emitter_seq: 7,
  correlation_id: 'c-1',
  session_id: 's-1',
  principal_id: 'alice@acme.example',
  principal_type: 'user',
  device_id: 'dev-1',
  src_ip: '203.0.113.9',
  user_agent: 'Mozilla/5.0',
  geo_country: 'DE',
  asn: 3320,
  app: 'wiki',
  ocsf_class_uid: 3002,
  ocsf_activity_id: 1,
};

/** A valid event of each kind, every field set: the base that each case changes a few fields of. */
const VALID: Record<Kind, Record<string, unknown>> = {
  auth: {
    ...envelope,
    kind: 'auth',
    outcome: 'failure',
    auth_method: 'password',
    mfa: false,
    idp: 'okta',
    latency_ms: 12.5,
    failure_reason: 'bad password',
  },
  policy: {
    ...envelope,
    kind: 'policy',
    decision: 'deny',
    policy_id: 'p',
    policy_version: '3',
    rule: 'r',
    action: 'read',
    eval_latency_ms: 1.25,
    request_latency_ms: 40,
    reasons: ['device not compliant'],
    enforcement_point: 'gw-1',
  },
  posture: {
    ...envelope,
    kind: 'posture',
    compliant: false,
    checks: [{ name: 'disk_encryption', passed: false }],
    agent_version: '1.2',
    os: 'macOS',
    posture_score: 40,
  },
  token: {
    ...envelope,
    kind: 'token',
    activity: 'use',
    token_id: 'tok-1',
    token_type: 'access',
    issued_at: '2026-11-20T09:00:00.000Z',
    expires_at: '2026-11-20T11:00:00.000Z',
    client_id: 'app',
    audience: 'api',
    scopes: ['read'],
  },
};

/** Values a vendor may send in any field: right and wrong types, bounds, unprintable text, bad instants and addresses. */
const ODD_VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'a'.repeat(129),
  'a'.repeat(1025),
  'bell\u0007',
  'lone \ud800',
  'bidi \u202e',
  'emoji 👍🏽',
  0,
  -1,
  1.5,
  100,
  100.5,
  2 ** 53,
  4294967296,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  [],
  ['a'],
  [5],
  Array.from({ length: 33 }, () => 'r'),
  {},
  { name: 'x', passed: true, extra: 1 },
  [{ name: 'x', passed: true, extra: 1 }],
  [{ name: 5, passed: true }],
  '2026-11-20T10:00:00Z',
  '2100-01-01T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
  '2026-11-20T10:00:00.000+01:00',
  '10.0.0.1',
  '256.1.1.1',
  '::1',
  '2001:db8::1',
  '::@1\\',
  '::1\n',
  'user',
  'robot',
  'allow',
  'issue',
  'success',
  'auth',
  'policy',
];

/** Same answers and the same value; an optional key zod writes as undefined counts as absent. */
function expectAgreement(schema: z.ZodType, input: unknown): void {
  const fast = compileParser(schema)(input);
  const parsed = schema.safeParse(input);
  expect(fast !== INVALID).toBe(parsed.success);
  if (parsed.success) expect(withoutUndefined(fast)).toStrictEqual(withoutUndefined(parsed.data));
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  );
}

describe('compiled event parsers', () => {
  it.each(KINDS)('return what zod returns for a valid %s event, and a fresh default array each time', (kind) => {
    const schema = eventSchemaByKind[kind];
    expectAgreement(schema, VALID[kind]);
    const shape = schema.shape as Record<string, z.ZodType>;
    const minimal = Object.fromEntries(Object.entries(VALID[kind]).filter(([key]) => !shape[key]!.safeParse(undefined).success));
    expectAgreement(schema, minimal);
    const parse = compileParser(schema);
    const [a, b] = [parse(minimal), parse(minimal)] as Array<Record<string, unknown>>;
    for (const key of ['reasons', 'checks', 'scopes']) if (key in a!) expect(a![key]).not.toBe(b![key]);
  });

  it.each(KINDS)('agree with zod on %s events with fields changed, removed or added', (kind) => {
    const schema = eventSchemaByKind[kind];
    const fields = Object.keys(schema.shape);
    const change = fc.record({ field: fc.constantFrom(...fields, 'unknown_field'), value: fc.constantFrom(...ODD_VALUES) });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 3 }), (changes) => {
        const input: Record<string, unknown> = { ...VALID[kind] };
        for (const { field, value } of changes) input[field] = value;
        expectAgreement(schema, input);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with zod on what the events do not use: other formats, unions, refinements, nesting', () => {
    const schema = z.object({
      email: z.email().optional(),
      either: z.union([z.string().min(2), z.number().int()]).optional(),
      refined: z
        .string()
        .refine((s) => (s.startsWith('ok') ? 'yes' : ''))
        .optional(),
      nested: z.object({ n: z.number().lt(10).gt(0), tags: z.array(z.string()).min(1).max(2) }).optional(),
      counted: z.array(z.boolean()).length(2).optional(),
    });
    const values = [
      undefined,
      'a@b.example',
      'not an email',
      'ok!',
      'no',
      5,
      1.5,
      { n: 5, tags: ['t'] },
      { n: 10, tags: [] },
      [true, false],
      [true],
    ];
    fc.assert(
      fc.property(
        fc.record({
          email: fc.constantFrom(...values),
          either: fc.constantFrom(...values),
          refined: fc.constantFrom(...values),
          nested: fc.constantFrom(...values),
          counted: fc.constantFrom(...values),
        }),
        (input) => expectAgreement(schema, input),
      ),
      { numRuns: 2000 },
    );
  });
});

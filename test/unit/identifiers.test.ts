// Control characters and invisible text: refused in identifiers, made visible in free text, and
// ordinary Unicode left alone.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventSchemaByKind, KINDS, normalizeRecord, textFields, type Kind, type NormalizeOutcome } from '../../src/events/index.js';
import { normalizeOptions } from '../support/helpers.js';

const norm = (record: unknown) => normalizeRecord(JSON.stringify(record), normalizeOptions());
const eventOf = (o: NormalizeOutcome) => {
  if (o.status !== 'normalized') throw new Error(`expected normalized, got ${JSON.stringify(o)}`);
  return o.event as Record<string, unknown>;
};
const reasonOf = (o: NormalizeOutcome) => (o.status === 'rejected' ? o.reason : `not rejected: ${o.status}`);

const time = '2026-11-20T10:00:00.000Z';
const VALID: Record<Kind, Record<string, unknown>> = {
  auth: { kind: 'auth', time, emitter_id: 'idp-1', outcome: 'failure' },
  policy: { kind: 'policy', time, emitter_id: 'pep-1', decision: 'deny' },
  posture: { kind: 'posture', time, emitter_id: 'agent-1', compliant: false },
  token: { kind: 'token', time, emitter_id: 'tok-1', activity: 'use', token_id: 'jti-1' },
};

// The decided lists: free text is what a person or vendor wrote; everything else named is an identifier.
const FREE_TEXT: Record<Kind, string[]> = {
  auth: ['user_agent', 'failure_reason'],
  policy: ['user_agent', 'reasons'],
  posture: ['user_agent'],
  token: ['user_agent'],
};
const ENVELOPE_IDS = [
  'event_id',
  'tenant',
  'source',
  'emitter_id',
  'correlation_id',
  'session_id',
  'principal_id',
  'device_id',
  'geo_country',
  'app',
  'credential_id',
];
const IDENTIFIERS: Record<Kind, string[]> = {
  auth: [...ENVELOPE_IDS, 'auth_method', 'idp'],
  policy: [...ENVELOPE_IDS, 'policy_id', 'policy_version', 'rule', 'action', 'enforcement_point'],
  posture: [...ENVELOPE_IDS, 'agent_version', 'os'],
  token: [...ENVELOPE_IDS, 'token_id', 'token_type', 'client_id', 'audience', 'scopes'],
};
const ARRAYS = new Set(['reasons', 'scopes']);
const withField = (kind: Kind, field: string, value: string) => ({ ...VALID[kind], [field]: ARRAYS.has(field) ? [value] : value });

const UNPRINTABLE: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['BEL', '\u0007'],
  ['ANSI escape', '\u001b[31m'],
  ['newline', '\n'],
  ['DEL', '\u007f'],
  ['C1 next line', '\u0085'],
  ['right-to-left override', '\u202e'],
  ['left-to-right embedding', '\u202a'],
  ['first strong isolate', '\u2068'],
  ['right-to-left mark', '\u200f'],
  ['Arabic letter mark', '\u061c'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', '\udfff'],
];
const codeOf = (chars: string) => `U+${chars.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('identifiers', () => {
  for (const kind of KINDS) {
    it(`${kind}: each identifier with each kind of control is rejected with a reason naming the field`, () => {
      for (const field of IDENTIFIERS[kind]) {
        expect(eventOf(norm(withField(kind, field, 'acme-1'))), `${kind}.${field} plain`).toBeTruthy();
        for (const [name, chars] of UNPRINTABLE) {
          const reason = reasonOf(norm(withField(kind, field, `acme${chars}-1`)));
          const path = ARRAYS.has(field) ? `${field}.0` : field;
          expect(reason, `${kind}.${field} with ${name}`).toContain(`${path}: contains ${codeOf(chars)}`);
        }
      }
    });
  }

  it('rejects the tenant `acme\\u0007\\u0000` naming the field and the character', () => {
    expect(reasonOf(norm({ ...VALID.auth, tenant: 'acme\u0007\u0000' }))).toBe('native: tenant: contains U+0007, a control character');
  });

  it('rejects what a vendor source maps into an identifier (an OPA principal with a right-to-left override)', () => {
    const decision = { decision_id: 'd-1', path: 'ztna/allow', timestamp: time, input: { principal: 'alice\u202Egpj.exe' }, result: true };
    expect(reasonOf(norm(decision))).toBe('opa: principal_id: contains U+202E, a bidirectional control character');
  });
});

describe('free text', () => {
  it('replaces controls with visible \\u{hex} escapes, after redaction so a header value ends at its line', () => {
    const e = eventOf(
      norm({
        ...VALID.auth,
        failure_reason: 'bad\u0007 login\n\u001b[31mAuthorization: Bearer abcdefgh12345678\r\nnext\u0000',
        user_agent: 'curl/8.5\u202e\tx',
      }),
    );
    expect(e.failure_reason).toBe('bad\\u{7} login\\u{a}\\u{1b}[31mAuthorization: [redacted]\\u{d}\\u{a}next\\u{0}');
    expect(e.user_agent).toBe('curl/8.5\\u{202e}\\u{9}x');
    expect(eventOf(norm({ ...VALID.policy, reasons: ['deny\u0085', 'ok'] })).reasons).toEqual(['deny\\u{85}', 'ok']);
    expect(eventOf(norm({ ...VALID.policy, reasons: ['half \ud83d of an emoji, whole: \ud83d\ude00'] })).reasons).toEqual([
      'half \\u{d83d} of an emoji, whole: \ud83d\ude00',
    ]);
  });
});

describe('ordinary Unicode', () => {
  it('passes unchanged: accents, CJK, right-to-left scripts, emoji with joiners', () => {
    const text = {
      tenant: 'acmé-société',
      principal_id: 'josé.müller@例え.jp',
      app: '支払い',
      rule: 'قاعدة-1',
      policy_version: 'גרסה-2',
      user_agent: 'Mozilla/5.0 (iPhone) 🧑‍💻 👍🏽 ❤️',
      reasons: ['appareil non conforme', '设备不合规'],
    };
    expect(eventOf(norm({ ...VALID.policy, ...text }))).toMatchObject(text);
  });
});

describe('the schema says which text is which', () => {
  it('marks the free-text fields and the identifiers of every kind', () => {
    for (const kind of KINDS) {
      const fields = textFields(eventSchemaByKind[kind]);
      const named = (which: string) =>
        [...fields]
          .filter(([, k]) => k === which)
          .map(([f]) => f)
          .sort();
      expect(named('free text'), kind).toEqual([...FREE_TEXT[kind]].sort());
      expect(named('identifier'), kind).toEqual([...IDENTIFIERS[kind]].sort());
    }
  });

  it('gives every text field of the JSON Schema the printable-only pattern', () => {
    const patterned: string[] = [];
    const unpatterned: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (n.type === 'string' && n.format === undefined && n.enum === undefined && n.const === undefined)
        (n.pattern === undefined ? unpatterned : patterned).push(path);
      for (const [key, child] of Object.entries(n)) visit(child, `${path}.${key}`);
    };
    for (const kind of KINDS) visit(z.toJSONSchema(eventSchemaByKind[kind], { io: 'output' }), kind);
    // At least the text fields named above: the walk reached the fields it judges.
    const named = KINDS.reduce((n, kind) => n + IDENTIFIERS[kind].length + FREE_TEXT[kind].length, 0);
    expect(patterned.length).toBeGreaterThanOrEqual(named);
    expect(unpatterned).toEqual([]);
  });
});

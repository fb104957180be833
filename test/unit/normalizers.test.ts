// Each source's mapping, rejects with reasons, and that no secret survives normalization.
import { describe, expect, it } from 'vitest';
import { normalizeRecord, tokenFingerprint, type NormalizeOutcome } from '../../src/events/index.js';
import { HMAC_KEY, normalizeOptions } from '../support/helpers.js';

const norm = (record: unknown, overrides = {}) => normalizeRecord(JSON.stringify(record), normalizeOptions(overrides));
const eventOf = (o: NormalizeOutcome) => {
  if (o.status !== 'normalized') throw new Error(`expected normalized, got ${JSON.stringify(o)}`);
  return o.event as Record<string, unknown>;
};
const reasonOf = (o: NormalizeOutcome) => (o.status === 'rejected' ? o.reason : `not rejected: ${o.status}`);

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyMSIsImV4cCI6MTl9.c2lnbmF0dXJlLXZhbHVl';

const opaDecision = {
  decision_id: '4ca636c1-55e4-417a-b1d8-4aceb67960d1',
  timestamp: '2026-11-20T10:00:00.123456789Z',
  path: 'ztna/payroll/allow',
  labels: { id: 'opa-7', version: '1.0.0' },
  bundles: { ztna: { revision: 'r42' } },
  requested_by: '10.0.0.5:51234',
  input: {
    principal: 'alice@acme.example',
    app: 'payroll',
    src_ip: '203.0.113.9',
    attributes: { request: { http: { method: 'GET', headers: { authorization: `Bearer ${JWT}` } } } },
  },
  result: { allow: false, reasons: ['device not compliant'] },
  metrics: { timer_rego_query_eval_ns: 12_500_000, timer_server_handler_ns: 20_000_000 },
};

describe('OPA decision logs', () => {
  it('maps a decision to policy with latency from OPA metrics and the bundle revision as version', () => {
    const e = eventOf(norm(opaDecision));
    expect(e).toMatchObject({
      kind: 'policy',
      source: 'opa',
      decision: 'deny',
      reasons: ['device not compliant'],
      eval_latency_ms: 12.5,
      policy_id: 'ztna/payroll/allow',
      policy_version: 'r42',
      principal_id: 'alice@acme.example',
      emitter_id: 'opa-7',
      enforcement_point: '10.0.0.5:51234',
      time: '2026-11-20T10:00:00.123Z',
    });
    // As Envoy's authorizer, the server's whole answer is the request's wait; elsewhere it is no user's wait on a gateway.
    expect(e.request_latency_ms).toBe(20);
    const direct = { ...opaDecision, input: { principal: 'alice@acme.example', app: 'payroll' } };
    expect(eventOf(norm(direct))).not.toHaveProperty('request_latency_ms');
  });

  it('reads boolean results and evaluation errors', () => {
    expect(eventOf(norm({ ...opaDecision, result: true })).decision).toBe('allow');
    const { result: _r, ...noResult } = opaDecision;
    const failed = eventOf(norm({ ...noResult, error: { code: 'eval_conflict_error', message: 'conflict' } }));
    expect(failed).toMatchObject({ decision: 'error', reasons: ['conflict'] });
  });

  it('never copies the request headers, so an Authorization header cannot leak', () => {
    const out = JSON.stringify(eventOf(norm(opaDecision)));
    expect(out).not.toContain(JWT);
    expect(out).not.toContain('Bearer');
  });
});

describe('Keycloak events', () => {
  const base = { time: 1763632800123, realmId: 'initech', clientId: 'payroll', userId: 'u-1', sessionId: 's-1', ipAddress: '198.51.100.7' };

  it('maps logins and their errors to auth, telling user failures from identity-provider errors', () => {
    expect(eventOf(norm({ ...base, type: 'LOGIN', details: { username: 'bob', auth_method: 'openid-connect' } }))).toMatchObject({
      kind: 'auth',
      outcome: 'success',
      principal_id: 'bob',
      tenant: 'initech',
      app: 'payroll',
      time: '2025-11-20T10:00:00.123Z',
    });
    expect(eventOf(norm({ ...base, type: 'LOGIN_ERROR', error: 'invalid_user_credentials' }))).toMatchObject({
      outcome: 'failure',
      failure_reason: 'invalid_user_credentials',
    });
    expect(eventOf(norm({ ...base, type: 'LOGIN_ERROR', error: 'identity_provider_error' })).outcome).toBe('error');
    expect(eventOf(norm({ ...base, type: 'LOGOUT' })).ocsf_activity_id).toBe(2);
  });

  it('maps token grants to token events by token id', () => {
    expect(eventOf(norm({ ...base, type: 'REFRESH_TOKEN', details: { token_id: 'jti-9', scope: 'openid email' } }))).toMatchObject({
      kind: 'token',
      activity: 'refresh',
      token_id: 'jti-9',
      scopes: ['openid', 'email'],
    });
  });

  it('counts a non-access event as skipped with its type', () => {
    expect(norm({ ...base, type: 'UPDATE_PROFILE' })).toEqual({ status: 'skipped', source: 'keycloak', eventType: 'UPDATE_PROFILE' });
  });
});

describe('Okta System Log', () => {
  const base = {
    uuid: 'b1',
    published: '2026-11-20T10:00:00.000Z',
    actor: { alternateId: 'carol@acme.example', type: 'User' },
    client: { ipAddress: '192.0.2.1' },
  };

  it('maps app.oauth2 token events to token with the token id from the target', () => {
    const e = eventOf(
      norm({
        ...base,
        eventType: 'app.oauth2.as.token.revoke',
        outcome: { result: 'SUCCESS' },
        target: [{ type: 'access_token', id: 'AT.xyz' }],
      }),
    );
    expect(e).toMatchObject({ kind: 'token', activity: 'revoke', token_id: 'AT.xyz', token_type: 'access_token' });
  });

  it('maps failed MFA to a failed auth with mfa set, and skips events that are not about access', () => {
    expect(
      eventOf(
        norm({ ...base, eventType: 'user.authentication.auth_via_mfa', outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' } }),
      ),
    ).toMatchObject({
      outcome: 'failure',
      mfa: true,
      failure_reason: 'INVALID_CREDENTIALS',
    });
    expect(norm({ ...base, eventType: 'group.user_membership.add', outcome: { result: 'SUCCESS' } })).toEqual({
      status: 'skipped',
      source: 'okta',
      eventType: 'group.user_membership.add',
    });
  });
});

describe('Entra sign-ins', () => {
  it('reads the Graph API shape and treats service-side error codes as errors', () => {
    const e = eventOf(
      norm({
        id: 'g1',
        createdDateTime: '2026-11-20T10:00:00Z',
        userPrincipalName: 'dan@globex.example',
        status: { errorCode: 90033 },
        ipAddress: '2001:db8::1',
      }),
    );
    expect(e).toMatchObject({ kind: 'auth', outcome: 'error', principal_id: 'dan@globex.example', src_ip: '2001:db8::1' });
  });
});

describe('native wire format', () => {
  const token = {
    kind: 'token',
    time: '2026-11-20T10:00:00.000Z',
    emitter_id: 'tok-1',
    emitter_seq: 7,
    activity: 'use',
    token: JWT,
    principal_id: 'erin',
  };

  it('replaces a raw token by its keyed HMAC and derives the event id from the emitter sequence', () => {
    const e = eventOf(norm(token));
    expect(e.token_id).toBe(tokenFingerprint(Buffer.from(HMAC_KEY), JWT));
    expect(JSON.stringify(e)).not.toContain(JWT);
    expect(e.event_id).toBe(eventOf(norm({ ...token, principal_id: 'changed' })).event_id);
    expect(e).toMatchObject({
      tenant: 'default',
      source: 'native',
      observed_time: '2026-11-23T12:00:00.000Z',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 4,
    });
  });

  it('fingerprints the same token the same way under one key, differently under another', () => {
    const a = eventOf(norm(token)).token_id;
    const b = eventOf(norm({ ...token, emitter_seq: 8 })).token_id;
    const c = eventOf(norm(token, { hmacKey: Buffer.from('another-key-another-key-another-key') })).token_id;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('scrubs secrets from free-text fields and drops fields the schema does not know', () => {
    const e = eventOf(
      norm({
        kind: 'auth',
        time: '2026-11-20T10:00:00.000Z',
        emitter_id: 'idp-1',
        outcome: 'failure',
        failure_reason: `bad login password=hunter2 with Authorization: Bearer ${JWT}`,
        user_agent: `curl/8 ${JWT}`,
        password: 'hunter2',
        client_secret: 's3cr3t-value',
      }),
    );
    const out = JSON.stringify(e);
    for (const secret of ['hunter2', JWT, 's3cr3t-value']) expect(out).not.toContain(secret);
    expect(e.failure_reason).toContain('[redacted]');
    expect(e).not.toHaveProperty('password');
  });
});

describe('rejects', () => {
  it('rejects what is not JSON, not an object, not UTF-8, too large or of no known shape, with the reason', () => {
    expect(reasonOf(normalizeRecord('{"kind":', normalizeOptions()))).toMatch(/^not JSON/);
    expect(reasonOf(normalizeRecord('[1,2]', normalizeOptions()))).toMatch(/one JSON object per record, got an array/);
    expect(reasonOf(normalizeRecord(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), normalizeOptions()))).toBe('record is not valid UTF-8');
    expect(reasonOf(normalizeRecord('{"a":"' + 'x'.repeat(300) + '"}', normalizeOptions({ maxBytes: 256 })))).toMatch(
      /over the 256-byte limit/,
    );
    expect(reasonOf(norm({ hello: 'world' }))).toMatch(/unrecognized event shape/);
  });

  it('names the failing fields when the schema refuses an event', () => {
    const reason = reasonOf(norm({ kind: 'policy', time: 'yesterday', emitter_id: 'pep-1', decision: 'maybe' }));
    expect(reason).toMatch(/^native: /);
    expect(reason).toMatch(/time: /);
    expect(reason).toMatch(/decision: /);
  });

  it('rejects a source that was asked for but does not match', () => {
    expect(reasonOf(normalizeRecord(JSON.stringify(opaDecision), normalizeOptions({ source: 'okta' })))).toBe('not a okta event');
  });

  it('rejects times the store cannot hold', () => {
    expect(reasonOf(norm({ kind: 'auth', time: '2150-01-01T00:00:00.000Z', emitter_id: 'x', outcome: 'success' }))).toMatch(
      /between 1970 and 2099/,
    );
  });
});

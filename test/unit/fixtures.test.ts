// The project's own vendor records (test/fixtures/sources/<source>.ndjson), written from each
// vendor's documented format with fictional values: every mapping of every source, field by
// field. They need nothing outside the project, so this runs in every clone.
import { describe, expect, it } from 'vitest';
import { normalizeRecord, tokenFingerprint, type NormalizeOptions } from '../../src/events/index.js';
import { FIXTURE_SOURCES, fixtureLines, HMAC_KEY, normalizeOptions, type FixtureSource } from '../support/helpers.js';

const outcomesOf = (source: FixtureSource, overrides: Partial<NormalizeOptions> = {}) =>
  fixtureLines(source).map((line) => normalizeRecord(line, normalizeOptions(overrides)));

/** A source's normalized events, in file order. */
const eventsOf = (source: FixtureSource, overrides: Partial<NormalizeOptions> = {}) =>
  outcomesOf(source, overrides).flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

/** The fixture record of a source whose line contains `marker`, parsed. */
const recordOf = (source: FixtureSource, marker: string) => JSON.parse(fixtureLines(source).find((line) => line.includes(marker))!);

// Records per file, and the vendor event types that are not access events (skipped, never rejected).
const EXPECTED: Record<FixtureSource, { records: number; skipped: string[] }> = {
  okta: { records: 8, skipped: ['user.account.lock'] },
  entra: { records: 7, skipped: [] },
  opa: { records: 5, skipped: [] },
  keycloak: { records: 10, skipped: ['UPDATE_PASSWORD', 'ADMIN_EVENT'] },
  native: { records: 4, skipped: [] },
};

describe.each(FIXTURE_SOURCES)('%s fixture', (source) => {
  it('is detected as its own source and normalizes with no reject; only non-access events are skipped', () => {
    const outcomes = outcomesOf(source);
    expect(outcomes).toHaveLength(EXPECTED[source].records);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual(
      EXPECTED[source].skipped.map((eventType) => ({ status: 'skipped', source, eventType })),
    );
    const events = eventsOf(source);
    expect(events).toHaveLength(EXPECTED[source].records - EXPECTED[source].skipped.length);
    expect(events.filter((e) => e.source !== source)).toEqual([]);
  });

  it('gives every record its own event id, the same whenever it is normalized', () => {
    const ids = eventsOf(source).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventsOf(source, { observedTime: '2030-01-01T00:00:00.000Z' }).map((e) => e.event_id)).toEqual(ids);
  });
});

describe('Okta System Log', () => {
  const [policy, login, mfa, sso, grant, revoke, logout] = eventsOf('okta');
  const session = {
    session_id: '102Qm7Zr9TfXaBcD3eFgHiJkL',
    principal_id: 'alice.nguyen@example.com',
    principal_type: 'user',
    src_ip: '203.0.113.24',
  };

  it('maps a session start to auth (Logon) with who, from where, on which device, in which session', () => {
    expect(login).toMatchObject({
      kind: 'auth',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      time: '2026-11-20T08:15:02.311Z',
      tenant: 'default',
      emitter_id: 'okta',
      outcome: 'success',
      auth_method: 'password',
      idp: 'okta',
      ...session,
      correlation_id: 'fixture-req-0001',
      device_id: '9c2f1e0b7a6d5c4b3a29180716f5e4d3',
      geo_country: 'United States',
      asn: 64500,
      user_agent: expect.stringContaining('Version/17.6 Safari/605.1.15'),
    });
    expect(login).not.toHaveProperty('failure_reason');
  });

  it('maps a failed MFA challenge to a failed auth with MFA and the reason', () => {
    expect(mfa).toMatchObject({
      kind: 'auth',
      ocsf_activity_id: 1,
      outcome: 'failure',
      mfa: true,
      auth_method: 'otp',
      failure_reason: 'INVALID_CREDENTIALS',
      ...session,
    });
  });

  it('takes the app from the AppInstance target of a single sign-on', () => {
    expect(sso).toMatchObject({ kind: 'auth', outcome: 'success', app: 'Payroll', ...session });
  });

  it('maps a session end to auth (Logoff)', () => {
    expect(logout).toMatchObject({
      kind: 'auth',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 2,
      outcome: 'success',
      time: '2026-11-20T09:02:10.640Z',
      ...session,
    });
  });

  it('maps a sign-on policy evaluation to policy with the policy, rule and reason', () => {
    expect(policy).toMatchObject({
      kind: 'policy',
      ocsf_class_uid: 3003,
      ocsf_activity_id: 99,
      decision: 'allow',
      policy_id: '00p2b4d6f8h0j2l4n6p8',
      rule: 'Password on managed devices',
      action: 'sign_on',
      reasons: ['Sign-on policy evaluation resulted in ALLOW'],
      enforcement_point: 'okta',
      ...session,
    });
  });

  it('maps OAuth 2.0 token grants and revocations to token events of a service client', () => {
    const token = {
      kind: 'token',
      ocsf_class_uid: 3002,
      token_id: 'AT.fixture-q0tB3vYk8Lm2Np4',
      token_type: 'access_token',
      client_id: '0oa6k8m0o2q4s6u8w0y2',
      principal_id: '0oa6k8m0o2q4s6u8w0y2',
      principal_type: 'service',
      src_ip: '198.51.100.40',
    };
    expect(grant).toMatchObject({
      ...token,
      activity: 'issue',
      ocsf_activity_id: 3,
      audience: 'api://reports',
      scopes: ['reports.read', 'reports.export'],
    });
    expect(revoke).toMatchObject({ ...token, activity: 'revoke', ocsf_activity_id: 99, scopes: [] });
  });
});

describe('Microsoft Entra sign-in logs', () => {
  const [interactive, badPassword, outage, servicePrincipal, graph] = eventsOf('entra');
  const tenant = '7d1f3c5a-2b4e-4f6a-8c9d-0e1f2a3b4c5d';

  it('maps a successful MFA sign-in (Azure Monitor record) to auth, the offset time in UTC', () => {
    expect(interactive).toMatchObject({
      kind: 'auth',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      // createdDateTime 2026-11-20T09:20:31.4471234+01:00
      time: '2026-11-20T08:20:31.447Z',
      tenant,
      emitter_id: 'entra:SignInLogs',
      outcome: 'success',
      principal_id: 'carol.diaz@example.com',
      principal_type: 'user',
      session_id: 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d',
      correlation_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      device_id: '3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
      src_ip: '198.51.100.23',
      geo_country: 'DE',
      asn: 64510,
      app: 'Payroll Portal',
      auth_method: 'Password',
      mfa: true,
      idp: 'entra',
      latency_ms: 187,
    });
    expect(interactive).not.toHaveProperty('failure_reason');
  });

  it("maps a user's error code to failure with the code and reason, and an empty device id to none", () => {
    expect(badPassword).toMatchObject({
      outcome: 'failure',
      failure_reason: '50126: Error validating credentials due to invalid username or password.',
      principal_id: 'dave.okafor@example.com',
      src_ip: '203.0.113.88',
    });
    expect(badPassword).not.toHaveProperty('device_id');
  });

  it("maps Entra's own service error code to error (the access system failed, not the user)", () => {
    expect(outage).toMatchObject({
      outcome: 'error',
      failure_reason: expect.stringMatching(/^50000: /),
      emitter_id: 'entra:NonInteractiveUserSignInLogs',
      principal_id: 'erin.park@example.com',
    });
  });

  it('maps a service principal sign-in to a service principal', () => {
    expect(servicePrincipal).toMatchObject({
      outcome: 'success',
      principal_id: 'telemetry-export',
      principal_type: 'service',
      emitter_id: 'entra:ServicePrincipalSignInLogs',
      app: 'Payroll API',
      src_ip: '192.0.2.55',
    });
  });

  it("reads the Graph API's signIn resource too, with the default tenant when it names none", () => {
    expect(graph).toMatchObject({
      time: '2026-11-20T08:27:13.000Z',
      tenant: 'default',
      emitter_id: 'entra:SignInLogs',
      outcome: 'success',
      principal_id: 'frank.mills@example.com',
      src_ip: '2001:db8:85a3::8a2e:370:7334',
      geo_country: 'AU',
      app: 'Expenses',
      user_agent: 'Mobile Safari 18.1',
    });
  });
});

describe('OPA decision logs', () => {
  const [envoy, denied, denySet, allowed, failed] = eventsOf('opa');

  it("maps an Envoy authorization to policy: latency from OPA's metrics, the bundle revision as version", () => {
    expect(envoy).toMatchObject({
      kind: 'policy',
      ocsf_class_uid: 3003,
      ocsf_activity_id: 99,
      time: '2026-11-20T08:16:45.512Z',
      emitter_id: 'opa-envoy-payroll-1',
      decision: 'allow',
      reasons: [],
      policy_id: 'envoy/authz/allow',
      policy_version: '2026-11-19.3',
      eval_latency_ms: 1.843211,
      src_ip: '203.0.113.24',
      app: 'payroll.example.com',
      action: 'GET /api/payslips/2026-10',
      correlation_id: '12086237118591766712',
      enforcement_point: '192.0.2.10:48122',
    });
  });

  it("never copies the request's Authorization header", () => {
    const authorization: string = recordOf('opa', '"envoy/authz/allow"').input.attributes.request.http.headers.authorization;
    const credential = authorization.split(' ')[1]!;
    expect(credential.length).toBeGreaterThan(8);
    expect(JSON.stringify(envoy)).not.toContain(credential);
  });

  it('maps a denial with its reasons, principal, session, device and rule', () => {
    expect(denied).toMatchObject({
      decision: 'deny',
      reasons: ['device not compliant: disk encryption off', 'network outside the corporate ranges'],
      eval_latency_ms: 142.5,
      tenant: 'example',
      principal_id: 'dave.okafor@example.com',
      principal_type: 'user',
      session_id: 'sess-fixture-dave-0001',
      device_id: 'dev-fixture-do-laptop',
      src_ip: '198.51.100.87',
      app: 'payroll',
      action: 'read',
      rule: 'managed-device-required',
      policy_id: 'ztna/access/decision',
      policy_version: 'rev-7f3a9c1',
    });
  });

  it('reads a deny set (its messages are the reasons) and a boolean result', () => {
    expect(denySet).toMatchObject({
      decision: 'deny',
      reasons: ['admin-console requires phishing-resistant MFA'],
      principal_id: 'erin.park@example.com',
      app: 'admin-console',
      action: 'POST',
      eval_latency_ms: 0.61,
    });
    expect(allowed).toMatchObject({
      decision: 'allow',
      reasons: [],
      principal_id: 'reporting-batch',
      principal_type: 'service',
      app: 'reports',
      action: 'export',
    });
  });

  it("maps an evaluation error to error with OPA's message, latency from the handler timer", () => {
    expect(failed).toMatchObject({
      decision: 'error',
      reasons: ['complete rules must not produce multiple outputs'],
      eval_latency_ms: 3.1,
      principal_id: 'grace.lee@example.com',
    });
  });
});

describe('Keycloak events', () => {
  const [login, codeToToken, badPassword, brokerError, clientLogin, refresh, logout] = eventsOf('keycloak');
  const frank = {
    tenant: 'example',
    emitter_id: 'keycloak:example',
    app: 'payroll-web',
    session_id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    principal_type: 'user',
  };

  it('maps LOGIN to auth with the realm as tenant and the client as app', () => {
    expect(login).toMatchObject({
      kind: 'auth',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      time: '2026-11-20T08:30:12.345Z',
      outcome: 'success',
      principal_id: 'frank.mills',
      src_ip: '203.0.113.61',
      auth_method: 'openid-connect',
      idp: 'keycloak',
      ...frank,
    });
  });

  it("maps LOGIN_ERROR to failure for the user's error and to error for the brokered identity provider's", () => {
    expect(badPassword).toMatchObject({
      kind: 'auth',
      outcome: 'failure',
      failure_reason: 'invalid_user_credentials',
      principal_id: 'grace.lee',
      src_ip: '198.51.100.140',
    });
    expect(badPassword).not.toHaveProperty('session_id');
    expect(brokerError).toMatchObject({ kind: 'auth', outcome: 'error', failure_reason: 'identity_provider_error', idp: 'partner-saml' });
  });

  it('maps CODE_TO_TOKEN and REFRESH_TOKEN to token issue and refresh, with the access token id and scopes', () => {
    const token = {
      kind: 'token',
      ocsf_class_uid: 3002,
      token_type: 'access_token',
      client_id: 'payroll-web',
      scopes: ['openid', 'profile', 'email'],
      src_ip: '192.0.2.30',
      ...frank,
    };
    expect(codeToToken).toMatchObject({
      ...token,
      activity: 'issue',
      ocsf_activity_id: 3,
      token_id: '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7',
    });
    expect(refresh).toMatchObject({ ...token, activity: 'refresh', ocsf_activity_id: 5, token_id: '5a6b7c8d-9e0f-4a1b-8c2d-e3f4a5b6c7d8' });
  });

  it('maps CLIENT_LOGIN to the service account and LOGOUT to auth (Logoff)', () => {
    expect(clientLogin).toMatchObject({
      kind: 'auth',
      outcome: 'success',
      principal_id: 'service-account-reporting-batch',
      principal_type: 'service',
      app: 'reporting-batch',
    });
    expect(logout).toMatchObject({ kind: 'auth', ocsf_activity_id: 2, outcome: 'success', ...frank });
  });
});

describe('native events', () => {
  const [auth, policy, token, posture] = eventsOf('native');
  const heidi = { tenant: 'example', principal_id: 'heidi.brown@example.com', device_id: 'dev-fixture-hb-mbp' };
  const gateway = {
    ...heidi,
    emitter_id: 'gw-edge-1',
    session_id: 'sess-fixture-heidi-0001',
    principal_type: 'user',
    src_ip: '2001:db8:10::24',
    app: 'wiki',
  };

  it('keeps auth and policy fields as sent and adds the OCSF ids', () => {
    expect(auth).toMatchObject({
      kind: 'auth',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      ...gateway,
      emitter_seq: 101,
      outcome: 'success',
      auth_method: 'webauthn',
      mfa: true,
      latency_ms: 84,
      asn: 64511,
    });
    expect(policy).toMatchObject({
      kind: 'policy',
      ocsf_class_uid: 3003,
      ocsf_activity_id: 99,
      ...gateway,
      emitter_seq: 102,
      decision: 'deny',
      policy_id: 'ztna/wiki',
      policy_version: 'v12',
      rule: 'require-managed-device',
      reasons: ['device posture stale'],
      eval_latency_ms: 3.2,
    });
  });

  it('replaces a raw token with its HMAC and keeps nothing of the token itself', () => {
    const raw: string = recordOf('native', '"kind":"token"').token;
    expect(raw.length).toBeGreaterThan(8);
    expect(token).toMatchObject({
      kind: 'token',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 4,
      activity: 'use',
      ...gateway,
      token_id: tokenFingerprint(Buffer.from(HMAC_KEY), raw),
    });
    expect(token).toMatchObject({ token_id: expect.stringMatching(/^hmac:[0-9a-f]{40}$/) });
    expect(token).not.toHaveProperty('token');
    expect(JSON.stringify(token)).not.toContain(raw);
  });

  it('maps posture reports to the Device Config State class', () => {
    expect(posture).toMatchObject({
      kind: 'posture',
      ocsf_class_uid: 5002,
      ocsf_activity_id: 2,
      ...heidi,
      compliant: false,
      checks: [
        { name: 'disk_encryption', passed: true },
        { name: 'os_patch_level', passed: false },
        { name: 'edr_running', passed: true },
      ],
      agent_version: '4.2.1',
      posture_score: 62,
    });
  });
});

// Teleport audit events: the project's fixtures (one record per mapping) and the real audit events
// in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));
const skipsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'skipped' ? [o.eventType] : []));

describe('Teleport fixture', () => {
  const outcomes = normalizeAll(fixtureLines('teleport'));
  const [login, samlFailure, sshFailure, session, dbDenied, kubeDenied, requestDenied, cert, privilegeToken] = eventsIn(outcomes);
  const cluster = { emitter_id: 'teleport:teleport.example.com', source: 'teleport' };

  it('normalizes every record with no reject; a session end and a new access request are skipped by type', () => {
    expect(outcomes).toHaveLength(11);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(skipsIn(outcomes)).toEqual(['session.end', 'access_request.create']);
  });

  it("gives every event its own id from Teleport's uid, the same whenever it is normalized", () => {
    const ids = eventsIn(outcomes).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(9);
    expect(eventsIn(normalizeAll(fixtureLines('teleport'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });

  it('maps a local login with a second factor to auth, the remote address without its port', () => {
    expect(login).toMatchObject({
      ...cluster,
      kind: 'auth',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      time: '2026-11-20T08:10:00.120Z',
      principal_id: 'alice',
      principal_type: 'user',
      src_ip: '203.0.113.24',
      outcome: 'success',
      auth_method: 'local',
      mfa: true,
      idp: 'teleport',
    });
  });

  it("maps a failed SSO login to a failure with Teleport's error, named by the IdP's email when there is no user", () => {
    expect(samlFailure).toMatchObject({
      kind: 'auth',
      outcome: 'failure',
      principal_id: 'bob.martin@example.com',
      src_ip: '2001:db8::42',
      auth_method: 'saml',
      idp: 'saml',
      failure_reason: 'SAML response did not contain a valid assertion',
    });
    expect(sshFailure).toMatchObject({ kind: 'auth', outcome: 'failure', auth_method: 'ssh', failure_reason: 'ssh: cert has expired' });
  });

  it("maps a session start to Teleport's allow on that node, in that session", () => {
    expect(session).toMatchObject({
      ...cluster,
      kind: 'policy',
      ocsf_class_uid: 3003,
      decision: 'allow',
      session_id: 'a1b2c3d4-fixture-sess-0001',
      app: 'build-01',
      action: 'session.start',
      principal_id: 'alice',
      src_ip: '203.0.113.24',
      enforcement_point: 'teleport.example.com',
      reasons: [],
    });
  });

  it('maps a refused database session and a Kubernetes request answered 403 to denies with their reasons', () => {
    expect(dbDenied).toMatchObject({
      kind: 'policy',
      decision: 'deny',
      app: 'payroll-postgres',
      principal_id: 'dave',
      reasons: ['access to db denied. User does not have permissions. Confirm database user and name.'],
    });
    expect(kubeDenied).toMatchObject({ kind: 'policy', decision: 'deny', app: 'prod-eu', action: 'DELETE', reasons: ['response 403'] });
  });

  it("maps an access request's resolution to a decision on the roles asked for, joined to the request by its id", () => {
    expect(requestDenied).toMatchObject({
      kind: 'policy',
      decision: 'deny',
      principal_id: 'erin',
      correlation_id: '3f1d2c4b-fixture-req-0001',
      rule: 'prod-admin',
      action: 'access_request',
      reasons: ['denied by frank'],
    });
  });

  it('maps a certificate and a privilege token issued to token issues with their expiry, never a token value', () => {
    expect(cert).toMatchObject({
      kind: 'token',
      activity: 'issue',
      token_id: 'tp-fixture-0010',
      token_type: 'certificate',
      principal_id: 'alice',
      issued_at: '2026-11-20T08:10:00.500Z',
      expires_at: '2026-11-20T20:10:00.000Z',
      scopes: ['dev'],
      // The certificate is a credential of its own, named by its issue event's id (M7).
      credential_id: 'tp-fixture-0010',
      principal_type: 'user',
    });
    expect(privilegeToken).toMatchObject({ kind: 'token', token_type: 'privilege_token', expires_at: '2026-11-20T08:23:00.000Z' });
    expect(privilegeToken).not.toHaveProperty('credential_id');
  });

  it("names a Machine ID bot's certificate a service's credential (M7)", () => {
    const bot = {
      code: 'TC000I',
      event: 'cert.create',
      cert_type: 'user',
      identity: { user: 'bot-deployer', bot_name: 'deployer', roles: ['bot-deployer'], expires: '2026-11-20T09:10:00Z' },
      time: '2026-11-20T08:10:00.000Z',
      uid: 'tp-bot-cert-1',
      cluster_name: 'teleport.example.com',
    };
    const [event] = eventsIn(normalizeAll([JSON.stringify(bot)]));
    expect(event).toMatchObject({ principal_id: 'bot-deployer', principal_type: 'service', credential_id: 'tp-bot-cert-1' });
    // Its sessions are the bot's too: a bot user's login names a service.
    const login = {
      code: 'T1000I',
      event: 'user.login',
      user: 'bot-deployer',
      success: true,
      method: 'local',
      uid: 'tp-bot-login',
      time: '2026-11-20T08:10:00.000Z',
    };
    expect(eventsIn(normalizeAll([JSON.stringify(login)]))[0]).toMatchObject({ principal_type: 'service' });
    expect(eventsIn(normalizeAll([JSON.stringify(login)]))[0]).not.toHaveProperty('credential_id');
  });
});

describe('Teleport audit samples', () => {
  beforeEach(skipWithoutSamples);

  it('normalizes every event with no reject: logins, sessions, access requests, database, Kubernetes, desktop, tokens', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['teleport-audit.ndjson']!);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(skipsIn(outcomes)).toEqual(['user.login (headless login requested)', 'session.end', 'access_request.create', 'device.enroll']);
    const events = eventsIn(outcomes);
    expect(events.map((e) => e.kind)).toEqual([
      ...['auth', 'auth', 'auth', 'auth', 'auth'],
      ...['policy', 'policy', 'policy', 'policy'],
      ...['token', 'auth', 'policy', 'policy', 'policy', 'policy', 'token'],
    ]);
    const [login, , , oidc, oidcFailed, sshSession, , , approved, privilegeToken, , , spanner, , , webToken] = events;
    expect(login).toMatchObject({
      time: '2019-04-22T00:49:03.000Z',
      principal_id: 'admin@example.com',
      outcome: 'success',
      auth_method: 'local',
    });
    expect(oidc).toMatchObject({
      emitter_id: 'teleport:boson.tener.io',
      principal_id: 'ops@gravitational.io',
      idp: 'oidc',
      time: '2022-05-23T08:28:37.067Z',
    });
    expect(oidcFailed).toMatchObject({
      outcome: 'failure',
      principal_id: 'ops@gravitational.io',
      failure_reason: 'No roles mapped from claims. The mappings may contain typos.',
    });
    expect(sshSession).toMatchObject({
      decision: 'allow',
      session_id: '56408539-6536-11e9-80a1-427cfde50f5a',
      src_ip: '67.43.156.11',
      app: 'de3800ea-69d9-4d72-a108-97e57f8eb393',
      principal_id: 'admin@example.com',
    });
    expect(approved).toMatchObject({
      decision: 'allow',
      correlation_id: '66b827b2-1b0b-512b-965d-6c789388d3c9',
      reasons: ['approved by Sam_Waters'],
    });
    expect(privilegeToken).toMatchObject({ token_id: '6a9d5ac1-08c5-5c1e-9ebd-086d34155b08', expires_at: '2021-11-01T22:29:47.989Z' });
    expect(spanner).toMatchObject({
      decision: 'deny',
      app: 'teleport-spanner',
      action: 'BatchCreateSessions',
      session_id: '04364984-a6d0-4e2c-93c7-5c44e2359502',
    });
    expect(webToken).toMatchObject({
      token_type: 'device_web_token',
      device_id: 'f84f6b35-6226-4e73-8205-3bcbd7d12970',
      principal_id: 'llama',
    });
  });
});

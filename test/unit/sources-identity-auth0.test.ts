// Auth0 tenant logs, as log streams and the Management API deliver them: the project's fixtures
// (one record per mapping) and the real logs in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('Auth0 fixture', () => {
  const outcomes = normalizeAll(fixtureLines('auth0'));
  const [login, badPassword, rejectedPush, logout, codeExchange, clientCredentials, failedRefresh] = eventsIn(outcomes);

  it('normalizes every log with no reject; a code that is no access event is skipped by its code', () => {
    expect(outcomes).toHaveLength(8);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([{ status: 'skipped', source: 'auth0', eventType: 'gd_send_pn' }]);
  });

  it('gives every log its own event id from its log id, the same whenever it is normalized', () => {
    const ids = eventsIn(outcomes).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventsIn(normalizeAll(fixtureLines('auth0'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });

  it('maps a successful login (s) to auth: a database connection is a password, the MFA prompt makes it MFA, the email lower-cased', () => {
    expect(login).toMatchObject({
      kind: 'auth',
      source: 'auth0',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      time: '2026-11-20T08:15:00.120Z',
      tenant: 'default',
      emitter_id: 'auth0:example.eu.auth0.com',
      session_id: 'fixtureSession-alice-0001',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      src_ip: '203.0.113.24',
      user_agent: expect.stringContaining('Version/17.6 Safari'),
      app: 'Payroll',
      outcome: 'success',
      auth_method: 'password',
      mfa: true,
      idp: 'auth0',
    });
    expect(login).not.toHaveProperty('failure_reason');
  });

  it('maps a wrong password (fp) to a failure with its description, the port stripped from the address', () => {
    expect(badPassword).toMatchObject({
      kind: 'auth',
      outcome: 'failure',
      failure_reason: 'Wrong email or password.',
      principal_id: 'bob@example.com',
      src_ip: '198.51.100.7',
      auth_method: 'password',
    });
    expect(badPassword).not.toHaveProperty('mfa');
  });

  it('maps a rejected Guardian push (gd_auth_rejected) to a failed MFA push', () => {
    expect(rejectedPush).toMatchObject({
      kind: 'auth',
      outcome: 'failure',
      auth_method: 'push',
      mfa: true,
      principal_id: 'bob@example.com',
    });
  });

  it('maps a logout (slo) from the Management API shape to auth (Logoff)', () => {
    expect(logout).toMatchObject({
      kind: 'auth',
      ocsf_activity_id: 2,
      outcome: 'success',
      time: '2026-11-20T08:20:00.000Z',
      src_ip: '2001:db8::24',
      principal_id: 'alice.nguyen@example.com',
    });
  });

  it('maps token exchanges to token issue: the log id stands for the token, scopes from text or a list', () => {
    expect(codeExchange).toMatchObject({
      kind: 'token',
      ocsf_activity_id: 3,
      activity: 'issue',
      token_id: 'auth0-log:90020261120081510000000000000000000000000000000000000005',
      token_type: 'access_token',
      client_id: 'FixtureClientPayroll0000000000001',
      audience: 'https://payroll.example.com/api',
      scopes: ['openid', 'profile', 'read:payslips'],
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
    });
    expect(clientCredentials).toMatchObject({
      kind: 'token',
      activity: 'issue',
      principal_id: 'FixtureClientReporting00000000002',
      principal_type: 'service',
      client_id: 'FixtureClientReporting00000000002',
      app: 'Reporting batch',
      scopes: ['read:reports'],
    });
  });

  it('maps a failed refresh token exchange (fertft) to a failed auth by that grant', () => {
    expect(failedRefresh).toMatchObject({
      kind: 'auth',
      outcome: 'failure',
      auth_method: 'refresh_token',
      failure_reason: 'Unknown or invalid refresh token.',
      principal_id: 'alice.nguyen@example.com',
    });
  });
});

describe('Auth0 samples', () => {
  beforeEach(skipWithoutSamples);

  it('logins, failed logins and code exchanges normalize with no reject, field by field', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['auth0-logs.ndjson']!);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
    const events = eventsIn(outcomes);
    expect(events.map((e) => e.kind)).toEqual(['auth', 'auth', 'token', 'token', 'auth', 'auth']);
    expect(events[0]).toMatchObject({
      kind: 'auth',
      time: '2021-11-04T00:15:10.706Z',
      emitter_id: 'auth0:dev-yoj8axza.au.auth0.com',
      session_id: 'm5SgtzMKxmeNBxj_kCfUUJhzrSdfvLFu',
      principal_id: 'dev@test.com',
      principal_type: 'user',
      src_ip: '114.76.60.57',
      app: 'Default App',
      outcome: 'success',
      auth_method: 'password',
      idp: 'auth0',
    });
    expect(events[2]).toMatchObject({
      kind: 'token',
      activity: 'issue',
      time: '2021-11-04T00:15:10.907Z',
      token_id: 'auth0-log:90020211104001514276223441402873466602396154780480176194',
      client_id: 'aI61p8I8aFjmYRliLWgvM9ev97kCCNDB',
      user_agent: 'Go-http-client/2.0',
    });
    expect(events[4]).toMatchObject({
      kind: 'auth',
      outcome: 'failure',
      time: '2021-11-03T03:06:05.696Z',
      src_ip: '81.2.69.143',
      failure_reason: 'Callback URL mismatch. http://localhost:3000/callback is not in the list of allowed callback URLs',
    });
    expect(events[4]).not.toHaveProperty('principal_id');
  });
});

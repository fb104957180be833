// Google Workspace login activities, as the Admin SDK Reports API returns them: the project's
// fixtures (one record per mapping) and the real activities in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('Google Workspace login fixture', () => {
  const outcomes = normalizeAll(fixtureLines('google_workspace_login'));
  const [success, failure, challenge, verification, logout] = eventsIn(outcomes);

  it('normalizes every login activity with no reject; a warning is skipped by its type and name', () => {
    expect(outcomes).toHaveLength(6);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'google_workspace_login', eventType: 'account_warning:suspicious_login' },
    ]);
  });

  it('gives every activity its own event id, the same whenever it is normalized', () => {
    const ids = eventsIn(outcomes).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventsIn(normalizeAll(fixtureLines('google_workspace_login'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });

  it('maps login_success to auth: the email lower-cased, the first challenge method as the method and a second one as MFA', () => {
    expect(success).toMatchObject({
      kind: 'auth',
      source: 'google_workspace_login',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      time: '2026-11-20T08:15:00.000Z',
      tenant: 'default',
      emitter_id: 'google_workspace:example.com',
      principal_id: 'carol.diaz@example.com',
      principal_type: 'user',
      src_ip: '203.0.113.31',
      outcome: 'success',
      auth_method: 'password',
      mfa: true,
      idp: 'google',
    });
    expect(success).not.toHaveProperty('failure_reason');
  });

  it('maps login_failure to a failure with its failure type', () => {
    expect(failure).toMatchObject({
      outcome: 'failure',
      failure_reason: 'login_failure_invalid_password',
      principal_id: 'dave.okafor@example.com',
    });
  });

  it('maps a failed security-key challenge to a failed second factor, its offset time in UTC', () => {
    expect(challenge).toMatchObject({
      outcome: 'failure',
      auth_method: 'security_key',
      mfa: true,
      failure_reason: 'Challenge Failed.',
      time: '2026-11-20T07:17:00.000Z',
      src_ip: '2001:db8::88',
    });
  });

  it('maps a passed 2-step verification to a success with MFA, and a logout to auth (Logoff)', () => {
    expect(verification).toMatchObject({ outcome: 'success', auth_method: 'google_authenticator', mfa: true });
    expect(logout).toMatchObject({ kind: 'auth', ocsf_activity_id: 2, outcome: 'success', auth_method: 'saml' });
  });
});

describe('Google Workspace login samples', () => {
  beforeEach(skipWithoutSamples);

  it('failure, challenge, verification, logout and success normalize; the suspicious-login warning is skipped by type', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['google_workspace-login.ndjson']!);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'google_workspace_login', eventType: 'account_warning:suspicious_login' },
    ]);
    const events = eventsIn(outcomes);
    expect(events.map((e) => [e.kind, e.kind === 'auth' && e.outcome])).toEqual([
      ['auth', 'failure'],
      ['auth', 'success'],
      ['auth', 'success'],
      ['auth', 'success'],
      ['auth', 'success'],
    ]);
    // One activity id with several events: each event is its own.
    expect(new Set(events.map((e) => e.event_id)).size).toBe(5);
    expect(events[0]).toMatchObject({
      kind: 'auth',
      source: 'google_workspace_login',
      time: '2020-10-02T15:00:00.000Z',
      emitter_id: 'google_workspace:elastic.com',
      principal_id: 'foo@bar.com',
      principal_type: 'user',
      src_ip: '67.43.156.13',
      outcome: 'failure',
      auth_method: 'backup_code',
      mfa: true,
      failure_reason: 'login_failure_access_code_disallowed',
    });
    expect(events[2]).toMatchObject({ outcome: 'success', mfa: false, auth_method: 'backup_code' });
    expect(events[3]).toMatchObject({ ocsf_activity_id: 2, auth_method: 'exchange' });
  });
});

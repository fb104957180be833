// Keycloak's events as a JSON event-log listener writes them: the details beside the other fields,
// no id and no time. The project's fixtures and the real log lines in ../shared/samples/sources.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));
const observedTime = '2026-12-03T10:00:00.000Z';

describe('Keycloak JSON event-log fixture', () => {
  const lines = fixtureLines('keycloak').slice(-2);

  it('maps a LOGIN with its details beside the fields to auth, timed when observed, its id from what it says', () => {
    const [login] = eventsIn(normalizeAll(lines, observedTime));
    expect(login).toMatchObject({
      kind: 'auth',
      source: 'keycloak',
      time: observedTime,
      tenant: 'example',
      emitter_id: 'keycloak:example',
      principal_id: 'heidi.novak',
      principal_type: 'user',
      src_ip: '198.51.100.77',
      app: 'payroll-web',
      outcome: 'success',
      auth_method: 'openid-connect',
      idp: 'keycloak',
    });
    expect(eventsIn(normalizeAll(lines, '2030-01-01T00:00:00.000Z'))[0]!.event_id).toBe(login!.event_id);
  });

  it('skips an admin event by its type', () => {
    expect(normalizeAll(lines)[1]).toEqual({ status: 'skipped', source: 'keycloak', eventType: 'ADMIN_EVENT' });
  });
});

describe('Keycloak JSON event-log samples', () => {
  beforeEach(skipWithoutSamples);

  it('logins, a code-to-token exchange and a logout normalize; admin events are skipped by type; none rejected', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['keycloak-jsonlog_events.ndjson']!, observedTime);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped').map((o) => o.status === 'skipped' && o.eventType)).toEqual([
      'AdminEvent',
      'ADMIN_EVENT',
      'ADMIN_EVENT',
    ]);
    const [login, adminLogin, token, logout] = eventsIn(outcomes);
    expect(login).toMatchObject({
      kind: 'auth',
      time: observedTime,
      tenant: 'myrealm',
      emitter_id: 'keycloak:myrealm',
      principal_id: 'sam',
      src_ip: '192.168.3.3',
      app: 'test.client',
      outcome: 'success',
      auth_method: 'openid-connect',
    });
    expect(adminLogin).toMatchObject({ kind: 'auth', tenant: 'master', principal_id: 'admin', app: 'security-admin-console' });
    expect(token).toMatchObject({
      kind: 'token',
      activity: 'issue',
      token_id: '733a2efb-4094-4dc1-90a4-194858ce08b0',
      token_type: 'access_token',
      client_id: 'security-admin-console',
      scopes: ['openid', 'profile', 'email'],
      principal_id: '804807dd-c991-4712-8ec1-c6d4ff3f0e73',
      src_ip: '172.17.0.1',
    });
    expect(logout).toMatchObject({ kind: 'auth', ocsf_activity_id: 2, outcome: 'success', tenant: 'master' });
  });
});

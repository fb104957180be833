// Cisco Duo authentication logs, as the Admin API returns them: the project's fixtures (one record
// per mapping) and the real logs in ../shared/samples/sources, field by field, with the access
// device's endpoint checks on a login as a related posture event.
import { beforeEach, describe, expect, it } from 'vitest';
import { deriveEventId, normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));
const relatedIn = (outcomes: NormalizeOutcome[]) => outcomes.map((o) => (o.status === 'normalized' ? o.related : []));

describe('Duo fixture', () => {
  const outcomes = normalizeAll(fixtureLines('duo'));
  const [approved, fraud, denied, duoError, unhealthy] = eventsIn(outcomes);

  it('normalizes every authentication with no reject and no skip, each with its own id from its transaction', () => {
    expect(outcomes).toHaveLength(5);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
    const ids = eventsIn(outcomes).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventsIn(normalizeAll(fixtureLines('duo'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });

  it('maps an approved push to auth with MFA: the email lower-cased, the access device and its browser, the offset time in UTC', () => {
    expect(approved).toMatchObject({
      kind: 'auth',
      source: 'duo',
      ocsf_class_uid: 3002,
      time: '2026-11-20T08:15:00.250Z',
      tenant: 'default',
      emitter_id: 'duo',
      correlation_id: '0f1e2d3c-fixture-4b5a-8c9d-000000000001',
      principal_id: 'carol.diaz@example.com',
      principal_type: 'user',
      device_id: 'EPFIXTURE0000000001',
      src_ip: '203.0.113.31',
      user_agent: 'Safari 17.6',
      geo_country: 'Germany',
      app: 'Payroll VPN',
      outcome: 'success',
      auth_method: 'push',
      mfa: true,
      idp: 'duo',
    });
    expect(approved).not.toHaveProperty('failure_reason');
  });

  it('maps a push marked as fraud and a push turned down to failed MFA pushes, the username lower-cased', () => {
    expect(fraud).toMatchObject({
      kind: 'auth',
      outcome: 'failure',
      auth_method: 'push',
      mfa: true,
      failure_reason: 'fraud: user_marked_fraud',
      principal_id: 'dave.okafor',
    });
    expect(fraud).not.toHaveProperty('geo_country');
    // No isotimestamp: the epoch seconds.
    expect(denied).toMatchObject({
      outcome: 'failure',
      auth_method: 'push',
      failure_reason: 'user_mistake',
      time: '2026-11-20T08:17:00.000Z',
    });
  });

  it("maps Duo's own error to error (the access system failed, not the user)", () => {
    expect(duoError).toMatchObject({ kind: 'auth', outcome: 'error', auth_method: 'phone', failure_reason: 'error', app: 'SSH bastion' });
  });

  it("maps a denial for the device's health to posture, not compliant, with the endpoint checks Duo could tell", () => {
    expect(unhealthy).toMatchObject({
      kind: 'posture',
      ocsf_class_uid: 5002,
      time: '2026-11-20T08:19:00.000Z',
      principal_id: 'erin.park@example.com',
      device_id: 'erin-laptop',
      src_ip: '192.0.2.11',
      app: 'Payroll VPN',
      compliant: false,
      checks: [
        { name: 'firewall', passed: true },
        { name: 'password_set', passed: true },
        { name: 'trusted_endpoint', passed: false },
        { name: 'disk_encryption', passed: false },
      ],
      os: 'Windows 10',
    });
  });
});

describe("Duo fixture: the access device's endpoint checks on a login as a related posture event", () => {
  const [approved, fraud, denied, duoError, unhealthy] = relatedIn(normalizeAll(fixtureLines('duo')));

  it('maps the health fields, the trusted endpoint and each security agent of an approved login to posture, compliant when none failed', () => {
    expect(approved).toEqual([
      expect.objectContaining({
        kind: 'posture',
        source: 'duo',
        ocsf_class_uid: 5002,
        event_id: deriveEventId('duo', '0f1e2d3c-fixture-4b5a-8c9d-000000000001', 'posture'),
        time: '2026-11-20T08:15:00.250Z',
        tenant: 'default',
        emitter_id: 'duo',
        correlation_id: '0f1e2d3c-fixture-4b5a-8c9d-000000000001',
        principal_id: 'carol.diaz@example.com',
        principal_type: 'user',
        device_id: 'EPFIXTURE0000000001',
        src_ip: '203.0.113.31',
        app: 'Payroll VPN',
        compliant: true,
        checks: [
          { name: 'disk_encryption', passed: true },
          { name: 'firewall', passed: true },
          { name: 'password_set', passed: true },
          { name: 'trusted_endpoint', passed: true },
          { name: 'security_agent:crowdstrike', passed: true },
        ],
        os: 'Mac OS X 14.6',
      }),
    ]);
  });

  it("carries nothing more where Duo could tell nothing of the device, nor on a denial for the device's health (that is the posture)", () => {
    expect([fraud, denied, duoError, unhealthy]).toEqual([[], [], [], []]);
  });
});

describe('Duo samples', () => {
  beforeEach(skipWithoutSamples);

  it('an approved push, a fraud report, a denied push and a second approval normalize with no reject, field by field', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['cisco_duo-auth.ndjson']!);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
    const events = eventsIn(outcomes);
    expect(events.map((e) => e.kind === 'auth' && [e.outcome, e.failure_reason])).toEqual([
      ['success', undefined],
      ['failure', 'fraud: user_marked_fraud'],
      ['failure', 'user_mistake'],
      ['success', undefined],
    ]);
    expect(events[0]).toMatchObject({
      kind: 'auth',
      source: 'duo',
      time: '2020-02-13T18:56:20.351Z',
      correlation_id: '340a23e3-23f3-23c1-87dc-1491a23dfdbb',
      principal_id: 'narroway@example.com',
      principal_type: 'user',
      src_ip: '89.160.20.156',
      user_agent: 'Chrome 67.0.3396.99',
      geo_country: 'United States',
      app: 'Microsoft Azure Active Directory',
      auth_method: 'push',
      mfa: true,
      idp: 'duo',
    });
    expect(events[1]).toMatchObject({ principal_id: 'narroway', time: '2021-07-23T07:20:54.700Z', app: 'Duo Access Gateway Launcher' });
    expect(events[3]).toMatchObject({ device_id: 'pilot', app: 'OS Application 1' });
    // Only the first login's device could be inspected: not a trusted endpoint, so not compliant.
    const related = relatedIn(outcomes);
    expect(related.slice(1)).toEqual([[], [], []]);
    expect(related[0]).toEqual([
      expect.objectContaining({
        kind: 'posture',
        source: 'duo',
        time: '2020-02-13T18:56:20.351Z',
        principal_id: 'narroway@example.com',
        src_ip: '89.160.20.156',
        app: 'Microsoft Azure Active Directory',
        compliant: false,
        checks: [
          { name: 'disk_encryption', passed: true },
          { name: 'firewall', passed: true },
          { name: 'password_set', passed: true },
          { name: 'trusted_endpoint', passed: false },
        ],
        os: 'Mac OS X 10.14.1',
      }),
    ]);
    expect(related[0]![0]).not.toHaveProperty('device_id');
  });
});

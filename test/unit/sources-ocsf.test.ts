// OCSF as a door: the project's OCSF fixtures (one record per mapping) and AWS Verified Access's
// real OCSF logs in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('OCSF fixture', () => {
  const outcomes = normalizeAll(fixtureLines('ocsf'));
  const [logon, badPassword, logoff, workload, privileges, accessDeny, accessGrant, atRisk, secure, complianceFail] = eventsIn(outcomes);

  it('normalizes every record with no reject; a class it does not map and a finding about no device are skipped by type', () => {
    expect(outcomes).toHaveLength(12);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'ocsf', eventType: 'Compliance Finding not about a device' },
      { status: 'skipped', source: 'ocsf', eventType: 'Network Activity' },
    ]);
  });

  it('gives every event its own id, from metadata.uid, the same whenever it is normalized', () => {
    const ids = eventsIn(outcomes).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(10);
    expect(eventsIn(normalizeAll(fixtureLines('ocsf'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });

  it('maps Authentication (3002) Logon to auth with who (email lower-cased), from where, with which device, protocol and MFA', () => {
    expect(logon).toMatchObject({
      kind: 'auth',
      source: 'ocsf',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 1,
      time: '2026-11-20T09:36:45.123Z',
      tenant: 'example',
      emitter_id: 'ocsf:Example Corp/Example IdP',
      correlation_id: 'corr-fixture-0001',
      session_id: 'sess-fixture-alice-0001',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      device_id: 'dev-fixture-an-laptop',
      src_ip: '203.0.113.24',
      geo_country: 'NL',
      asn: 64500,
      app: 'payroll',
      outcome: 'success',
      auth_method: 'saml',
      mfa: true,
      idp: 'Example IdP',
    });
    expect(logon).not.toHaveProperty('failure_reason');
  });

  it('reads ids and statuses written as strings, a time with an offset and a peer with its port', () => {
    expect(badPassword).toMatchObject({
      time: '2026-11-20T07:17:02.250Z',
      tenant: 'default',
      principal_id: 'bob.martin',
      src_ip: '2001:db8::42',
      app: 'vpn',
      outcome: 'failure',
      failure_reason: 'Invalid credentials',
      auth_method: 'network',
      mfa: false,
      ocsf_activity_id: 1,
    });
  });

  it("keeps OCSF's own activity (Logoff) and maps a System user to a service", () => {
    expect(logoff).toMatchObject({ kind: 'auth', ocsf_activity_id: 2, outcome: 'success', session_id: 'sess-fixture-alice-0001' });
    expect(workload).toMatchObject({ principal_id: 'svc-backup', principal_type: 'service', auth_method: 'oauth 2.0', app: 'storage-api' });
  });

  it('maps Authorize Session (3003) to a policy decision with its policy, version and activity', () => {
    expect(privileges).toMatchObject({
      kind: 'policy',
      ocsf_class_uid: 3003,
      ocsf_activity_id: 1,
      decision: 'allow',
      policy_id: 'pol-fixture-files',
      policy_version: '7',
      action: 'Assign Privileges',
      app: 'files.example.com',
      principal_id: 'carol.diaz@example.com',
      session_id: 'sess-fixture-carol-0001',
      src_ip: '198.51.100.87',
      reasons: [],
    });
  });

  it("maps Verified Access's access classes (3006 of 1.0.0-rc.2, 208001 of 0.1) to decisions at the Verified Access instance", () => {
    expect(accessDeny).toMatchObject({
      kind: 'policy',
      ocsf_class_uid: 3003,
      ocsf_activity_id: 99,
      emitter_id: 'ocsf:AWS/Verified Access',
      decision: 'deny',
      reasons: ['Authorization Denied'],
      policy_id: 'managed-devices-only',
      action: 'GET',
      app: 'wiki.example.com',
      principal_id: 'dave.okafor@example.com',
      device_id: 'dev-fixture-do-laptop',
      src_ip: '198.51.100.12',
      user_agent: 'curl/8.5.0',
      enforcement_point: 'vai-fixture01',
      time: '2026-11-20T08:20:00.500Z',
    });
    expect(accessGrant).toMatchObject({
      decision: 'allow',
      reasons: [],
      policy_id: 'inline',
      principal_id: 'erin.cho@example.com',
      app: 'payroll.example.com',
      enforcement_point: 'vai-fixture02',
    });
  });

  it('maps Device Config State Change (5019) to posture: at risk with each security state a failed check, secure with none', () => {
    expect(atRisk).toMatchObject({
      kind: 'posture',
      ocsf_class_uid: 5002,
      ocsf_activity_id: 1,
      compliant: false,
      checks: [
        { name: 'Protection off', passed: false },
        { name: 'Policy mismatch', passed: false },
      ],
      device_id: 'dev-fixture-do-laptop',
      principal_id: 'dave.okafor@example.com',
      os: 'Windows 11',
      src_ip: '198.51.100.12',
    });
    expect(secure).toMatchObject({ kind: 'posture', compliant: true, checks: [], device_id: 'dev-fixture-an-laptop', os: 'macOS 15.1' });
  });

  it("maps a device's Compliance Finding (2003) to posture with each check's result", () => {
    expect(complianceFail).toMatchObject({
      kind: 'posture',
      compliant: false,
      checks: [
        { name: 'disk encryption', passed: false },
        { name: 'screen lock', passed: true },
        { name: 'firewall', passed: true },
      ],
      device_id: 'dev-fixture-fg-laptop',
      principal_id: 'frank.garcia@example.com',
    });
  });
});

describe('AWS Verified Access OCSF samples', () => {
  beforeEach(skipWithoutSamples);
  const files = sampleFiles('sources');
  const outcomesOf = (file: string) => normalizeAll(files[file] ?? []);

  it('normalizes every record of both schema versions with no reject and no skip', () => {
    for (const file of ['aws_verified_access-ocsf_v0_1.ndjson', 'aws_verified_access-ocsf_v1_0_0_rc2.ndjson']) {
      const outcomes = outcomesOf(file);
      expect(outcomes.length, file).toBeGreaterThan(0);
      expect(
        outcomes.filter((o) => o.status !== 'normalized'),
        file,
      ).toEqual([]);
    }
  });

  it('0.1: grants, an authentication and an authorization denial, and an unknown status as an error', () => {
    const events = eventsIn(outcomesOf('aws_verified_access-ocsf_v0_1.ndjson'));
    expect(events.map((e) => e.kind === 'policy' && e.decision)).toEqual(['allow', 'allow', 'allow', 'deny', 'deny', 'error']);
    expect(events[2]).toMatchObject({
      source: 'ocsf',
      emitter_id: 'ocsf:AWS/Verified Access',
      time: '2022-11-19T00:10:20.842Z',
      principal_id: 'johndoe@example.com',
      principal_type: 'user',
      device_id: '122978434f65093aee5dfbdc0EXAMPLE',
      src_ip: '10.14.173.3',
      app: 'test.app.example.com',
      policy_id: 'inline',
      action: 'GET',
      enforcement_point: 'vai-2f80f37e64EXAMPLE',
      reasons: [],
    });
    expect(events[3]).toMatchObject({ reasons: ['Authentication Denied'], src_ip: '10.7.178.16', action: 'POST' });
    expect(events[3]).not.toHaveProperty('principal_id');
    expect(events[4]).toMatchObject({ reasons: ['Authorization Denied'], principal_id: 'johndoe@example.com' });
  });

  it('1.0.0-rc.2: Access Activity and an Authorize Session on a TCP endpoint; one event logged twice has one id', () => {
    const [grant, again, tcp] = eventsIn(outcomesOf('aws_verified_access-ocsf_v1_0_0_rc2.ndjson'));
    expect(grant).toMatchObject({
      kind: 'policy',
      decision: 'allow',
      time: '2022-11-16T06:29:54.344Z',
      principal_id: 'johndoe@example.com',
      src_ip: '172.24.57.68',
      user_agent: 'python-requests/2.28.1',
      app: 'hello.app.example.com',
      enforcement_point: 'vai-002fa341aeEXAMPLE',
    });
    // The same request (metadata.uid) with and without its trust data.
    expect(again!.event_id).toBe(grant!.event_id);
    expect(tcp).toMatchObject({
      kind: 'policy',
      ocsf_class_uid: 3003,
      ocsf_activity_id: 1,
      decision: 'allow',
      action: 'Assign Privileges',
      principal_id: 'johndoe-user@test.com',
      src_ip: '10.2.7.68',
      app: '107.22.231.155',
      policy_id: 'inline',
    });
  });
});

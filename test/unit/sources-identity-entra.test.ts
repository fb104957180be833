// Microsoft Entra beyond interactive sign-ins: managed-identity and service-principal sign-ins as
// workload identities, a sign-in Conditional Access blocked as its policy deny, the Conditional
// Access policies a sign-in enforced and its device's compliance as related events, and ID
// Protection risk detections skipped by type; the project's fixtures and the real Azure Monitor
// records in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));
const relatedIn = (outcomes: NormalizeOutcome[]) => outcomes.map((o) => (o.status === 'normalized' ? o.related : []));
const tenant = '7d1f3c5a-2b4e-4f6a-8c9d-0e1f2a3b4c5d';

describe('Entra sign-in fixture: workload identities and Conditional Access', () => {
  const events = eventsIn(normalizeAll(fixtureLines('entra')));
  const servicePrincipal = events[3];
  const [managedIdentity, blocked] = events.slice(-2);

  it('maps a managed identity sign-in to auth by a service, named by its service principal, with no address', () => {
    expect(managedIdentity).toMatchObject({
      kind: 'auth',
      source: 'entra',
      time: '2026-11-20T08:26:00.123Z',
      tenant,
      emitter_id: 'entra:ManagedIdentitySignInLogs',
      correlation_id: '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c',
      principal_id: 'payroll-batch-vm',
      principal_type: 'service',
      app: 'Azure Key Vault',
      outcome: 'success',
      auth_method: 'managedIdentity',
      idp: 'entra',
    });
    expect(managedIdentity).not.toHaveProperty('src_ip');
    expect(managedIdentity).not.toHaveProperty('geo_country');
  });

  it("names how a service principal proved itself in Entra's words", () => {
    expect(servicePrincipal).toMatchObject({ principal_type: 'service', principal_id: 'telemetry-export', auth_method: 'clientSecret' });
  });

  it('maps a sign-in Conditional Access blocked to its deny: the failed policy, its grant controls and the device not compliant', () => {
    expect(blocked).toMatchObject({
      kind: 'policy',
      source: 'entra',
      ocsf_class_uid: 3003,
      time: '2026-11-20T08:28:00.000Z',
      tenant,
      emitter_id: 'entra:SignInLogs',
      principal_id: 'carol.diaz@example.com',
      principal_type: 'user',
      device_id: '7e6d5c4b-3a29-4180-9f6e-5d4c3b2a1908',
      src_ip: '198.51.100.23',
      geo_country: 'DE',
      app: 'Payroll Portal',
      decision: 'deny',
      policy_id: '0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a',
      rule: 'Require compliant device for Payroll',
      action: 'sign-in',
      // The passed and report-only policies are not why it was refused.
      reasons: ['Require compliant device for Payroll: RequireCompliantDevice', 'device not compliant'],
      enforcement_point: 'entra-conditional-access',
    });
  });
});

describe('Entra sign-in fixture: Conditional Access decisions and device compliance as related events', () => {
  const related = relatedIn(normalizeAll(fixtureLines('entra')));
  const [interactive, badPassword, outage, servicePrincipal, graph, managedIdentity, blocked] = related;
  const carol = {
    source: 'entra',
    time: '2026-11-20T08:20:31.447Z',
    tenant,
    emitter_id: 'entra:SignInLogs',
    correlation_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    session_id: 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d',
    principal_id: 'carol.diaz@example.com',
    principal_type: 'user',
    device_id: '3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
    src_ip: '198.51.100.23',
    app: 'Payroll Portal',
  };

  it('maps each policy the sign-in passed to an allow with its id, name and grant controls; notApplied, notEnabled and report-only decide nothing', () => {
    expect(interactive!.filter((e) => e.kind === 'policy')).toEqual([
      expect.objectContaining({
        ...carol,
        kind: 'policy',
        ocsf_class_uid: 3003,
        decision: 'allow',
        policy_id: '1e2f3a4b-5c6d-4e7f-9a8b-0c1d2e3f4a5b',
        rule: 'Require MFA for everyone',
        action: 'sign-in',
        reasons: ['Mfa'],
        enforcement_point: 'entra-conditional-access',
      }),
      expect.objectContaining({
        ...carol,
        decision: 'allow',
        policy_id: '4b5c6d7e-8f9a-4b0c-9d1e-3f4a5b6c7d8e',
        rule: 'Require compliant device for Payroll',
        reasons: ['RequireCompliantDevice'],
      }),
    ]);
  });

  it("maps the device's compliance to posture: Intune's verdict and whether it is managed as checks, its OS", () => {
    expect(interactive!.filter((e) => e.kind === 'posture')).toEqual([
      expect.objectContaining({
        ...carol,
        kind: 'posture',
        ocsf_class_uid: 5002,
        compliant: true,
        checks: [
          { name: 'compliant', passed: true },
          { name: 'managed', passed: true },
        ],
        os: 'Windows10',
      }),
    ]);
    expect(outage).toEqual([
      expect.objectContaining({
        kind: 'posture',
        emitter_id: 'entra:NonInteractiveUserSignInLogs',
        device_id: '7c6b5a49-3827-4160-9f8e-7d6c5b4a3928',
        compliant: true,
      }),
    ]);
  });

  it('carries nothing more where no policy was enforced and the device has no id (its compliance then names no device)', () => {
    expect([badPassword, servicePrincipal, graph, managedIdentity]).toEqual([[], [], [], []]);
  });

  it("a blocked sign-in: the failed policy is the record's own deny, not repeated; the policy it passed an allow; the device not compliant", () => {
    expect(
      blocked!.map((e) => [e.kind, e.kind === 'policy' ? [e.decision, e.policy_id, e.rule] : e.kind === 'posture' && e.checks]),
    ).toEqual([
      ['policy', ['allow', '1e2f3a4b-5c6d-4e7f-9a8b-0c1d2e3f4a5b', 'Require MFA for everyone']],
      [
        'posture',
        [
          { name: 'compliant', passed: false },
          { name: 'managed', passed: true },
        ],
      ],
    ]);
    expect(blocked![1]).toMatchObject({
      compliant: false,
      device_id: '7e6d5c4b-3a29-4180-9f6e-5d4c3b2a1908',
      os: 'Windows 11',
      time: '2026-11-20T08:28:00.000Z',
    });
  });
});

describe('Entra risk detection fixture', () => {
  it('skips every detection with its risk event type, Azure Monitor record or Graph resource, and rejects none', () => {
    expect(normalizeAll(fixtureLines('entra_risk'))).toEqual([
      { status: 'skipped', source: 'entra_risk', eventType: 'risk:unfamiliarFeatures' },
      { status: 'skipped', source: 'entra_risk', eventType: 'risk:leakedCredentials' },
    ]);
  });
});

describe('Entra samples', () => {
  beforeEach(skipWithoutSamples);
  const files = sampleFiles('sources');

  it("non-interactive sign-in: auth with MFA satisfied by the token, the user's device and address", () => {
    const outcomes = normalizeAll(files['azure-signinlogs-non_interactive.ndjson']!);
    expect(outcomes.map((o) => o.status)).toEqual(['normalized']);
    expect(eventsIn(outcomes)[0]).toMatchObject({
      kind: 'auth',
      source: 'entra',
      time: '2022-03-17T09:44:46.309Z',
      tenant: '226f45e7-e2e2-4228-9e9d-612687e8c133',
      emitter_id: 'entra:NonInteractiveUserSignInLogs',
      correlation_id: '8b79f1be-9ed1-48f5-ad92-1df3f421e142',
      principal_id: 'nikhita.sethi@cyberfortgroup.com',
      principal_type: 'user',
      device_id: 'ef5d12a1-7768-4085-9047-5d33aee251fa',
      src_ip: '81.2.69.143',
      geo_country: 'GB',
      asn: 5089,
      app: 'Microsoft Edge Enterprise New Tab Page',
      outcome: 'success',
      auth_method: 'Previously satisfied',
      mfa: true,
      latency_ms: 90,
    });
  });

  it("non-interactive sign-in: the one policy it enforced as an allow (the not-applied and report-only ones left out), the device's compliance as posture", () => {
    const [related] = relatedIn(normalizeAll(files['azure-signinlogs-non_interactive.ndjson']!));
    const user = {
      source: 'entra',
      time: '2022-03-17T09:44:46.309Z',
      tenant: '226f45e7-e2e2-4228-9e9d-612687e8c133',
      emitter_id: 'entra:NonInteractiveUserSignInLogs',
      principal_id: 'nikhita.sethi@cyberfortgroup.com',
      device_id: 'ef5d12a1-7768-4085-9047-5d33aee251fa',
      src_ip: '81.2.69.143',
      app: 'Microsoft Edge Enterprise New Tab Page',
    };
    expect(related).toEqual([
      expect.objectContaining({
        ...user,
        kind: 'policy',
        decision: 'allow',
        policy_id: '9bc14439-0b78-4d1e-bb27-8fab658d0e83',
        rule: 'Require MFA for everyone',
        action: 'sign-in',
        reasons: ['Mfa'],
        enforcement_point: 'entra-conditional-access',
      }),
      expect.objectContaining({
        ...user,
        kind: 'posture',
        compliant: true,
        checks: [
          { name: 'compliant', passed: true },
          { name: 'managed', passed: true },
        ],
        os: 'Windows 10',
      }),
    ]);
  });

  it('service-principal sign-ins: auth by the service with its client secret, from its address', () => {
    const outcomes = normalizeAll(files['azure-signinlogs-service_principal.ndjson']!);
    const events = eventsIn(outcomes);
    expect(events).toHaveLength(3);
    // No Conditional Access applied, no device: nothing more.
    expect(relatedIn(outcomes)).toEqual([[], [], []]);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(3);
    expect(events[0]).toMatchObject({
      kind: 'auth',
      time: '2022-02-08T06:22:28.351Z',
      tenant: '4bbb79f7-5724-4c9e-95f3-de075f6ec090',
      emitter_id: 'entra:ServicePrincipalSignInLogs',
      principal_id: 'Terraform-Datadog-CLI',
      principal_type: 'service',
      src_ip: '1.128.3.4',
      geo_country: 'IN',
      app: 'Windows Azure Service Management API',
      outcome: 'success',
      auth_method: 'clientSecret',
      // The key id of the secret it signed in with (M7), never the secret.
      credential_id: 'dbcd79c0-c3ea-46b9-9604-ff40d43b8618',
    });
  });

  it('managed-identity sign-ins: auth by the service, its empty address and country left out', () => {
    const outcomes = normalizeAll(files['azure-signinlogs-managed_identity.ndjson']!);
    const events = eventsIn(outcomes);
    expect(events).toHaveLength(3);
    expect(relatedIn(outcomes)).toEqual([[], [], []]);
    expect(events.map((e) => e.principal_id)).toEqual(['testplatformlogslube', 'test-vidhi-aks', 'aplatofrmlogstesting']);
    expect(events[1]).toMatchObject({
      kind: 'auth',
      time: '2022-01-24T04:58:22.015Z',
      emitter_id: 'entra:ManagedIdentitySignInLogs',
      correlation_id: 'a215db46-9d3b-4d28-8e0e-ae2363072d43',
      principal_type: 'service',
      outcome: 'success',
      auth_method: 'managedIdentity',
    });
    expect(events[1]).not.toHaveProperty('src_ip');
    // Azure holds and rotates a managed identity's credential: its sign-ins name none.
    expect(events.filter((e) => 'credential_id' in e)).toEqual([]);
    expect(events[1]).not.toHaveProperty('geo_country');
  });

  it('risk detections: skipped with their risk event type, none rejected', () => {
    expect(normalizeAll(files['azure-identity_protection-risk_detections.ndjson']!)).toEqual([
      { status: 'skipped', source: 'entra_risk', eventType: 'risk:anonymizedIPAddress' },
      { status: 'skipped', source: 'entra_risk', eventType: 'risk:passwordSpray' },
    ]);
  });
});

// The new detections on incidents built from real vendor records (../shared/samples): Okta's
// sign-in, MFA and sign-on policy events, Entra's sign-in log, Intune's managed device, each
// varied only where an attack would vary it (user, address, country, time, event type).
// Skipped, saying where the samples were looked for, when ../shared is absent.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { score } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { latestById } from '../../src/detect/evaluate.js';
import { normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const samples = sampleFiles();
const sources = sampleFiles('sources');
type Json = Record<string, unknown>;
const record = (file: string, line: number, from = samples): Json => JSON.parse(from[file]![line]!) as Json;
const minutes = (iso: string, m: number) => new Date(Date.parse(iso) + m * 60_000).toISOString();
let serial = 0;

function normalized(raw: Json): CanonicalEvent {
  const o = normalizeRecord(JSON.stringify(raw), normalizeOptions());
  if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
  return o.event;
}

/** An Okta System Log event like the sample's, at another time, under its own uuid, with these changes. */
function okta(line: number, at: number, change: (r: Json & { client: Json; outcome: Json }) => void = () => {}): CanonicalEvent {
  const r = structuredClone(record('okta-system-log.ndjson', line)) as Json & { client: Json; outcome: Json; published: string };
  r.published = minutes(r.published, at);
  r.uuid = `sample-${++serial}`;
  change(r);
  return normalized(r);
}

/** What the scorers publish for these events, each anomaly as last published. */
const published = (events: CanonicalEvent[], options?: Parameters<typeof createScorers>[0]) =>
  latestById(score(createScorers(options), events));

describe('detections on incidents built from real vendor records', () => {
  beforeEach(skipWithoutSamples);

  it('credential stuffing: Entra sign-in failures of 15 users from one address, each tried once', () => {
    const failures = Array.from({ length: 16 }, (_, i) => {
      const r = structuredClone(record('entra-signin-logs.ndjson', 0)) as Json & { properties: Json };
      r.properties.userPrincipalName = `user${i}@elastic.co`;
      r.properties.id = `stuffing-${i}`;
      r.properties.createdDateTime = minutes('2019-10-18T09:45:48.072Z', i / 4);
      return normalized(r);
    });
    expect(new Set(failures.map((e) => e.principal_id)).size).toBe(16);
    const found = published(failures);
    expect(found.map((a) => [a.kind, a.key])).toEqual([['credential-stuffing', 'src_net:81.2.69.0/24']]);
  });

  it("MFA fatigue: Okta Verify pushes denied 5 times, then accepted from the attacker's address (high)", () => {
    const deny = (at: number) =>
      okta(1, at, (r) => {
        r.eventType = 'user.mfa.okta_verify.deny_push';
        r.outcome = { result: 'FAILURE', reason: 'User rejected Okta push verify' };
      });
    const events = [0, 1, 2, 3, 4].map(deny);
    events.push(okta(1, 6, (r) => (r.eventType = 'user.authentication.auth_via_mfa')));
    const found = published(events);
    expect(found.map((a) => [a.type, a.kind, a.severity])).toEqual([['mfa_fatigue', 'mfa-fatigue-success', 'high']]);
    expect(found[0]!.evidence.events).toHaveLength(6);
  });

  it('session hijack: the Okta session signed in from a browser, then evaluated for python-requests elsewhere', () => {
    const signIn = okta(1, 0);
    const scripted = okta(2, 5, (r) => {
      r.client.ipAddress = '185.220.101.4';
      r.client.userAgent = { rawUserAgent: 'python-requests/2.32.3' };
    });
    expect(scripted.session_id).toBe(signIn.session_id);
    const found = published([signIn, scripted]);
    expect(found.map((a) => a.kind)).toContain('session-hijack');
    expect(found.flatMap((a) => [a.key, ...(a.evidence.related ?? []).map((r) => r.key)])).toContain(`session:${signIn.session_id}`);
  });

  it("impossible travel: Okta sign-ins from the United States and, 30 minutes later, Japan (Okta's country names)", () => {
    const found = published([
      okta(0, 0),
      okta(0, 30, (r) => {
        r.client.geographicalContext = { country: 'Japan', city: 'Tokyo' };
        r.client.ipAddress = '126.1.2.3';
        r.authenticationContext = { externalSessionId: 'a-new-session' };
      }),
    ]);
    expect(found.map((a) => [a.type, a.key])).toEqual([['impossible_travel', 'principal:username@elastic.co']]);
  });

  it('allowed while non-compliant: an Intune device reported unencrypted, then allowed by an Okta sign-on policy', () => {
    const report = normalized(record('microsoft_intune-managed_device.ndjson', 1, sources));
    expect(report.kind === 'posture' && report.checks.find((c) => c.name === 'encryption')).toEqual({ name: 'encryption', passed: false });
    const allowed = okta(2, 0, (r) => {
      r.published = minutes(report.time, 5);
      (r.debugContext as { debugData: Json }).debugData.deviceFingerprint = report.device_id;
    });
    expect(allowed.kind === 'policy' && allowed.decision).toBe('allow');
    const found = published([report, allowed]);
    expect(found.map((a) => [a.type, a.key, a.evidence.baseline.failed_checks])).toEqual([
      ['noncompliant_access', `device:${report.device_id}`, ['encryption']],
    ]);
  });

  it("a new device: an Okta sign-in from a device fingerprint the user's last sign-ins never had", () => {
    const usual = Array.from({ length: 3 }, (_, i) => okta(1, i));
    const fresh = okta(1, 10, (r) => ((r.debugContext as { debugData: Json }).debugData.deviceFingerprint = 'fp-new-laptop'));
    const found = published([...usual, fresh], { newContext: { learnEvents: 3 } });
    expect(found.map((a) => [a.type, a.kind, a.severity])).toEqual([['new_context', 'new-device', 'low']]);
  });
});

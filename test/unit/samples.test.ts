// The real vendor events in ../shared/samples normalize with no reject. A clone without
// ../shared skips this file, saying so; test/unit/fixtures.test.ts covers every source there.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const files = sampleFiles();

describe('real sample events', () => {
  beforeEach(skipWithoutSamples);

  it('finds the sample files', () => {
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['okta-system-log.ndjson', 'entra-signin-logs.ndjson']));
  });

  for (const [file, lines] of Object.entries(files)) {
    it(`${file}: every access event normalizes, none rejected`, () => {
      const outcomes = lines.map((line) => normalizeRecord(line, normalizeOptions()));
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      expect(rejected).toEqual([]);
      expect(outcomes.filter((o) => o.status === 'normalized').length).toBeGreaterThan(0);
    });
  }

  // ../shared/samples/sources: a file any source claims normalizes whole, with no reject (its
  // non-access events skipped by type); sources-<vendor>.test.ts holds each file's fields.
  for (const [file, lines] of Object.entries(sampleFiles('sources'))) {
    it(`sources/${file}: once a source claims its records, none is rejected`, () => {
      const outcomes = lines.map((line) => normalizeRecord(line, normalizeOptions()));
      const claimed = outcomes.some((o) => o.status !== 'rejected' || !o.reason.startsWith('unrecognized event shape'));
      if (claimed) expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    });
  }

  // Every event each file gives, a record's related events among them (an Entra sign-in's
  // Conditional Access decisions and device compliance, a Duo login's endpoint checks).
  const EVENTS_BY_KIND: Record<string, Partial<Record<string, number>>> = {
    'auth0-logs.ndjson': { auth: 4, token: 2 },
    'aws_verified_access-ocsf_v0_1.ndjson': { policy: 6 },
    'aws_verified_access-ocsf_v1_0_0_rc2.ndjson': { policy: 3 },
    'azure-identity_protection-risk_detections.ndjson': {},
    'azure-signinlogs-managed_identity.ndjson': { auth: 3 },
    'azure-signinlogs-non_interactive.ndjson': { auth: 1, policy: 1, posture: 1 },
    'azure-signinlogs-service_principal.ndjson': { auth: 3 },
    'cisco_duo-auth.ndjson': { auth: 4, posture: 1 },
    'cloudflare_logpush-access_request.ndjson': { policy: 3 },
    'cloudflare_logpush-device_posture.ndjson': { posture: 4 },
    'cloudflare_logpush-gateway_http.ndjson': { policy: 3 },
    'google_workspace-device.ndjson': { posture: 1 },
    'google_workspace-login.ndjson': { auth: 5 },
    'keycloak-jsonlog_events.ndjson': { auth: 3, token: 1 },
    'microsoft_intune-managed_device.ndjson': { posture: 3 },
    'opa-envoy-decision_logs.ndjson': { policy: 3 },
    'teleport-audit.ndjson': { auth: 6, policy: 8, token: 2 },
    'zscaler_zpa-browser_access.ndjson': { policy: 1 },
    'zscaler_zpa-user_activity.ndjson': { policy: 1 },
    'zscaler_zpa-user_status.ndjson': { posture: 2 },
  };
  it('sources/: each file gives its events by kind, related events counted', () => {
    const byKind = Object.fromEntries(
      Object.entries(sampleFiles('sources')).map(([file, lines]) => {
        const counts: Partial<Record<string, number>> = {};
        for (const outcome of lines.map((line) => normalizeRecord(line, normalizeOptions()))) {
          if (outcome.status !== 'normalized') continue;
          for (const e of [outcome.event, ...outcome.related]) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
        }
        return [file, counts];
      }),
    );
    expect(byKind).toEqual(EVENTS_BY_KIND);
  });

  const events = (file: string) =>
    files[file]!.map((l) => normalizeRecord(l, normalizeOptions())).flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

  it('maps Okta session start/end to auth (logon, logoff) and sign-on policy evaluation to policy', () => {
    const okta = events('okta-system-log.ndjson');
    expect(okta.map((e) => [e.kind, e.ocsf_class_uid, e.ocsf_activity_id])).toEqual([
      ['auth', 3002, 2],
      ['auth', 3002, 1],
      ['policy', 3003, 99],
    ]);
    const login = okta[1] as Extract<CanonicalEvent, { kind: 'auth' }>;
    expect(login).toMatchObject({
      source: 'okta',
      outcome: 'success',
      principal_id: 'xxxxxx@elastic.co',
      principal_type: 'user',
      session_id: '102bZDNFfWaQSyEZQuDgWt-uQ',
      src_ip: '175.16.199.1',
      device_id: '541daf91d15bef64a7e08c946fd9a9d0',
      time: '2020-02-14T20:18:57.718Z',
    });
    expect(okta[2]).toMatchObject({ decision: 'allow', policy_id: '00p1abvweGGDW10Ur4x6', rule: 'Default Rule' });
  });

  it('maps Entra sign-ins to auth with the instant in UTC, service principals as services', () => {
    const entra = events('entra-signin-logs.ndjson');
    expect(entra).toHaveLength(3);
    // createdDateTime 2019-10-18T04:45:48.0729893-05:00
    expect(entra.every((e) => e.time === '2019-10-18T09:45:48.072Z')).toBe(true);
    expect(entra.map((e) => e.kind === 'auth' && e.outcome)).toEqual(['failure', 'failure', 'failure']);
    expect(entra.map((e) => e.principal_type)).toEqual(['user', 'user', 'service']);
    expect(new Set(entra.map((e) => e.event_id)).size).toBe(3);
    expect(entra[0]).toMatchObject({
      tenant: '8a4de8b5-095c-47d0-a96f-a75130c61d53',
      geo_country: 'FR',
      app: 'Office 365',
      latency_ms: 239,
    });
  });

  it('gives the same event id for the same vendor event every time', () => {
    const line = files['okta-system-log.ndjson']![0]!;
    const a = normalizeRecord(line, normalizeOptions());
    const b = normalizeRecord(line, normalizeOptions({ observedTime: '2030-01-01T00:00:00.000Z' }));
    expect(a.status === 'normalized' && b.status === 'normalized' && a.event.event_id === b.event.event_id).toBe(true);
  });
});

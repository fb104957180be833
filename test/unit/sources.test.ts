// The registry of sources: every supported shape once, in detection order, and by name; and no
// source's detector ever claims another source's records (whatever their order) or random JSON.
import { readdirSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, SOURCE_NAMES } from '../../src/events/index.js';
import { SOURCES, sourceNamed } from '../../src/events/sources/index.js';
import { FIXTURES_DIR, fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

/** Every fixture file is named after its source: test/fixtures/sources/<source>.ndjson. */
const FIXTURE_FILES = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.ndjson'))
  .map((f) => f.slice(0, -'.ndjson'.length));

/** The sources that detect a record, in registry order. */
const claimants = (line: string) => SOURCES.filter((s) => s.detect(JSON.parse(line))).map((s) => s.name);

describe('source registry', () => {
  it('lists every source once, the most specific shape first and our own native format last', () => {
    expect(SOURCES.map((s) => s.name)).toEqual([
      ...['okta', 'entra', 'entra_risk', 'opa', 'keycloak'],
      ...['cloudflare_access', 'cloudflare_gateway', 'teleport', 'zpa_user_activity'],
      ...['zpa_browser_access', 'zpa_user_status', 'cloudflare_device_posture', 'intune', 'google_workspace_device'],
      ...['auth0', 'google_workspace_login', 'duo'],
      ...['ocsf', 'native'],
    ]);
    expect(SOURCE_NAMES).toEqual(['auto', ...SOURCES.map((s) => s.name)]);
  });

  it('finds a source by its name, and no other', () => {
    for (const source of SOURCES) expect(sourceNamed(source.name)).toBe(source);
    expect(sourceNamed('splunk')).toBeUndefined();
    expect(sourceNamed('auto')).toBeUndefined();
  });

  it('has a fixture file for every source, and a source for every fixture file', () => {
    expect([...FIXTURE_FILES].sort()).toEqual(SOURCES.map((s) => s.name).sort());
  });

  it("claims each fixture record by its own source's detector alone: no other source, earlier or later, detects it", () => {
    for (const name of FIXTURE_FILES) {
      const lines = fixtureLines(name);
      expect(lines.length, name).toBeGreaterThan(0);
      for (const line of lines) expect(claimants(line), line).toEqual([name]);
    }
  });

  it('claims no random JSON object, however its keys and values are nested', () => {
    // A seeded generator: the same objects every run, so a failure can be replayed.
    let seed = 0x2f6b_1d3a;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const word = () => Math.floor(random() * 36 ** 6).toString(36);
    const value = (depth: number): unknown => {
      const pick = random();
      if (pick < 0.2) return word();
      if (pick < 0.35) return Math.floor(random() * 2e12);
      if (pick < 0.45) return random() < 0.5;
      if (pick < 0.5) return null;
      if (pick < 0.6 && depth < 3) return [value(depth + 1), value(depth + 1)];
      if (depth < 3) return object(depth + 1);
      return word();
    };
    const object = (depth: number) =>
      Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 8) }, () => [word(), value(depth)]));
    for (let i = 0; i < 2000; i++) {
      const record = JSON.stringify(object(0));
      expect(claimants(record), record).toEqual([]);
    }
  });

  it('normalizes a record asked for by name only with that source', () => {
    const [okta] = fixtureLines('okta');
    expect(normalizeRecord(okta!, normalizeOptions({ source: 'okta' })).status).not.toBe('rejected');
    expect(normalizeRecord(okta!, normalizeOptions({ source: 'opa' }))).toEqual({ status: 'rejected', reason: 'not a opa event' });
  });
});

// The source each real sample file of ../shared/samples/sources belongs to; a file not listed has
// no source yet, and no source may claim it.
const SAMPLE_SOURCE: Record<string, string> = {
  'aws_verified_access-ocsf_v0_1.ndjson': 'ocsf',
  'aws_verified_access-ocsf_v1_0_0_rc2.ndjson': 'ocsf',
  'auth0-logs.ndjson': 'auth0',
  'azure-identity_protection-risk_detections.ndjson': 'entra_risk',
  'cisco_duo-auth.ndjson': 'duo',
  'google_workspace-login.ndjson': 'google_workspace_login',
  'keycloak-jsonlog_events.ndjson': 'keycloak',
  'azure-signinlogs-managed_identity.ndjson': 'entra',
  'cloudflare_logpush-access_request.ndjson': 'cloudflare_access',
  'cloudflare_logpush-device_posture.ndjson': 'cloudflare_device_posture',
  'google_workspace-device.ndjson': 'google_workspace_device',
  'microsoft_intune-managed_device.ndjson': 'intune',
  'zscaler_zpa-browser_access.ndjson': 'zpa_browser_access',
  'zscaler_zpa-user_status.ndjson': 'zpa_user_status',
  'cloudflare_logpush-gateway_http.ndjson': 'cloudflare_gateway',
  'azure-signinlogs-non_interactive.ndjson': 'entra',
  'azure-signinlogs-service_principal.ndjson': 'entra',
  'opa-envoy-decision_logs.ndjson': 'opa',
  'teleport-audit.ndjson': 'teleport',
  'zscaler_zpa-user_activity.ndjson': 'zpa_user_activity',
};

describe('source detection on the real samples', () => {
  beforeEach(skipWithoutSamples);

  it("claims every record of a sample file by that file's source alone, and a file of no source by none", () => {
    for (const [file, lines] of Object.entries(sampleFiles('sources'))) {
      const owner = SAMPLE_SOURCE[file];
      for (const line of lines) expect(claimants(line), `${file}: ${line.slice(0, 120)}`).toEqual(owner ? [owner] : []);
    }
  });
});

// Zscaler Private Access browser access (LSS): the project's fixtures (one record per mapping) and the
// real LSS record in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('ZPA browser access fixture', () => {
  const outcomes = normalizeAll(fixtureLines('zpa_browser_access'));
  const [allowed, denied, noConnection] = eventsIn(outcomes);

  it('normalizes every request of a user with no reject; a request before the SAML login is skipped', () => {
    expect(outcomes).toHaveLength(4);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'zpa_browser_access', eventType: 'browser access without a user' },
    ]);
  });

  it("maps a request to ZPA's allow on the application: the user's email lower-cased, the path without its query", () => {
    expect(allowed).toMatchObject({
      kind: 'policy',
      source: 'zpa_browser_access',
      ocsf_class_uid: 3003,
      time: '2026-11-20T09:05:11.482Z',
      tenant: 'default',
      emitter_id: 'zpa:Example Corp',
      correlation_id: 'zpa-ba-fixture-0001',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      src_ip: '203.0.113.24',
      user_agent: expect.stringContaining('Chrome/131.0.0.0'),
      app: 'wiki.example.com',
      decision: 'allow',
      action: 'GET /pages/onboarding',
      reasons: [],
      enforcement_point: 'zpa-browser-access',
    });
    expect(JSON.stringify(allowed)).not.toContain('fixture-not-a-secret');
  });

  it('maps a request refused by policy to a deny with its reason', () => {
    expect(denied).toMatchObject({
      decision: 'deny',
      reasons: ['BRK_MT_SETUP_FAIL_REJECTED_BY_POLICY'],
      principal_id: 'mallory@example.net',
      src_ip: '198.51.100.77',
      app: 'admin.example.com',
      action: 'POST /console/users',
    });
  });

  it('identifies a request without a ConnectionID by its own coordinates, the same whenever normalized; a full URL becomes its path', () => {
    expect(noConnection).toMatchObject({ src_ip: '2001:db8::24', action: 'GET /org/repo/pulls', decision: 'allow' });
    expect(noConnection).not.toHaveProperty('correlation_id');
    const ids = [allowed, denied, noConnection].map((e) => e!.event_id);
    expect(new Set(ids).size).toBe(3);
    expect(eventsIn(normalizeAll(fixtureLines('zpa_browser_access'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });
});

describe('ZPA browser access sample', () => {
  beforeEach(skipWithoutSamples);

  it('maps the proxied request to an allow for its SAML user, from the public address, on the host and path', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['zscaler_zpa-browser_access.ndjson']!);
    expect(outcomes.map((o) => o.status)).toEqual(['normalized']);
    expect(eventsIn(outcomes)[0]).toMatchObject({
      kind: 'policy',
      source: 'zpa_browser_access',
      time: '2019-07-03T05:12:25.723Z',
      emitter_id: 'zpa:ANZ Team/zdemo in beta',
      principal_id: 'admin@zdemo.net',
      principal_type: 'user',
      src_ip: '81.2.69.144',
      user_agent: expect.stringContaining('Safari/605.1.15'),
      app: 'portal.beta.zdemo.net',
      decision: 'allow',
      action: 'GET /media/Regular.woff',
      reasons: [],
      enforcement_point: 'zpa-browser-access',
    });
  });
});
